"""Workers as real apps start them: through wrappers, their own CLI code, and the queues
their jobs go to (issues 12 and 13). Each case comes with one that must not be read so."""

from __future__ import annotations

from pathlib import Path

from forklint.frameworks import find_jobs
from forklint.frameworks.launch_lines import project_launches
from forklint.prefork import Parents

from test_launch_lines import _project

STUNNEL = '#!/bin/bash\n# Placeholder wrapper for the buildpack.\nexec "$@"\n'
DJANGO_SITE = {
    "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site_cfg.settings')\n",
    "site_cfg/__init__.py": "",
    "site_cfg/settings.py": "INSTALLED_APPS = ['django_rq', 'builds']\n",
    "builds/__init__.py": "",
    "builds/models.py": "X = 1\n",
    "builds/jobs.py": "import django_rq\n\n\n@django_rq.job('high')\ndef run_build(build_id):\n    return build_id\n",
    "builds/management/__init__.py": "",
    "builds/management/commands/__init__.py": "",
}
RQWORKER_SUBCLASS = (
    "from django_rq.management.commands.rqworker import Command as BaseCommand\n\n\n"
    "class Command(BaseCommand):\n    def handle(self, *args, **options):\n        return super().handle(*args, **options)\n"
)
OWN_COMMAND = (
    "from django.core.management.base import BaseCommand\n\n\n"
    "class Command(BaseCommand):\n    def handle(self, *args, **options):\n        print('hello')\n"
)


def test_a_wrapper_script_that_execs_its_arguments_runs_them(tmp_path: Path) -> None:
    project = _project(tmp_path, {"Procfile": "worker: bin/start-stunnel rq worker high\n", "bin/start-stunnel": STUNNEL})
    [launch] = project_launches(project)
    assert (launch.framework, launch.queues, launch.command.where) == ("rq", ("high",), "Procfile:1")


def test_a_script_that_does_not_exec_its_arguments_is_not_a_wrapper(tmp_path: Path) -> None:
    script = '#!/bin/bash\necho "$@" >> /var/log/started\nexec sleep 10\n'
    project = _project(tmp_path, {"Procfile": "worker: bin/note rq worker high\n", "bin/note": script})
    assert project_launches(project) == []


def test_a_management_command_subclassing_rqworker_is_a_django_rq_worker(tmp_path: Path) -> None:
    project = _project(tmp_path, {
        **DJANGO_SITE,
        "Procfile": "worker: bin/start-stunnel python manage.py site_rqworker high default\n",
        "bin/start-stunnel": STUNNEL,
        "builds/management/commands/site_rqworker.py": RQWORKER_SUBCLASS,
    })
    [launch] = project_launches(project)
    assert (launch.framework, launch.queues) == ("django-rq", ("high", "default"))
    [job] = find_jobs(project)
    parent = Parents(project, [job]).for_job(job)
    assert parent.known and {"site_cfg.settings", "builds", "builds.models"} <= set(parent.states[0].modules)


def test_a_management_command_of_its_own_is_no_worker(tmp_path: Path) -> None:
    project = _project(tmp_path, {
        **DJANGO_SITE,
        "Procfile": "worker: python manage.py site_rqworker high default\n",
        "builds/management/commands/site_rqworker.py": OWN_COMMAND,
    })
    assert project_launches(project) == []


CONSOLE_SCRIPT = '''import sys

import click
from rq.cli import main


@click.option("--pid")
@click.command()
def worker(pid):
    args = ["rq", "worker", "-w", "shop.workers.ShopWorker", "-c", "shop.rqconfig", "--disable-job-desc-logging"]
    sys.argv = args
    main()
'''
SHOP = {
    "shop/__init__.py": "",
    "shop/rqconfig.py": "REDIS_URL = 'redis://r'\n",
    "shop/workers.py": "from rq import Worker\n\n\nclass ShopWorker(Worker):\n    pass\n",
    "shop/jobs.py": "from rq.decorators import job\n\n\n@job('default')\ndef send(x):\n    return x\n",
}


def test_a_console_script_that_sets_sys_argv_runs_that_command_line(tmp_path: Path) -> None:
    project = _project(tmp_path, {
        **SHOP,
        "setup.cfg": "[options.entry_points]\nconsole_scripts =\n    shop-worker = shop.entrypoint:worker\n",
        "Procfile": "worker: shop-worker --pid /run/w.pid\n",
        "shop/entrypoint.py": CONSOLE_SCRIPT,
    })
    launches = project_launches(project)
    assert {(l.framework, l.worker_class, l.settings_module) for l in launches} == {("rq", "shop.workers.ShopWorker", "shop.rqconfig")}
    [send] = find_jobs(project)
    parent = Parents(project, [send]).for_job(send)
    assert parent.known and {"shop.workers", "shop.rqconfig"} <= set(parent.states[0].modules)


