"""What the parent shares with its children: Dramatiq's stock CLI, the start method the
project's Python picks, and what Django runs in a worker's parent (the system checks)."""

from __future__ import annotations

import pytest
from test_launch_lines import _project

DRAMATIQ_ACTOR = "import dramatiq\n\n\n@dramatiq.actor\ndef add(x, y):\n    return x + y\n"
# A project script that imports the app and starts dramatiq's workers itself.
DRAMATIQ_SCRIPT = ("import shop.tasks  # noqa: F401\nfrom dramatiq.cli import main\n\n"
                   "if __name__ == '__main__':\n    main()\n")


def _fork_kind(tmp_path, files: dict[str, str]) -> str:
    from forklint.frameworks import find_jobs

    [job] = find_jobs(_project(tmp_path, {"shop/__init__.py": "", **files}))
    return job.fork.kind


@pytest.mark.parametrize("files", [
    {},  # no launch line: the stock `dramatiq` CLI (or django_dramatiq's rundramatiq, which execs it)
    {"Procfile": "worker: dramatiq shop.tasks -p 2\n"},
    {"Procfile": "worker: python manage.py rundramatiq -p 2\n"},
])
def test_the_stock_dramatiq_cli_shares_nothing_with_its_workers(tmp_path, files: dict[str, str]) -> None:
    # dramatiq/cli.py main() starts the worker processes before it imports the broker or
    # any module; each worker_process imports them itself: nothing can move before the fork.
    assert _fork_kind(tmp_path, {"shop/tasks.py": DRAMATIQ_ACTOR, **files}) == "none"


def test_a_project_script_that_imports_the_app_then_runs_dramatiq_main_forks_it(tmp_path) -> None:
    from forklint.frameworks import find_jobs
    from forklint.prefork import Parents

    project = _project(tmp_path, {"shop/__init__.py": "", "shop/tasks.py": DRAMATIQ_ACTOR, "run_worker.py": DRAMATIQ_SCRIPT})
    [add] = find_jobs(project)
    assert add.fork.kind == "per-child"
    parent = Parents(project, [add]).for_job(add)
    assert parent.loads_module("shop.tasks")
    [place] = parent.places
    assert (place.kind, place.module.name, place.line) == ("worker-script", "run_worker", 5)


@pytest.mark.parametrize(("files", "kind"), [
    ({".python-version": "3.14\n"}, "none"),
    ({"pyproject.toml": '[project]\nname = "x"\nrequires-python = ">=3.14"\n'}, "none"),
    ({"Dockerfile": "FROM python:3.14-slim\nCOPY . /app\n"}, "none"),
    ({".python-version": "3.12.4\n"}, "per-child"),
    ({"pyproject.toml": '[project]\nname = "x"\nrequires-python = ">=3.10"\n'}, "per-child"),
    # Sources that disagree: one of them still runs on a Python that forks by default.
    ({".python-version": "3.14\n", "Dockerfile": "FROM python:3.12\n"}, "per-child"),
])
def test_a_dramatiq_script_on_python_3_14_starts_its_workers_with_forkserver(tmp_path, files, kind: str) -> None:
    assert _fork_kind(tmp_path, {"shop/tasks.py": DRAMATIQ_ACTOR, "run_worker.py": DRAMATIQ_SCRIPT, **files}) == kind


def test_an_explicit_fork_start_method_forks_on_python_3_14(tmp_path) -> None:
    script = DRAMATIQ_SCRIPT.replace("    main()", "    import multiprocessing\n    multiprocessing.set_start_method('fork')\n    main()")
    assert _fork_kind(tmp_path, {"shop/tasks.py": DRAMATIQ_ACTOR, "run_worker.py": script, ".python-version": "3.14\n"}) == "per-child"


POOL_SCRIPT = ("from multiprocessing import Pool\n\n\ndef square(x):\n    return x * x\n\n\n"
               "def main():\n    with Pool(4) as pool:\n        pool.map(square, range(10))\n")


