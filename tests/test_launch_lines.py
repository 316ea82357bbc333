"""What each framework adapter reads from a worker's launch command line."""

from __future__ import annotations

import shlex

import pytest

from forklint.frameworks import Launch, read_launch
from forklint.frameworks.launch_lines import find_worker_launches

CASES = [
    ("rq worker -c app.settings -w app.workers.CachedWorker high default",
     Launch("rq", worker_class="app.workers.CachedWorker", settings_module="app.settings", queues=("high", "default"),
            forks=None)),  # a project class: its base decides
    ("python -m rq worker --worker-class=app.W --burst",
     Launch("rq", worker_class="app.W", forks=None)),
    ("python manage.py rqworker default --worker-class app.W",
     Launch("django-rq", worker_class="app.W", queues=("default",), forks=None)),
    ("celery -A proj worker -l info --pool prefork -c 4 --max-tasks-per-child 1",
     Launch("celery", app="proj", pool="prefork", concurrency=4, max_tasks_per_child=1)),
    ("celery --app=proj.celery:app worker --max-tasks-per-child=100 -Q a,b",
     Launch("celery", app="proj.celery:app", max_tasks_per_child=100, queues=("a", "b"))),
    ("dramatiq app.broker app.tasks --processes 2",
     Launch("dramatiq", app="app.broker", modules=("app.tasks",), concurrency=2)),
    ("huey_consumer.py app.main.huey -k process -w 4",
     Launch("huey", app="app.main.huey", pool="process", concurrency=4)),
    ("gunicorn shop.wsgi:application -w 4 --preload --max-requests 1000",
     Launch("gunicorn", app="shop.wsgi:application", concurrency=4, max_tasks_per_child=1000, preload=True)),
    ("gunicorn app:app", Launch("gunicorn", app="app:app", preload=False)),
]


@pytest.mark.parametrize(("line", "expected"), CASES, ids=[c[0] for c in CASES])
def test_a_launch_line_says_what_starts(line: str, expected: Launch) -> None:
    assert read_launch(shlex.split(line)) == expected


@pytest.mark.parametrize("line", ["celery -A proj beat", "rq info", "python run.py", "flask run"])
def test_a_line_that_starts_no_worker_says_nothing(line: str) -> None:
    assert read_launch(shlex.split(line)) is None


def test_launch_files_are_read_in_shell_and_exec_forms(tmp_path) -> None:
    (tmp_path / "Procfile").write_text("web: gunicorn app:app\nworker: FOO=1 rq worker -w app.W high && echo done\n")
    (tmp_path / "docker-compose.yml").write_text(
        'services:\n  worker:\n    command: ["celery", "-A", "proj", "worker", "--max-tasks-per-child", "1"]\n'
    )
    launches = find_worker_launches(tmp_path)
    assert Launch("rq", worker_class="app.W", queues=("high",), forks=None) in launches
    assert Launch("celery", app="proj", max_tasks_per_child=1) in launches
    where = {launch.framework: (launch.command.where, launch.command.text) for launch in launches}
    assert where["rq"] == ("Procfile:2", "FOO=1 rq worker -w app.W high && echo done")


def test_the_environment_of_the_launch_line_fills_in_values(tmp_path) -> None:
    # compose sets APP and the settings module; the entrypoint script uses them.
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  worker:\n    command: celery -A $APP worker -c ${N}\n    environment:\n      APP: shop.celery\n"
        "      N: '3'\n  rq:\n    command: python manage.py rqworker high\n"
        "    environment:\n      - DJANGO_SETTINGS_MODULE=shop.settings.prod\n"
    )
    launches = {launch.framework: launch for launch in find_worker_launches(tmp_path)}
    assert launches["celery"] == Launch("celery", app="shop.celery", concurrency=3)
    assert launches["django-rq"] == Launch("django-rq", settings_module="shop.settings.prod", queues=("high",), forks=None)


def test_launch_lines_are_read_once_per_project(tmp_path, monkeypatch) -> None:
    from forklint.frameworks import launch_lines

    project = _project(tmp_path, {"Procfile": "worker: rq worker\n"})
    reads = []
    real = launch_lines.find_worker_launches
    monkeypatch.setattr(launch_lines, "find_worker_launches", lambda root, **kw: reads.append(root) or real(root, **kw))
    assert launch_lines.project_launches(project) == launch_lines.project_launches(project) == [Launch("rq")]
    assert reads == [tmp_path]
    (tmp_path / "Procfile").write_text("worker: celery -A x worker\n")  # a new run reads afresh
    assert launch_lines.project_launches(_project(tmp_path, {})) == [Launch("celery", app="x")]


def _project(root, files: dict[str, str]):
    from forklint.config import Config
    from forklint.extract import parse_source
    from forklint.project import Project

    parsed = []
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
        if path.endswith(".py"):
            name = path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
            parsed.append(([name], parse_source(path, text.encode()), path))
    return Project(root, Config(root=root), parsed)  # type: ignore[arg-type]