def test_a_console_script_that_reads_sys_argv_runs_nothing_else(tmp_path: Path) -> None:
    project = _project(tmp_path, {
        **SHOP,
        "setup.cfg": "[options.entry_points]\nconsole_scripts =\n    shop-worker = shop.entrypoint:worker\n",
        "shop/entrypoint.py": "import sys\n\n\ndef worker():\n    args = sys.argv[1:]\n    print(args)\n",
    })
    assert project_launches(project) == []


WORKER_DOC = '''"""The job worker.

Start it with::

    rq worker --with-scheduler -w shop.job_worker.ShopWorker \\
        -c shop.job_settings
"""
from rq import Worker


class ShopWorker(Worker):
    pass
'''


def test_a_worker_module_docstring_naming_the_module_is_a_lower_confidence_launch(tmp_path: Path) -> None:
    project = _project(tmp_path, {**SHOP, "shop/job_worker.py": WORKER_DOC})
    [launch] = project_launches(project)
    assert (launch.worker_class, launch.settings_module) == ("shop.job_worker.ShopWorker", "shop.job_settings")
    assert (launch.command.source, launch.command.where) == ("docstring", "shop/job_worker.py:5")


def test_a_docstring_command_for_another_module_is_no_launch(tmp_path: Path) -> None:
    text = WORKER_DOC.replace("-w shop.job_worker.ShopWorker ", "")  # names only the settings module
    project = _project(tmp_path, {**SHOP, "shop/job_worker.py": text})
    assert project_launches(project) == []


def test_a_launch_file_wins_over_a_docstring(tmp_path: Path) -> None:
    project = _project(tmp_path, {**SHOP, "shop/job_worker.py": WORKER_DOC, "Procfile": "worker: rq worker high\n"})
    [launch] = project_launches(project)
    assert (launch.command.where, launch.queues) == ("Procfile:1", ("high",))


def test_a_one_part_module_is_named_only_as_an_option_value(tmp_path: Path) -> None:
    from forklint.launch import read_module_docstring

    doc = '"""Run:\n\n    celery -A tasks worker\n    celery -A proj worker -l info\n"""\n'
    assert [c.argv for c in read_module_docstring("tasks.py", doc)] == [("celery", "-A", "tasks", "worker")]
    assert read_module_docstring("worker.py", doc) == []


def test_workers_says_a_docstring_launch_is_lower_confidence(tmp_path: Path) -> None:
    from conftest import run_cli

    for path, text in {**SHOP, "shop/job_worker.py": WORKER_DOC, "pyproject.toml": '[project]\nname = "shop"\n'}.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    done = run_cli("workers", "--no-cache", ".", cwd=tmp_path)
    assert "(shop/job_worker.py:5, in a docstring: lower confidence)" in done.stdout, done.stdout + done.stderr


def test_a_docstring_command_may_follow_prose_on_its_line(tmp_path: Path) -> None:
    from forklint.launch import read_module_docstring

    doc = '"""The Celery app.\n\nTo start a worker, run the following\ncommand: celery -A shop.celery worker -l info\n"""\n'
    [command] = read_module_docstring("shop/celery.py", doc)
    assert (command.argv, command.line) == (("celery", "-A", "shop.celery", "worker", "-l", "info"), 4)