@pytest.mark.parametrize(("files", "kind"), [
    ({}, "per-child"),
    ({".python-version": "3.14\n"}, "none"),
    ({"pyproject.toml": '[project]\nname = "x"\nrequires-python = "~=3.14"\n'}, "none"),
    ({"pyproject.toml": '[project]\nname = "x"\nrequires-python = ">=3.9,<3.15"\n'}, "per-child"),
])
def test_a_pool_on_python_3_14_does_not_fork_by_default(tmp_path, files, kind: str) -> None:
    assert _fork_kind(tmp_path, {"shop/pool.py": POOL_SCRIPT, **files}) == kind


def test_a_fork_context_forks_on_python_3_14(tmp_path) -> None:
    script = POOL_SCRIPT.replace("from multiprocessing import Pool", "import multiprocessing").replace(
        "Pool(4)", "multiprocessing.get_context('fork').Pool(4)")
    assert _fork_kind(tmp_path, {"shop/pool.py": script, ".python-version": "3.14\n"}) == "per-child"


DJANGO_CELERY = {
    "shop/__init__.py": "",
    "shop/settings.py": "INSTALLED_APPS = ['orders']\nROOT_URLCONF = 'shop.urls'\n",
    "shop/celery.py": ("import os\n\nfrom celery import Celery\n\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'shop.settings')\n"
                       "app = Celery('shop')\napp.config_from_object('django.conf:settings', namespace='CELERY')\n"),
    "shop/urls.py": ("from django.urls import include, path\n\nurlpatterns = [path('orders/', include('orders.urls')),\n"
                     "               path('api/', include(('api.urls', 'api'), namespace='api'))]\n"),
    "orders/__init__.py": "",
    "orders/models.py": "X = 1\n",
    "orders/urls.py": "from orders import views\n\nurlpatterns = []\n",
    "orders/views.py": "import markdown\n",
    "orders/tasks.py": "from celery import shared_task\n\n\n@shared_task\ndef ship(order_id):\n    return order_id\n",
    "api/__init__.py": "",
    "api/urls.py": "urlpatterns = []\n",
    "reports/__init__.py": "",
    "reports/urls.py": "urlpatterns = []\n",  # not included anywhere: never imported
}


def test_celerys_django_fixup_runs_the_url_check_in_the_worker_parent(tmp_path) -> None:
    # celery/fixups/django.py validate_models: django.setup(), then the system checks
    # (unless CELERY_SKIP_CHECKS); the URL check imports ROOT_URLCONF and what it includes.
    from forklint.frameworks import find_jobs
    from forklint.prefork import Parents

    project = _project(tmp_path, DJANGO_CELERY)
    [ship] = find_jobs(project)
    parent = Parents(project, [ship]).for_job(ship)
    assert {"shop.urls", "orders.urls", "orders.views", "api.urls"} <= set(parent.states[0].modules)
    assert not parent.loads_module("reports.urls")
    assert parent.loads_external("markdown")


def test_without_a_root_urlconf_the_url_check_imports_nothing(tmp_path) -> None:
    from forklint.frameworks import find_jobs
    from forklint.prefork import Parents

    files = {**DJANGO_CELERY, "shop/settings.py": "INSTALLED_APPS = ['orders']\n"}
    project = _project(tmp_path, files)
    [ship] = find_jobs(project)
    parent = Parents(project, [ship]).for_job(ship)
    assert not parent.loads_module("shop.urls") and not parent.loads_module("orders.views")


@pytest.mark.parametrize(("attr", "checked"), [("", True), ("    requires_system_checks = []\n", False)])
def test_a_management_command_runs_the_url_check_unless_it_skips_checks(tmp_path, attr: str, checked: bool) -> None:
    from forklint.frameworks import find_jobs
    from forklint.prefork import Parents

    command = ("from django.core.management.base import BaseCommand\nfrom rq import Worker\n\n\n"
               f"class Command(BaseCommand):\n{attr}    def handle(self, *args, **options):\n"
               "        Worker(['default']).work()\n")
    files = {**DJANGO_CELERY, "orders/management/__init__.py": "", "orders/management/commands/__init__.py": "",
             "orders/management/commands/work.py": command,
             "orders/jobs.py": "from rq.decorators import job\n\n\n@job('default')\ndef pack(order_id):\n    return order_id\n"}
    del files["orders/tasks.py"]
    project = _project(tmp_path, files)
    [pack] = find_jobs(project)
    parent = Parents(project, [pack]).for_job(pack)
    assert parent.loads_module("orders.views") is checked