def test_a_stock_rq_worker_line_is_a_known_parent_that_imports_nothing_of_the_app(tmp_path) -> None:
    from forklint.frameworks import find_jobs
    from forklint.prefork import Parents

    project = _project(tmp_path, {
        "Procfile": "worker: rq worker -c shop.rq_settings -w shop.workers.W high\n",
        "shop/__init__.py": "",
        "shop/rq_settings.py": "REDIS_URL = 'redis://r'\n",
        "shop/workers.py": "from rq import Worker\n\n\nclass W(Worker):\n    pass\n",
        "shop/jobs.py": "from rq.decorators import job\n\n\n@job('high')\ndef send(x):\n    return x\n",
    })
    jobs = find_jobs(project)
    [send] = [j for j in jobs if j.function.qualified == "shop.jobs.send"]
    assert send.fork.kind == "per-job"
    parent = Parents(project, jobs).for_job(send)
    assert parent.known
    assert parent.states[0].modules == ["shop", "shop.workers", "shop.rq_settings"]
    assert parent.loads_external("rq") and not parent.loads_module("shop.jobs")  # so FRK107 applies
    [launch] = parent.launches
    assert (launch.command.where, launch.worker_class, launch.settings_module) == ("Procfile:1", "shop.workers.W", "shop.rq_settings")


@pytest.mark.parametrize(("name", "text", "kind"), [
    ("Dockerfile", 'FROM python\nCMD ["celery", "-A", "shop.app", "worker", "--max-tasks-per-child", "1"]\n', "per-job"),
    ("docker-compose.yml", "services:\n  w:\n    command: celery -A shop.app worker --max-tasks-per-child=1\n", "per-job"),
    ("deploy/worker.service", "[Service]\nExecStart=/venv/bin/celery -A shop.app worker --max-tasks-per-child 500\n", "per-child"),
    ("supervisord.conf", "[program:w]\ncommand=celery -A shop.app worker --maxtasksperchild=2\n", "per-job"),
    ("supervisord.conf", "[program:w]\ncommand=celery -A shop.app worker -P solo\n", "none"),
])
def test_a_celery_launch_line_sets_the_fork_model(tmp_path, name: str, text: str, kind: str) -> None:
    from forklint.frameworks import find_jobs

    project = _project(tmp_path, {
        name: text,
        "shop/__init__.py": "",
        # The configuration says every task; the launch line wins.
        "shop/app.py": "from celery import Celery\n\napp = Celery('shop')\napp.conf.worker_max_tasks_per_child = 1\n",
        "shop/tasks.py": "from shop.app import app\n\n\n@app.task\ndef add(x, y):\n    return x + y\n",
    })
    [add] = find_jobs(project)
    assert add.fork.kind == kind


@pytest.mark.parametrize(("line", "kind"), [
    ("huey_consumer shop.tasks.huey", "none"),  # threads by default
    ("huey_consumer shop.tasks.huey -k process -w 4", "per-child"),
])
def test_a_huey_consumer_line_says_whether_it_forks(tmp_path, line: str, kind: str) -> None:
    from forklint.frameworks import find_jobs

    project = _project(tmp_path, {
        "Procfile": f"worker: {line}\n",
        "shop/__init__.py": "",
        "shop/tasks.py": "from huey import RedisHuey\n\nhuey = RedisHuey('shop')\n\n\n@huey.task()\ndef add(x, y):\n    return x + y\n",
    })
    [add] = find_jobs(project)
    assert add.fork.kind == kind


@pytest.mark.parametrize(("line", "kind"), [
    ("dramatiq shop.tasks --use-spawn", "none"),
    ("dramatiq shop.tasks -p 2", "none"),  # forked before importing anything: nothing inherited
])
def test_a_dramatiq_line_forks_nothing_the_children_inherit(tmp_path, line: str, kind: str) -> None:
    from forklint.frameworks import find_jobs

    project = _project(tmp_path, {
        "Procfile": f"worker: {line}\n",
        "shop/__init__.py": "",
        "shop/tasks.py": "import dramatiq\n\n\n@dramatiq.actor\ndef add(x, y):\n    return x + y\n",
    })
    [add] = find_jobs(project)
    assert add.fork.kind == kind


def test_manage_py_rqworker_runs_django_setup_with_the_settings_of_its_launch_line(tmp_path) -> None:
    from forklint.frameworks import find_jobs
    from forklint.prefork import Parents

    # No os.environ.setdefault in the project: only the compose file names the settings.
    project = _project(tmp_path, {
        "docker-compose.yml": "services:\n  rq:\n    command: python manage.py rqworker default\n"
                              "    environment:\n      DJANGO_SETTINGS_MODULE: shop.settings\n",
        "shop/__init__.py": "",
        "shop/settings.py": "INSTALLED_APPS = ['django_rq', 'orders']\n",
        "orders/__init__.py": "",
        "orders/models.py": "X = 1\n",
        "orders/jobs.py": "import django_rq\n\n\n@django_rq.job\ndef ship(order_id):\n    return order_id\n",
    })
    [ship] = find_jobs(project)
    parent = Parents(project, [ship]).for_job(ship)
    assert {"shop.settings", "orders", "orders.models"} <= set(parent.states[0].modules)
    assert "django-rq" == parent.launches[0].framework and parent.launches[0].command.where == "docker-compose.yml:3"
