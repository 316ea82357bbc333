"""Launch files: which command runs where, and which worker it starts.

Each case is a tiny tree: file name → text. `commands` are what `find_launch_commands`
reads there as (path, line, source, argv, name); `launch` what the runner parsers read
in one command line.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forklint.launch import (
    LaunchCommand,
    follow,
    find_launch_commands,
    project_script,
    read_compose,
    read_dockerfile,
    read_kubernetes,
    read_makefile,
    read_procfile,
    read_pyproject,
    read_setup_cfg,
    read_setup_py,
    read_shell_script,
    read_supervisord,
    read_systemd,
)
from forklint.frameworks.base import Launch
from forklint.frameworks.launch_lines import find_worker_launches, worker_launch


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _found(root: Path) -> list[tuple[str, int, str, tuple[str, ...], str | None]]:
    return [(c.path, c.line, c.source, c.argv, c.name) for c in find_launch_commands(root)]


# --- launch files ------------------------------------------------------------------------

FILE_CASES = {
    "procfile": (
        {"Procfile": "web: gunicorn app:app --preload\n# old: rq worker\nworker: exec rq worker -w pkg.W high\n"},
        [
            ("Procfile", 1, "procfile", ("gunicorn", "app:app", "--preload"), "web"),
            ("Procfile", 3, "procfile", ("rq", "worker", "-w", "pkg.W", "high"), "worker"),
        ],
    ),
    "procfile-and-chain": (
        {"Procfile.dev": "worker: python manage.py migrate && python manage.py rqworker default\n"},
        [
            ("Procfile.dev", 1, "procfile", ("python", "manage.py", "migrate"), "worker"),
            ("Procfile.dev", 1, "procfile", ("python", "manage.py", "rqworker", "default"), "worker"),
        ],
    ),
    "dockerfile-exec-form": (
        {"Dockerfile": 'FROM python:3.12\nENV DJANGO_SETTINGS_MODULE=app.settings\nCMD ["celery", "-A", "app", "worker"]\n'},
        [("Dockerfile", 3, "dockerfile", ("celery", "-A", "app", "worker"), None)],
    ),
    "dockerfile-shell-form-continued": (
        {"docker/worker.Dockerfile": "FROM python\n# start\nCMD celery -A proj \\\n    worker \\\n    # a comment\n    --pool=threads\n"},
        [("docker/worker.Dockerfile", 3, "dockerfile", ("celery", "-A", "proj", "worker", "--pool=threads"), None)],
    ),
    "dockerfile-entrypoint-and-cmd": (
        {"Dockerfile.worker": 'FROM x\nENTRYPOINT ["tini", "--"]\nCMD ["rq", "worker", "high"]\n'},
        [("Dockerfile.worker", 3, "dockerfile", ("rq", "worker", "high"), None)],
    ),
    "dockerfile-entrypoint-only": (
        {"Dockerfile": 'FROM x\nENTRYPOINT ["dumb-init", "--", "sh", "-c", "exec dramatiq app.broker app.tasks -p 2"]\n'},
        [("Dockerfile", 2, "dockerfile", ("dramatiq", "app.broker", "app.tasks", "-p", "2"), None)],
    ),
    "compose-folded-and-list": (
        {
            "docker-compose.yml": (
                "services:\n"
                "  worker:\n"
                "    command: >\n"
                "      celery -A app worker\n"
                "      --max-tasks-per-child=1\n"
                "    environment:\n"
                "      - DJANGO_SETTINGS_MODULE=app.settings\n"
                "  rq:\n"
                "    entrypoint: [\"/usr/bin/env\"]\n"
                "    command: [\"rq\", \"worker\", \"-c\", \"app.rq_settings\"]\n"
                "  db:\n"
                "    image: postgres\n"
            )
        },
        [
            ("docker-compose.yml", 3, "compose", ("celery", "-A", "app", "worker", "--max-tasks-per-child=1"), "worker"),
            ("docker-compose.yml", 9, "compose", ("rq", "worker", "-c", "app.rq_settings"), "rq"),
        ],
    ),
    "compose-anchors": (
        {
            "docker-compose.prod.yml": (
                "x-worker: &worker\n  image: app\n  command: celery -A app worker\n  environment:\n    A: '1'\n"
                "services:\n  worker:\n    <<: *worker\n  fast:\n    <<: *worker\n    command: celery -A app worker -P threads\n"
            )
        },
        [
            ("docker-compose.prod.yml", 3, "compose", ("celery", "-A", "app", "worker"), "worker"),
            ("docker-compose.prod.yml", 11, "compose", ("celery", "-A", "app", "worker", "-P", "threads"), "fast"),
        ],
    ),
    "compose-template": (
        {"deploy/compose.yaml.j2": "services:\n  w:\n    image: {{ image }}\n    command: huey_consumer app.huey -k process\n"},
        [("deploy/compose.yaml.j2", 4, "compose", ("huey_consumer", "app.huey", "-k", "process"), "w")],
    ),
    "supervisord": (
        {
            "etc/supervisord.conf": (
                "[supervisord]\nnodaemon=true\n\n[program:worker]\n"
                "command=%(ENV_VENV)s/bin/celery -A app worker\n  -c %(ENV_CONCURRENCY)s\n"
                'environment=DJANGO_SETTINGS_MODULE="app.settings",X=1\n'
                "; [program:old]\n"
            )
        },
        [("etc/supervisord.conf", 5, "supervisord", ("${VENV}/bin/celery", "-A", "app", "worker", "-c", "${CONCURRENCY}"), "worker")],
    ),
    "systemd": (
        {
            "deploy/rq-worker.service": (
                "[Unit]\nDescription=rq\n[Service]\nEnvironment=RQ_WORKER_CLASS=pkg.W\n"
                "ExecStartPre=/bin/true\nExecStart=/usr/bin/env rq worker -c settings default\n"
            )
        },
        [("deploy/rq-worker.service", 6, "systemd", ("rq", "worker", "-c", "settings", "default"), "rq-worker")],
    ),
    "kubernetes": (
        {
            "k8s/worker.yaml": (
                "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n"
                "        - name: worker\n          image: app\n"
                '          command: ["rq"]\n          args: ["worker", "-w", "pkg.W"]\n'
            )
        },
        [("k8s/worker.yaml", 9, "kubernetes", ("rq", "worker", "-w", "pkg.W"), "worker")],
    ),
    "helm-template": (
        {
            "chart/templates/worker.yaml": (
                "apiVersion: apps/v1\nkind: Deployment\n{{- if .Values.worker.enabled }}\nspec:\n  template:\n    spec:\n"
                "      containers:\n        - name: {{ .Chart.Name }}-worker\n"
                "          image: \"{{ .Values.image }}\"\n          command:\n            - celery\n"
                "            - -A\n            - app\n            - worker\n            - --concurrency={{ .Values.c }}\n"
                "{{- end }}\n"
            )
        },
        [("chart/templates/worker.yaml", 10, "kubernetes", ("celery", "-A", "app", "worker", "--concurrency=TEMPLATE"), "TEMPLATE-worker")],
    ),
    "helm-unreadable-yaml-by-lines": (
        {
            "chart/templates/w.yaml": (
                "spec:\n  containers:\n  {{ include \"x\" . | nindent 4 }}: bad: yaml: [\n"
                "    - name: w\n      command: [\"dramatiq\", \"app.broker\"]\n      args:\n        - --processes\n        - \"2\"\n"
            )
        },
        [("chart/templates/w.yaml", 5, "kubernetes", ("dramatiq", "app.broker", "--processes", "2"), None)],
    ),
    "entrypoint-functions": (
        {
            "bin/docker-entrypoint": (
                "#!/bin/bash\nworker() {\n  echo starting\n  export QUEUES=${QUEUES:-default}\n  exec supervisord -c worker.conf\n}\n"
                "dev_worker() {\n  exec watchmedo auto-restart --recursive -- ./manage.py rq worker $QUEUES\n}\n"
                "server() {\n  exec gunicorn -w${WEB_WORKERS:-4} app.wsgi:app\n}\n"
                'case "$1" in\n  worker)\n    shift\n    worker\n    ;;\nesac\n'
            )
        },
        [
            ("bin/docker-entrypoint", 5, "shell", ("supervisord", "-c", "worker.conf"), "worker"),
            ("bin/docker-entrypoint", 8, "shell", ("./manage.py", "rq", "worker", "$QUEUES"), "dev_worker"),  # QUEUES was set in worker(),
            ("bin/docker-entrypoint", 11, "shell", ("gunicorn", "-w4", "app.wsgi:app"), "server"),
        ],
    ),
    "entrypoint-if": (
        {
            "docker/start.sh": (
                '#!/bin/sh\nset -e\nif [ "$1" = "worker" ]; then\n  exec celery --app=app.celery_app:app worker -O fair -c 2\nfi\n'
                'if [ "$1" = "beat" ]; then\n  exec celery --app=app.celery_app:app beat\nfi\ngunicorn app.wsgi\n'
            )
        },
        [
            ("docker/start.sh", 4, "shell", ("celery", "--app=app.celery_app:app", "worker", "-O", "fair", "-c", "2"), "worker"),
            ("docker/start.sh", 7, "shell", ("celery", "--app=app.celery_app:app", "beat"), "beat"),
            ("docker/start.sh", 9, "shell", ("gunicorn", "app.wsgi"), None),
        ],
    ),
    "helm-command-from-values": (
        {
            "helm/app/values.yaml": (
                "configMountPath: /app/pythonpath\nworker:\n  command:\n    - /bin/sh\n    - -c\n"
                "    - . {{ .Values.configMountPath }}/bootstrap.sh; celery --app=app.tasks:app worker --pool=prefork -c 4\n"
                "beat:\n  command: [celery, --app=app.tasks:app, beat]\n"
            ),
            "helm/app/templates/deployment-beat.yaml": (
                "kind: Deployment\nspec:\n  template:\n    spec:\n      {{- if .Values.beat }}\n      containers:\n"
                "        - name: beat\n          image: x\n          command:\n          {{- toYaml .Values.beat.command | nindent 12 }}\n"
                "      {{- end }}\n"
            ),
            "helm/app/templates/deployment-worker.yaml": (
                "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n"
                "        - name: {{ .Chart.Name }}\n          image: x\n          command: {{  tpl (toJson .Values.worker.command) . }}\n"
            ),
        },
        [("helm/app/templates/deployment-beat.yaml", 9, "kubernetes", ("celery", "--app=app.tasks:app", "beat"), "beat"),
         ("helm/app/templates/deployment-worker.yaml", 9, "kubernetes", ("celery", "--app=app.tasks:app", "worker", "--pool=prefork", "-c", "4"), "TEMPLATE")],
    ),
    "entrypoint-case": (
        {
            "docker-entrypoint.sh": (
                "#!/bin/sh\nset -e\nexport DJANGO_SETTINGS_MODULE=app.settings\n"
                'case "$1" in\n  worker)\n    exec celery -A app worker -P gevent\n    ;;\n'
                '  web) exec gunicorn -w 4 app.wsgi ;;\n  *) exec "$@" ;;\nesac\n'
            )
        },
        [
            ("docker-entrypoint.sh", 6, "shell", ("celery", "-A", "app", "worker", "-P", "gevent"), "worker"),
            ("docker-entrypoint.sh", 8, "shell", ("gunicorn", "-w", "4", "app.wsgi"), "web"),
        ],
    ),
    "makefile": (
        {"Makefile": "PY = python\n\nworker: deps\n\t@$(PY) -m celery -A app worker --loglevel=info\n\techo done\n"},
        [("Makefile", 4, "makefile", ("python", "-m", "celery", "-A", "app", "worker", "--loglevel=info"), "worker")],
    ),
    "makefile-python": (
        {"Makefile": "run-worker:\n\tpython -m rq.cli worker -c settings\n"},
        [("Makefile", 2, "makefile", ("python", "-m", "rq.cli", "worker", "-c", "settings"), "run-worker")],
    ),
    "console-scripts": (
        {
            "pyproject.toml": '[project]\nname = "x"\n[project.scripts]\nmyapp-worker = "myapp.cli:worker"\n',
            "setup.cfg": "[options.entry_points]\nconsole_scripts =\n    other-worker = other.cli:main\n",
            "setup.py": 'from setuptools import setup\nsetup(name="x", entry_points={"console_scripts": ["third = t.cli:run [extra]"]})\n',
            "bin/start.sh": "#!/bin/bash\nmyapp-worker --queues high\nls -l\n",
        },
        [
            ("bin/start.sh", 2, "shell", ("myapp-worker", "--queues", "high"), None),
            ("pyproject.toml", 4, "console-script", ("myapp-worker",), "myapp-worker"),
            ("setup.cfg", 3, "console-script", ("other-worker",), "other-worker"),
            ("setup.py", 2, "console-script", ("third",), "third"),
        ],
    ),
    "skipped-folders-and-broken-files": (
        {
            "node_modules/x/Procfile": "worker: rq worker\n",
            ".venv/Procfile": "worker: rq worker\n",
            "myenv/pyvenv.cfg": "home = /usr\n",
            "myenv/Procfile": "worker: rq worker\n",
            "{{cookiecutter.name}}/Procfile": "worker: rq worker\n",
            "docker-compose.yml": "services: [unclosed\n",
            "Procfile": "worker: celery -A 'unterminated worker\n",
            "pyproject.toml": "[project\n",
            "setup.py": "setup(\n",
            "k8s/x.yaml": "containers: {{\n",
        },
        [("Procfile", 1, "procfile", ("celery", "-A", "'unterminated", "worker"), "worker")],
    ),
}


@pytest.mark.parametrize("case", FILE_CASES, ids=list(FILE_CASES))
def test_launch_files(tmp_path: Path, case: str) -> None:
    files, expected = FILE_CASES[case]
    assert _found(_tree(tmp_path, files)) == expected


def test_env_and_text_are_carried(tmp_path: Path) -> None:
    _tree(tmp_path, FILE_CASES["compose-folded-and-list"][0])
    _tree(tmp_path, FILE_CASES["supervisord"][0])
    _tree(tmp_path, {"Dockerfile": 'FROM x\nENV DJANGO_SETTINGS_MODULE app.settings\nCMD ["python", "manage.py", "rqworker"]\n'})
    by_path = {(c.path, c.name): c for c in find_launch_commands(tmp_path)}
    assert by_path["docker-compose.yml", "worker"].env == {"DJANGO_SETTINGS_MODULE": "app.settings"}
    assert by_path["etc/supervisord.conf", "worker"].env == {"DJANGO_SETTINGS_MODULE": "app.settings", "X": "1"}
    assert by_path["Dockerfile", None].env == {"DJANGO_SETTINGS_MODULE": "app.settings"}
    assert by_path["Dockerfile", None].text == '["python", "manage.py", "rqworker"]'


def test_console_script_target(tmp_path: Path) -> None:
    _tree(tmp_path, FILE_CASES["console-scripts"][0])
    targets = {c.argv[0]: c.target for c in find_launch_commands(tmp_path) if c.source == "console-script"}
    assert targets == {"myapp-worker": "myapp.cli:worker", "other-worker": "other.cli:main", "third": "t.cli:run"}


def test_big_files_are_not_read(tmp_path: Path) -> None:
    _tree(tmp_path, {"Procfile": "worker: rq worker\n" + "#" * 2_000_000})
    assert find_launch_commands(tmp_path) == []


# --- runners ---------------------------------------------------------------------------

W = Launch
LAUNCH_CASES: dict[str, tuple[str, Launch | None]] = {
    # RQ
    "rq": ("rq worker high low", W("rq", queues=("high", "low"))),
    "rq -w": ("rq worker -w pkg.Worker -c pkg.settings", W("rq", worker_class="pkg.Worker", settings_module="pkg.settings", forks=None)),
    "rq --worker-class=": ("rq worker --worker-class=rq.SimpleWorker --job-class pkg.Job q", W("rq", worker_class="rq.SimpleWorker", job_class="pkg.Job", queues=("q",), forks=False)),
    "rq spawn": ("rq worker -w rq.worker.SpawnWorker", W("rq", worker_class="rq.worker.SpawnWorker", forks=False)),
    "rq burst url": ("rq worker --burst -u redis://r:6379 --with-scheduler default", W("rq", queues=("default",))),
    "rq -n is a name": ("rq worker -n 2 high", W("rq", queues=("high",))),
    "rq pool": ("rq worker-pool -n 3 high", W("rq", concurrency=3, queues=("high",))),
    "rq env class": ("RQ_WORKER_CLASS=rq.worker.SimpleWorker rq worker", W("rq", worker_class="rq.worker.SimpleWorker", forks=False)),
    "python -m rq": ("python3 -u -m rq.cli worker q", W("rq", queues=("q",))),
    "rq info": ("rq info", None),
    "rq-dashboard": ("rq-dashboard --port 9181", None),
    # django-rq
    "django-rq": ("python manage.py rqworker high default --worker-class pkg.W --settings app.prod", W("django-rq", worker_class="pkg.W", settings_module="app.prod", queues=("high", "default"), forks=None)),
    "django-rq env": ("DJANGO_SETTINGS_MODULE=app.settings ./manage.py rqworker", W("django-rq", settings_module="app.settings", forks=None)),
    "django other command": ("python manage.py migrate", None),
    # Flask-RQ2
    "flask rq": ("flask --app app:create_app rq worker high", W("flask-rq2", app="app:create_app", queues=("high",))),
    "flask rq env": ("FLASK_APP=app flask rq worker", W("flask-rq2", app="app")),
    "flask run": ("flask run", None),
    # Celery
    "celery": ("celery -A proj worker -l info", W("celery", app="proj")),
    "celery max tasks": ("celery --app=proj.celery:app worker --max-tasks-per-child=1 -c 4 -Q a,b", W("celery", app="proj.celery:app", max_tasks_per_child=1, concurrency=4, queues=("a", "b"))),
    "celery -P gevent": ("celery -A proj worker -P gevent -c 100", W("celery", app="proj", pool="gevent", concurrency=100, forks=False)),
    "celery --pool=threads": ("celery -A proj worker --pool=threads", W("celery", app="proj", pool="threads", forks=False)),
    "celery solo -Psolo": ("celery -A proj worker -Psolo", W("celery", app="proj", pool="solo", forks=False)),
    "celery prefork": ("celery -A proj worker --pool prefork --concurrency 2 -E -B", W("celery", app="proj", pool="prefork", concurrency=2)),
    "celery 4 order": ("celery worker -A proj --maxtasksperchild 10", W("celery", app="proj", max_tasks_per_child=10)),
    "python -m celery": ("python -m celery -A proj worker", W("celery", app="proj")),
    "celery $VAR": ("celery -A proj worker -c $CONCURRENCY", W("celery", app="proj")),
    "celery beat": ("celery -A proj beat -l info", None),
    "celery flower": ("celery -A proj flower --port=5555", None),
    "celery inspect": ("celery -A proj inspect ping", None),
    # Huey
    "huey process": ("huey_consumer.py app.huey -k process -w 4", W("huey", app="app.huey", pool="process", concurrency=4)),
    "huey long": ("huey_consumer app.main.huey --worker-type=greenlet --workers=50", W("huey", app="app.main.huey", pool="greenlet", concurrency=50, forks=False)),
    "huey default": ("huey_consumer app.huey", W("huey", app="app.huey", pool="thread", forks=False)),
    "run_huey": ("python manage.py run_huey -k process", W("huey", pool="process")),
    "run_huey settings decide": ("python manage.py run_huey", W("huey", forks=None)),
    # Dramatiq
    "dramatiq": ("dramatiq app.broker app.tasks --processes 2 --threads 4", W("dramatiq", app="app.broker", modules=("app.tasks",), concurrency=2)),
    "dramatiq short": ("dramatiq app -p 1 -Q q1 q2x --use-spawn", W("dramatiq", app="app", modules=(), concurrency=1, queues=("q1", "q2x"), forks=False)),
    # gunicorn
    "gunicorn web": ("gunicorn -w 4 -b 0.0.0.0:8000 app.wsgi:application", W("gunicorn", app="app.wsgi:application", concurrency=4, preload=False)),
    "gunicorn preload": ("gunicorn --preload --workers=2 --max-requests 1000 -c conf.py app:app", W("gunicorn", app="app:app", concurrency=2, max_tasks_per_child=1000, settings_module="conf.py", preload=True)),
    "gunicorn env args": ("GUNICORN_CMD_ARGS='--preload -w 3' gunicorn app:app", W("gunicorn", app="app:app", concurrency=3, preload=True)),
    # not workers
    "uwsgi": ("uwsgi --ini app.ini", None),
    "python -c": ("python -c 'import x' celery -A x worker", None),
}


@pytest.mark.parametrize("case", LAUNCH_CASES, ids=list(LAUNCH_CASES))
def test_worker_launch(tmp_path: Path, case: str) -> None:
    line, expected = LAUNCH_CASES[case]
    _tree(tmp_path, {"Procfile": f"worker: {line}\n"})
    commands = find_launch_commands(tmp_path)
    launches = [worker_launch(command) for command in commands]
    assert launches == [expected]
    if expected is not None:
        assert launches[0].command == commands[0]  # carries file and line


def test_find_worker_launches(tmp_path: Path) -> None:
    _tree(tmp_path, FILE_CASES["entrypoint-case"][0])
    _tree(tmp_path, FILE_CASES["kubernetes"][0])
    found = [(w.framework, w.command.path, w.command.line, w.forks) for w in find_worker_launches(tmp_path)]
    assert found == [
        ("celery", "docker-entrypoint.sh", 6, False),
        ("gunicorn", "docker-entrypoint.sh", 8, True),
        ("rq", "k8s/worker.yaml", 9, None),
    ]


def test_fixture_tree() -> None:
    root = Path(__file__).parent.parent / "fixtures" / "launch_app"
    found = [(w.framework, w.command.source, w.command.path, w.command.line) for w in find_worker_launches(root)]
    assert found == [
        ("gunicorn", "dockerfile", "Dockerfile", 6),
        ("gunicorn", "procfile", "Procfile", 1),
        ("django-rq", "procfile", "Procfile", 2),
        ("celery", "compose", "docker-compose.yml", 6),
        ("rq", "compose", "docker-compose.yml", 10),
    ]


def test_reads_a_thousand_files_quickly(tmp_path: Path) -> None:
    for index in range(300):
        _tree(tmp_path, {f"pkg{index}/mod.py": "x = 1\n", f"pkg{index}/README.md": "x\n", f"pkg{index}/run.sh": "rq worker\n"})
    start = time.perf_counter()
    assert len(find_launch_commands(tmp_path)) == 300
    assert time.perf_counter() - start < 5


# --- shapes met in real projects (mayan-edms, weblate, dallinger) -----------------------


def test_supervisord_template_with_the_command_in_its_environment(tmp_path: Path) -> None:
    # mayan-edms renders its supervisord file from a Django template; the worker command
    # sits in the program's environment and `command=` names it.
    _tree(tmp_path, {"platforms/partial_supervisord.tmpl": (
        "{% load templating_tags %}\n{% for worker in workers %}\n[program:mayan-{{ worker.name }}]\n"
        "autostart = true\ncommand = nice -n %(ENV_{{ worker.name|upper }}_NICE)s %(ENV_COMMAND)s\nenvironment =\n"
        '  COMMAND = "%(ENV_BIN_DIR)scelery -A mayan worker --hostname=x.%%h -Ofair --queues=a,b",\n'
        "  DJANGO_SETTINGS_MODULE=%(ENV_MAYAN_SETTINGS_MODULE)s\n{% endfor %}\n"
    )})
    [command] = find_launch_commands(tmp_path)
    assert (command.line, command.name) == (5, "mayan-TEMPLATE")
    assert command.argv == ("${BIN_DIR}celery", "-A", "mayan", "worker", "--hostname=x.%h", "-Ofair", "--queues=a,b")
    assert worker_launch(command) == W("celery", app="mayan", queues=("a", "b"))


def test_systemd_environment_file_beside_the_unit_and_celery_multi(tmp_path: Path) -> None:
    # weblate's example unit reads /etc/default/celery-weblate, shipped as celery-weblate.conf.
    _tree(tmp_path, {
        "examples/celery-weblate.conf": 'CELERY_BIN="/env/bin/celery"\nCELERY_APP="weblate.utils"\nCELERYD_OPTS="--beat:celery \\\n  --concurrency:celery=2"\n',
        "examples/celery-weblate.service": (
            "[Service]\nEnvironmentFile=/etc/default/celery-weblate\n"
            "ExecStart=/bin/sh -c '${CELERY_BIN} multi start ${CELERYD_NODES} \\\n  -A ${CELERY_APP} ${CELERYD_OPTS}'\n"
            "ExecStop=/bin/sh -c '${CELERY_BIN} multi stopwait ${CELERYD_NODES}'\n"
        ),
        "examples/gunicorn.service": "[Service]\nExecStart=/env/bin/gunicorn \\\n    --preload \\\n    --workers=2 \\\n    weblate.wsgi:application\n",
    })
    found = {c.path: (c.line, worker_launch(c)) for c in find_launch_commands(tmp_path)}
    assert found == {
        "examples/celery-weblate.service": (3, W("celery", app="weblate.utils")),
        "examples/gunicorn.service": (2, W("gunicorn", app="weblate.wsgi:application", concurrency=2, preload=True)),
    }


def test_procfile_names_a_console_script(tmp_path: Path) -> None:
    # dallinger's Procfile runs `dallinger_heroku_worker`, a console script of the project.
    _tree(tmp_path, {
        "setup.py": 'setup(entry_points={"console_scripts": ["dallinger_heroku_worker = dallinger.heroku.worker:main"]})\n',
        "dallinger/heroku/Procfile": "worker: dallinger_heroku_worker\n",
    })
    procfile = [c for c in find_launch_commands(tmp_path) if c.source == "procfile"]
    assert [(c.argv, c.name, c.target) for c in procfile] == [(("dallinger_heroku_worker",), "worker", "dallinger.heroku.worker:main")]


def test_project_script(tmp_path: Path) -> None:
    # redash runs `./manage.py rq worker` from supervisord and `/app/manage.py` from its entrypoint.
    _tree(tmp_path, {
        "manage.py": "", "bin/worker.py": "",
        "worker.conf": "[program:worker]\ncommand=./manage.py rq worker %(ENV_QUEUES)s\n",
        "bin/docker-entrypoint": "exec /app/manage.py rq scheduler\n",
        "deploy/Procfile": "a: python -u bin/worker.py\nb: python -m rq.cli worker\nc: ./missing.py\n",
    })
    found = {(c.path, c.line): project_script(tmp_path, c) for c in find_launch_commands(tmp_path)}
    assert found == {
        ("bin/docker-entrypoint", 1): tmp_path / "manage.py",
        ("deploy/Procfile", 1): tmp_path / "bin/worker.py",
        ("deploy/Procfile", 2): None,
        ("deploy/Procfile", 3): None,
        ("worker.conf", 2): tmp_path / "manage.py",
    }


def test_json_carries_the_launch_line(tmp_path: Path) -> None:
    _tree(tmp_path, {"Procfile": "worker: exec env DJANGO_SETTINGS_MODULE=s celery -A app worker -P solo\n"})
    [launch] = find_worker_launches(tmp_path)
    assert launch.command is not None and launch.command.where == "Procfile:1"
    assert launch.to_json() == {
        "framework": "celery",
        "app": "app",
        "pool": "solo",
        "forks": False,
        "launch": {
            "path": "Procfile",
            "line": 1,
            "source": "procfile",
            "argv": ["celery", "-A", "app", "worker", "-P", "solo"],
            "text": "exec env DJANGO_SETTINGS_MODULE=s celery -A app worker -P solo",
            "name": "worker",
            "env": {"DJANGO_SETTINGS_MODULE": "s"},
        },
    }


READERS = [
    read_compose, read_dockerfile, read_kubernetes, read_makefile, read_procfile, read_pyproject,
    read_setup_cfg, read_setup_py, read_shell_script, read_supervisord, read_systemd,
]


_PIECES = [*"abc -=:\"'\\\n\t[]{}()$%#;&|<>.,/", "{{", "[program:x]\ncommand=", "services:\n  w:\n    command: ",
           "containers:\n  - command: ", "[Service]\nExecStart=", "CMD ", "ENTRYPOINT [", "case $1 in\n", "w:\n\t"]


@settings(max_examples=80, deadline=None)
@given(pieces=st.lists(st.sampled_from(_PIECES), max_size=60))
def test_readers_never_raise(pieces: list[str]) -> None:
    text = "".join(pieces)
    for reader in READERS:
        for command in reader("f", text):
            assert command.argv and command.line >= 1
            worker_launch(command)


def test_follow_an_entrypoint_down_to_the_worker(tmp_path: Path) -> None:
    # redash in small: Dockerfile CMD → entrypoint's worker() → supervisord → manage.py rq worker.
    _tree(tmp_path, {
        "Dockerfile": 'FROM x\nENTRYPOINT ["/app/bin/docker-entrypoint"]\nCMD ["worker"]\n',
        "bin/docker-entrypoint": (
            "#!/bin/bash\nworker() {\n  exec supervisord -c worker.conf\n}\nserver() {\n  exec gunicorn app.wsgi\n}\n"
            'case "$1" in\n  worker)\n    worker\n    ;;\n  server)\n    server\n    ;;\nesac\n'
        ),
        "worker.conf": "[program:worker]\ncommand=./manage.py rq worker %(ENV_QUEUES)s\n",
        "manage.py": "",
    })
    commands = find_launch_commands(tmp_path)
    [cmd] = [c for c in commands if c.source == "dockerfile"]
    assert cmd.argv == ("/app/bin/docker-entrypoint", "worker")
    ends = follow(tmp_path, cmd, commands)
    assert [(c.where, c.argv) for c in ends] == [("worker.conf:2", ("./manage.py", "rq", "worker", "${QUEUES}"))]
    assert project_script(tmp_path, ends[0]) == tmp_path / "manage.py"
    server = replace(cmd, argv=("/app/bin/docker-entrypoint", "server"))
    assert [c.argv for c in follow(tmp_path, server, commands)] == [("gunicorn", "app.wsgi")]
    assert follow(tmp_path, commands[-1], commands) == [commands[-1]]  # nothing further


def test_compose_command_runs_through_the_built_entrypoint(tmp_path: Path) -> None:
    # redash's compose: `command: worker` for a service built from the Dockerfile beside it.
    _tree(tmp_path, {
        "Dockerfile": 'FROM node AS frontend\nENTRYPOINT ["node"]\nFROM python\nENTRYPOINT ["/app/bin/docker-entrypoint"]\nCMD ["server"]\n',
        "docker/Dockerfile.worker": 'FROM python\nENTRYPOINT ["tini", "--", "celery", "-A", "app"]\n',
        "compose.yaml": (
            "x-service: &service\n  build:\n    context: .\nservices:\n  worker:\n    <<: *service\n    command: worker\n"
            "  celery:\n    build:\n      context: docker\n      dockerfile: Dockerfile.worker\n    command: worker -P solo\n"
            "  other:\n    image: x\n    command: worker\n"
        ),
    })
    found = [(c.name, c.argv) for c in find_launch_commands(tmp_path) if c.source == "compose"]
    assert found == [
        ("worker", ("/app/bin/docker-entrypoint", "worker")),
        ("celery", ("celery", "-A", "app", "worker", "-P", "solo")),
        ("other", ("worker",)),
    ]


def test_redash_fixture_every_service_leads_to_its_launch_line() -> None:
    # fixtures/launch_redash: compose service → Dockerfile ENTRYPOINT → entrypoint branch →
    # supervisord → `./manage.py rq worker`, the project script that is the worker's parent.
    root = Path(__file__).parent.parent / "fixtures" / "launch_redash"
    commands = find_launch_commands(root)
    def end(command: LaunchCommand) -> tuple[str, tuple[str, ...], str | None]:
        script = project_script(root, command)
        return command.where, command.argv[:3], script.name if script else None

    ends = {c.name: [end(e) for e in follow(root, c, commands)] for c in commands if c.source == "compose"}
    assert ends == {
        "server": [("bin/docker-entrypoint:18", ("/usr/local/bin/gunicorn", "-b", "0.0.0.0:5000"), None)],
        "scheduler": [("bin/docker-entrypoint:6", ("/app/manage.py", "rq", "scheduler"), "manage.py")],
        "worker": [("worker.conf:5", ("./manage.py", "rq", "worker"), "manage.py")],
    }
    [server] = follow(root, next(c for c in commands if c.source == "compose" and c.name == "server"), commands)
    assert worker_launch(server) == W("gunicorn", app="redash.wsgi:app", concurrency=4, max_tasks_per_child=1000, preload=False)
    [worker] = follow(root, next(c for c in commands if c.source == "compose" and c.name == "worker"), commands)
    # The compose service's QUEUES wins over the entrypoint's `export QUEUES=${QUEUES:-}`.
    assert worker.env == {"WORKERS_COUNT": "2", "QUEUES": "queries,scheduled_queries"}