@pytest.mark.parametrize(("line", "django"), [("python manage.py run_huey -w 2 -k process", True),
                                              ("huey_consumer shop.queue.huey -w 2 -k process", False)])
def test_run_huey_is_a_management_command_with_djangos_setup_and_checks(tmp_path, line: str, django: bool) -> None:
    from forklint.frameworks import find_jobs
    from forklint.prefork import Parents

    files = {**DJANGO_CELERY, "Procfile": f"worker: {line}\n",
             "shop/queue.py": "from huey import RedisHuey\n\nhuey = RedisHuey('shop')\n",
             "orders/tasks.py": "from shop.queue import huey\n\n\n@huey.task()\ndef ship(order_id):\n    return order_id\n"}
    if django:
        files["orders/tasks.py"] = "from huey.contrib.djhuey import task\n\n\n@task()\ndef ship(order_id):\n    return order_id\n"
        del files["shop/queue.py"]
    project = _project(tmp_path, files)
    [ship] = find_jobs(project)
    parent = Parents(project, [ship]).for_job(ship)
    assert parent.loads_module("orders.views") is django and parent.loads_module("orders.models") is django


FACTORY = {
    "shop/__init__.py": "",
    "shop/worker.py": ("from celery import Celery\n\nfrom shop.app import create_app\n\ncelery = Celery('shop')\n"
                       "flask_app = create_app()\n"),
    # `config.get(KEY, Default)(app)`: unconfigured, the app uses the default class.
    "shop/app.py": ("from flask import Flask\n\nfrom shop.init import Initializer\n\n\ndef create_app():\n"
                    "    app = Flask(__name__)\n    initializer = app.config.get('APP_INITIALIZER', Initializer)(app)\n"
                    "    initializer.init_app()\n    return app\n"),
    "shop/init.py": ("class Initializer:\n    def __init__(self, app):\n        self.app = app\n\n"
                     "    def init_app(self):\n        self.init_views()\n\n"
                     "    def init_views(self):\n        from shop.views import OrderView  # noqa: F401\n"),
    "shop/views.py": "import markdown\n\n\nclass OrderView:\n    pass\n",
    "shop/tasks.py": "from shop.worker import celery\n\n\n@celery.task\ndef ship(order_id):\n    return order_id\n",
}


@pytest.mark.parametrize(("getter", "followed"), [
    ("app.config.get('APP_INITIALIZER', Initializer)(app)", True),
    ("app.config.get('APP_INITIALIZER')(app)", False),  # no default: nothing known to run
])
def test_the_parent_runs_the_class_a_config_getter_defaults_to(tmp_path, getter: str, followed: bool) -> None:
    from forklint.frameworks import find_jobs
    from forklint.prefork import Parents

    files = {**FACTORY, "shop/app.py": FACTORY["shop/app.py"].replace(
        "app.config.get('APP_INITIALIZER', Initializer)(app)", getter)}
    project = _project(tmp_path, files)
    [ship] = find_jobs(project)
    parent = Parents(project, [ship]).for_job(ship)
    assert parent.loads_module("shop.views") is followed


EXPORTED = {
    "shop/__init__.py": "",
    "shop/extensions.py": "from celery import Celery\n\ncelery_app = Celery('shop')\n",
    # The `-A` module: it builds the Flask app, then exports the Celery app made elsewhere.
    "shop/celery_app.py": ("from shop.app import create_app\nfrom shop.extensions import celery_app\n\n"
                           "flask_app = create_app()\n\napp = celery_app\n"),
    "shop/app.py": "def create_app():\n    from shop.views import OrderView  # noqa: F401\n    return object()\n",
    "shop/views.py": "import markdown\n\n\nclass OrderView:\n    pass\n",
    "shop/tasks.py": "from shop.extensions import celery_app\n\n\n@celery_app.task\ndef ship(order_id):\n    return order_id\n",
}