def test_django_setup_reads_settings_chosen_in_manage_py_and_apps_built_from_tuples(tmp_path: Path) -> None:
    # manage.py picks the settings by a variable; the settings star-import a base that adds
    # tuples of apps together; `ready()` imports the handlers (and so the job module).
    project = _project(tmp_path, {
        "manage.py": (
            "import os\nimport sys\n\nif __name__ == '__main__':\n"
            "    if sys.argv[1:2] == ['test']:\n        settings_file = 'site_cfg.test'\n"
            "    else:\n        settings_file = 'site_cfg.dev'\n"
            "    os.environ.setdefault('DJANGO_SETTINGS_MODULE', settings_file)\n"
        ),
        "Procfile": "worker: python manage.py rqworker high\n",
        "site_cfg/__init__.py": "",
        "site_cfg/base.py": "DJANGO_APPS = ('django.contrib.auth',)\nLOCAL_APPS = ('builds.apps.BuildsConfig',)\n"
                            "INSTALLED_APPS = DJANGO_APPS + ('django_rq',) + LOCAL_APPS\n",
        "site_cfg/dev.py": "from .base import *  # noqa\n\nDEBUG = True\n",
        "site_cfg/test.py": "from .base import *  # noqa\n",
        "builds/__init__.py": "",
        "builds/models.py": "X = 1\n",
        "builds/apps.py": "from django.apps import AppConfig\n\n\nclass BuildsConfig(AppConfig):\n"
                          "    name = 'builds'\n\n    def ready(self):\n        import builds.handlers  # noqa\n",
        "builds/handlers.py": "import builds.jobs  # noqa\n",
        "builds/jobs.py": "import django_rq\n\n\n@django_rq.job('high')\ndef run_build(build_id):\n    return build_id\n",
        "reports/__init__.py": "",
        "reports/models.py": "Y = 1\n",
    })
    [job] = find_jobs(project)
    modules = set(Parents(project, [job]).for_job(job).states[0].modules)
    assert {"site_cfg.dev", "site_cfg.base", "builds.models", "builds.handlers", "builds.jobs"} <= modules
    assert "site_cfg.test" not in modules and "reports.models" not in modules


def test_django_setup_called_by_the_worker_module_runs_every_ready(tmp_path: Path) -> None:
    # pulpcore's shape: `rq worker -w pkg.worker.W`, and pkg/worker.py calls django.setup() at import.
    project = _project(tmp_path, {
        "Procfile": "worker: rq worker -w pkg.worker.W\n",
        "pkg/__init__.py": "",
        "pkg/settings.py": "INSTALLED_APPS = ['pkg.app']\n",
        "pkg/worker.py": "import os\n\nimport django\nfrom rq import Worker\n\n"
                         "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'pkg.settings')\ndjango.setup()\n\n\n"
                         "class W(Worker):\n    pass\n",
        "pkg/app/__init__.py": "",
        "pkg/app/apps.py": "from django.apps import AppConfig\n\n\nclass AppCfg(AppConfig):\n    name = 'pkg.app'\n\n"
                           "    def ready(self):\n        import pkg.app.tasks  # noqa\n",
        "pkg/app/tasks.py": "from rq.decorators import job\n\n\n@job('default')\ndef sync(x):\n    return x\n",
    })
    [job] = find_jobs(project)
    assert "pkg.app.tasks" in Parents(project, [job]).for_job(job).states[0].modules


def test_without_django_setup_the_worker_module_loads_no_app(tmp_path: Path) -> None:
    project = _project(tmp_path, {
        "Procfile": "worker: rq worker -w pkg.worker.W\n",
        "pkg/__init__.py": "",
        "pkg/settings.py": "INSTALLED_APPS = ['pkg.app']\n",
        "pkg/worker.py": "from rq import Worker\n\n\nclass W(Worker):\n    pass\n",
        "pkg/app/__init__.py": "",
        "pkg/app/tasks.py": "from rq.decorators import job\n\n\n@job('default')\ndef sync(x):\n    return x\n",
    })
    [job] = find_jobs(project)
    assert "pkg.app.tasks" not in Parents(project, [job]).for_job(job).states[0].modules


CELERY_FROM_FACTORY = {
    "billing/__init__.py": "",
    "billing/worker.py": (
        "from celery import Celery\n\nfrom billing import models\n\n\n"
        "def make_celery(name):\n    app = Celery(name)\n    app.conf.update(worker_max_tasks_per_child=1)\n    return app\n\n\n"
        "celery_app = make_celery('billing')\n\n\n@celery_app.task\ndef charge(invoice_id):\n    return invoice_id\n"
    ),
    "billing/models.py": "X = 1\n",
}


def test_a_celery_app_built_by_a_factory_is_known_from_the_launch_lines_app(tmp_path: Path) -> None:
    # `celery -A billing.worker worker`: whatever builds the app, the worker imports that module.
    project = _project(tmp_path, {**CELERY_FROM_FACTORY, "Procfile": "worker: celery -A billing.worker worker\n"})
    [job] = find_jobs(project)
    parent = Parents(project, [job]).for_job(job)
    assert parent.known and {"billing.worker", "billing.models"} <= set(parent.states[0].modules)
    assert parent.places[0].module.name == "billing.worker"


def test_a_celery_app_built_by_a_factory_without_a_launch_line_is_assumed(tmp_path: Path) -> None:
    # Nothing says which module the worker's `-A` names, and none binds `app` at module level.
    project = _project(tmp_path, CELERY_FROM_FACTORY)
    [job] = find_jobs(project)
    assert not Parents(project, [job]).for_job(job).known