@pytest.mark.parametrize(("changes", "loaded"), [
    ({}, True),
    # `celery -A shop.celery_app worker` looks for `app` / `celery` in the module: another name is not the entry.
    ({"shop/celery_app.py": EXPORTED["shop/celery_app.py"].replace("app = celery_app", "exported = celery_app")}, False),
    # A launch line names the -A module: that one is imported, whatever it binds.
    ({"shop/celery_app.py": EXPORTED["shop/celery_app.py"].replace("app = celery_app", "exported = celery_app"),
      "Procfile": "worker: celery -A shop.celery_app:exported worker\n"}, True),
])
def test_the_celery_parent_imports_the_module_that_exports_the_app(tmp_path, changes: dict[str, str], loaded: bool) -> None:
    from forklint.frameworks import find_jobs
    from forklint.prefork import Parents

    project = _project(tmp_path, {**EXPORTED, **changes})
    [ship] = find_jobs(project)
    parent = Parents(project, [ship]).for_job(ship)
    assert parent.loads_module("shop.celery_app") is loaded
    assert parent.loads_module("shop.views") is loaded


@pytest.mark.parametrize(("body", "called"), [
    ("    datamodel = SQLAInterface(Order)\n", True),  # a class body runs at import, in the parent
    ("    def datamodel(self):\n        return SQLAInterface(Order)\n", False),  # a method runs when called
])
def test_the_parent_runs_class_body_calls_when_it_imports_the_module(tmp_path, body: str, called: bool) -> None:
    from forklint.frameworks import find_jobs
    from forklint.prefork import Parents

    files = {**EXPORTED, "shop/views.py": ("from flask_appbuilder.models.sqla.interface import SQLAInterface\n\n"
                                           "from shop.models import Order\n\n\nclass OrderView:\n" + body),
             "shop/models.py": "class Order:\n    pass\n"}
    project = _project(tmp_path, files)
    [ship] = find_jobs(project)
    parent = Parents(project, [ship]).for_job(ship)
    assert parent.calls("flask_appbuilder.models.sqla.interface.SQLAInterface") is called


CLI_WORKER = {
    **{k: v for k, v in EXPORTED.items() if k != "shop/celery_app.py"},
    "shop/cli.py": ("import click\nfrom flask.cli import FlaskGroup\n\n\ndef _create_app():\n"
                    "    from shop.app import create_app\n    return create_app()\n\n\n"
                    "class ShopGroup(FlaskGroup):\n    def __init__(self, **extra):\n"
                    "        super().__init__(create_app=_create_app, **extra)\n\n\n"
                    "@click.group(cls=ShopGroup)\ndef cli():\n    pass\n\n\n"
                    "@cli.command(context_settings={'ignore_unknown_options': True})\n@click.pass_context\n"
                    "def celery(ctx):\n    from celery.bin.celery import celery as celery_cmd\n\n    celery_cmd(ctx.args)\n"),
}


@pytest.mark.parametrize(("start", "loaded"), [("celery_cmd(ctx.args)", True), ("print(ctx.args)", False)])
def test_a_project_command_that_runs_celerys_cli_is_the_worker_parent(tmp_path, start: str, loaded: bool) -> None:
    # `shop celery worker`: a Flask CLI command (its group's app factory runs first) that
    # hands its arguments to Celery's own CLI, which starts the worker in this process.
    from forklint.frameworks import find_jobs
    from forklint.prefork import Parents

    files = {**CLI_WORKER, "shop/cli.py": CLI_WORKER["shop/cli.py"].replace("celery_cmd(ctx.args)", start)}
    project = _project(tmp_path, files)
    [ship] = find_jobs(project)
    parent = Parents(project, [ship]).for_job(ship)
    assert parent.loads_module("shop.views") is loaded
