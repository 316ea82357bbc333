"""Read a launch command as a worker of one runner: RQ, Celery, Huey, Dramatiq, gunicorn.

Each runner has one parser, `parse_<runner>(argv, env) -> WorkerLaunch | None`, kept
apart so that it can move into its framework's adapter as it is. A parser answers
None for a command of its program that starts no worker (`celery beat`, `rq info`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Callable, Literal, Mapping, Sequence

from .launch import LaunchCommand, find_launch_commands
from .launch_shell import is_python, program_name, python_run

_NO_ENV: Mapping[str, str] = MappingProxyType({})

Runner = Literal["rq", "django-rq", "flask-rq", "celery", "huey", "dramatiq", "gunicorn"]


@dataclass(frozen=True)
class WorkerLaunch:
    """A worker's start-up as its command line says it.

    `forks` is False where the runner runs jobs without forking (Celery's solo, threads,
    gevent and eventlet pools; Huey's thread and greenlet workers; RQ's SimpleWorker and
    SpawnWorker; `dramatiq --use-spawn`), True where it forks, None where a custom class
    decides. For gunicorn, `max_tasks_per_child` is `--max-requests` and `concurrency` `-w`.
    """

    runner: Runner
    app: str | None = None  # celery -A, huey's module, dramatiq's broker, flask --app, gunicorn's app
    modules: tuple[str, ...] = ()  # dramatiq's module arguments
    worker_class: str | None = None
    job_class: str | None = None
    settings: str | None = None  # rq -c, django --settings / DJANGO_SETTINGS_MODULE, gunicorn -c
    pool: str | None = None  # celery -P, huey -k, gunicorn -k
    concurrency: int | None = None
    max_tasks_per_child: int | None = None
    queues: tuple[str, ...] = ()
    preload: bool | None = None  # gunicorn --preload
    forks: bool | None = True
    command: LaunchCommand | None = field(default=None, compare=False)

    def to_json(self) -> dict[str, object]:
        """Plain data for `--format json`: the fields that are set, and the launch line."""
        data: dict[str, object] = {}
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if item.name == "command":
                continue
            if value not in (None, ()) or item.name in ("runner", "forks"):
                data[item.name] = list(value) if isinstance(value, tuple) else value
        if self.command is not None:
            data["launch"] = self.command.to_json()
        return data


def worker_launch(command: LaunchCommand) -> WorkerLaunch | None:
    """The worker `command` starts, if any runner reads it as one."""
    for parser in PARSERS:
        launch = parser(command.argv, command.env)
        if launch is not None:
            return dataclasses.replace(launch, command=command)
    return None


def find_worker_launches(root: Path) -> list[WorkerLaunch]:
    """Every worker start-up written in the launch files under `root`."""
    found = (worker_launch(command) for command in find_launch_commands(root))
    return [launch for launch in found if launch is not None]


# --- the command-line grammar the parsers share ----------------------------------------


@dataclass
class _Parsed:
    options: dict[str, str]
    flags: set[str]
    positional: list[str]


def _parse(argv: Sequence[str], values: Mapping[str, str], flags: Mapping[str, str]) -> _Parsed:
    """Options (`-c 4`, `-c4`, `--pool=x`, `--pool x`) by canonical name, flags, and the rest.

    `values` and `flags` map every spelling to a canonical name. An unknown option is
    taken as a flag, so a worker's queues may pick up an unknown option's value.
    """
    parsed = _Parsed({}, set(), [])
    index = 0
    while index < len(argv):
        word = argv[index]
        index += 1
        if word == "--":
            parsed.positional += argv[index:]
            break
        if not word.startswith("-") or word == "-":
            parsed.positional.append(word)
            continue
        name, equals, value = word.partition("=")
        if name in values:
            if not equals:
                value = argv[index] if index < len(argv) else ""
                index += 1
            parsed.options[values[name]] = value
        elif name in flags:
            parsed.flags.add(flags[name])
        elif not word.startswith("--") and word[:2] in values and len(word) > 2:
            parsed.options[values[word[:2]]] = word[2:]  # `-c4`, `-Pgevent`
    return parsed


def _names(**spellings: str) -> dict[str, str]:
    """`pool="-P --pool"` → {"-P": "pool", "--pool": "pool"}."""
    return {spelling: canonical for canonical, words in spellings.items() for spelling in words.split()}


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None  # `$CONCURRENCY`, `%(ENV_N)s`: not known statically


def _program(argv: Sequence[str]) -> tuple[str, list[str]]:
    """The program that runs and its arguments: `python -u -m celery -A x` → `celery`, [...]."""
    if not argv:
        return "", []
    run = python_run(argv)
    if run is None:
        return ("", []) if is_python(argv[0]) else (program_name(argv[0]), list(argv[1:]))
    return run.module or program_name(run.script or ""), list(run.arguments)


# --- RQ ---------------------------------------------------------------------------------

_RQ_VALUES = _names(
    worker_class="-w --worker-class",
    job_class="-j --job-class",
    settings="-c --config",
    num_workers="-n --num-workers",  # worker-pool; `worker -n` is --name
    name="--name",
    url="-u --url",
    path="-P --path",
    other="-l --logging_level --logging-level --results-ttl --worker-ttl --job-monitoring-interval --date-format "
    "--log-format --sentry-ca-certs --sentry-debug --sentry-dsn --exception-handler --pid -S --serializer "
    "--max-jobs --max-idle-time --dequeue-strategy --connection-class --queue-class",
)
_RQ_FLAGS = _names(
    burst="-b --burst", flag="-q --quiet -v --verbose -s --with-scheduler --disable-job-desc-logging "
    "--disable-default-exception-handler --maintenance-interval",
)
# rq's own worker classes that run a job without forking the worker.
_RQ_NOT_FORKING = ("SimpleWorker", "SpawnWorker")
_RQ_FORKING = ("rq.Worker", "rq.worker.Worker", "rq.worker.HerokuWorker", "rq.worker.RoundRobinWorker",
               "rq.worker.RandomWorker", "rq.HerokuWorker", "rq.RoundRobinWorker", "rq.RandomWorker")


def _rq_forks(worker_class: str | None) -> bool | None:
    if worker_class is None or worker_class in _RQ_FORKING or worker_class.endswith("worker_classes.Worker"):
        return True
    if worker_class.startswith("rq.") and worker_class.rsplit(".", 1)[-1] in _RQ_NOT_FORKING:
        return False
    return None  # a project's own class: its base decides


def _rq_worker(runner: Runner, arguments: Sequence[str], env: Mapping[str, str], **fields: object) -> WorkerLaunch:
    parsed = _parse(arguments, _RQ_VALUES, _RQ_FLAGS)
    worker_class = parsed.options.get("worker_class") or env.get("RQ_WORKER_CLASS") or None
    values: dict[str, object] = dict(
        runner=runner,
        worker_class=worker_class,
        job_class=parsed.options.get("job_class"),
        settings=parsed.options.get("settings"),
        queues=tuple(parsed.positional),
        concurrency=_int(parsed.options.get("num_workers")),
        forks=_rq_forks(worker_class),
    )
    values.update({k: v for k, v in fields.items() if v is not None})
    return WorkerLaunch(**values)  # type: ignore[arg-type]


def parse_rq(argv: Sequence[str], env: Mapping[str, str] = _NO_ENV) -> WorkerLaunch | None:
    """`rq worker [-w CLASS] [-c SETTINGS] [-j JOB_CLASS] QUEUES...`, and `rq worker-pool`."""
    program, arguments = _program(argv)
    if program == "rqworker":  # rq < 0.4's script
        return _rq_worker("rq", arguments, env)
    if program not in ("rq", "rq.cli") or not arguments or arguments[0] not in ("worker", "worker-pool"):
        return None
    if arguments[0] == "worker":
        arguments = _without(arguments, ("-n",))  # `worker -n` is --name, `worker-pool -n` the size
    return _rq_worker("rq", arguments[1:], env)


# --- django-rq --------------------------------------------------------------------------

_DJANGO_VALUES = _names(settings="--settings", pythonpath="--pythonpath", verbosity="-v --verbosity")


def parse_django_rq(argv: Sequence[str], env: Mapping[str, str] = _NO_ENV) -> WorkerLaunch | None:
    """`python manage.py rqworker [QUEUES] [--worker-class C] [--settings S]` (and rqworker-pool)."""
    program, arguments = _program(argv)
    if program not in ("manage.py", "django-admin", "django-admin.py", "django") or not arguments:
        return None
    if arguments[0] not in ("rqworker", "rqworker-pool"):
        return None
    rest = list(arguments[1:])
    django = _parse(rest, _DJANGO_VALUES, {})
    settings = django.options.get("settings") or env.get("DJANGO_SETTINGS_MODULE")
    without = _without(rest, ("--settings", "--pythonpath"))
    launch = _rq_worker("django-rq", without, env, settings=settings)
    if launch.worker_class is None:
        # Without --worker-class, settings.RQ["WORKER_CLASS"] decides: unread here.
        launch = dataclasses.replace(launch, forks=None)
    return launch


def _without(argv: Sequence[str], options: tuple[str, ...]) -> list[str]:
    out, skip = [], False
    for word in argv:
        if skip:
            skip = False
        elif word in options:
            skip = True
        elif not word.startswith(tuple(f"{o}=" for o in options)):
            out.append(word)
    return out


# --- Flask-RQ2 --------------------------------------------------------------------------


def parse_flask_rq(argv: Sequence[str], env: Mapping[str, str] = _NO_ENV) -> WorkerLaunch | None:
    """`flask [--app APP] rq worker [QUEUES]` (Flask-RQ2); the app may come from FLASK_APP."""
    program, arguments = _program(argv)
    if program != "flask":
        return None
    parsed = _parse(arguments, _names(app="-A --app", env_file="-e --env-file"), _names(flag="--debug --no-debug"))
    words = parsed.positional
    if words[:2] != ["rq", "worker"]:
        return None
    start = list(arguments).index("worker", list(arguments).index("rq")) + 1
    app = parsed.options.get("app") or env.get("FLASK_APP") or None
    return _rq_worker("flask-rq", arguments[start:], env, app=app)


# --- Celery -----------------------------------------------------------------------------

_CELERY_VALUES = _names(
    app="-A --app",
    broker="-b --broker",
    pool="-P --pool",
    concurrency="-c --concurrency",
    max_tasks_per_child="--max-tasks-per-child --maxtasksperchild",
    queues="-Q --queues",
    other="--result-backend --loader --config --workdir -n --hostname -l --loglevel -f --logfile "
    "--pidfile -s --schedule --max-memory-per-child --autoscale --prefetch-multiplier --time-limit "
    "--soft-time-limit -X --exclude-queues -I --include --statedb --scheduler --uid --gid --umask "
    "--executable -O",
)
_CELERY_FLAGS = _names(
    flag="-B --beat -E --task-events -D --detach --without-gossip --without-mingle --without-heartbeat "
    "-q --quiet -C --no-color --purge --discard"
)
_CELERY_NOT_FORKING = {"solo", "threads", "gevent", "eventlet", "custom"}


def parse_celery(argv: Sequence[str], env: Mapping[str, str] = _NO_ENV) -> WorkerLaunch | None:
    """`celery -A APP worker [-P POOL] [-c N] [--max-tasks-per-child N] [-Q queues]`.

    Celery 4's `celery worker -A APP` order is read too; `beat`, `flower`, `inspect`
    and the other subcommands start no worker.
    """
    program, arguments = _program(argv)
    if program != "celery":
        return None
    parsed = _parse(arguments, _CELERY_VALUES, _CELERY_FLAGS)
    # `celery multi start NODES...` starts detached `celery worker`s (node options unread).
    multi = parsed.positional[:1] == ["multi"] and parsed.positional[1:2] in (["start"], ["restart"])
    if not parsed.positional or (parsed.positional[0] != "worker" and not multi):
        return None
    pool = parsed.options.get("pool") or env.get("CELERYD_POOL") or None
    forks = True if pool in (None, "prefork", "processes") else (False if pool in _CELERY_NOT_FORKING else None)
    queues = parsed.options.get("queues")
    return WorkerLaunch(
        "celery",
        app=parsed.options.get("app") or env.get("CELERY_APP") or None,
        pool=pool,
        concurrency=_int(parsed.options.get("concurrency")),
        max_tasks_per_child=_int(parsed.options.get("max_tasks_per_child")),
        queues=tuple(q for q in (queues or "").split(",") if q),
        forks=forks,
    )


# --- Huey -------------------------------------------------------------------------------

_HUEY_VALUES = _names(
    pool="-k --worker-type",
    concurrency="-w --workers",
    settings="--settings",
    other="-d --delay -m --max-delay -b --backoff -c --health-check-interval -s --scheduler-interval "
    "-o --logfile -L --extra-locks --pythonpath",
)
_HUEY_FLAGS = _names(flag="-n --no-periodic -u --utc --localtime -v --verbose -q --quiet -f --flush-locks "
                     "-C --disable-health-check -S --simple")


def parse_huey(argv: Sequence[str], env: Mapping[str, str] = _NO_ENV) -> WorkerLaunch | None:
    """`huey_consumer[.py] pkg.huey -k process -w 4`, and Django's `manage.py run_huey`."""
    program, arguments = _program(argv)
    django = program in ("manage.py", "django-admin", "django-admin.py") and arguments[:1] == ["run_huey"]
    if program not in ("huey_consumer", "huey_consumer.py", "huey.bin.huey_consumer") and not django:
        return None
    parsed = _parse(arguments[1:] if django else arguments, _HUEY_VALUES, _HUEY_FLAGS)
    # huey_consumer's default is threads; run_huey's comes from settings.HUEY, unread here.
    pool = parsed.options.get("pool") or (None if django else "thread")
    app = None if django else (parsed.positional[0] if parsed.positional else None)
    settings = (parsed.options.get("settings") or env.get("DJANGO_SETTINGS_MODULE")) if django else None
    return WorkerLaunch(
        "huey",
        app=app,
        settings=settings,
        pool=pool,
        concurrency=_int(parsed.options.get("concurrency")),
        forks=True if pool == "process" else (False if pool in ("thread", "greenlet") else None),
    )


# --- Dramatiq ---------------------------------------------------------------------------

_DRAMATIQ_VALUES = _names(
    concurrency="-p --processes",
    other="-t --threads --path -P --pid-file --log-file --fork-function -f --worker-shutdown-timeout "
    "--watch --watch-include --watch-exclude",
)
_DRAMATIQ_FLAGS = _names(spawn="--use-spawn", flag="--watch-use-polling -v --verbose --skip-logging")


def parse_dramatiq(argv: Sequence[str], env: Mapping[str, str] = _NO_ENV) -> WorkerLaunch | None:
    """`dramatiq BROKER [MODULES...] [--processes N] [--threads N] [--use-spawn]`."""
    program, arguments = _program(argv)
    django = program in ("manage.py", "django-admin") and arguments[:1] == ["rundramatiq"]
    if program not in ("dramatiq", "dramatiq-gevent", "dramatiq.cli") and not django:
        return None
    arguments, queues = _dramatiq_queues(arguments[1:] if django else arguments)
    parsed = _parse(arguments, _DRAMATIQ_VALUES, _DRAMATIQ_FLAGS)
    positional = parsed.positional
    return WorkerLaunch(
        "dramatiq",
        app=None if django else (positional[0] if positional else None),
        modules=tuple(positional if django else positional[1:]),
        settings=env.get("DJANGO_SETTINGS_MODULE") if django else None,
        concurrency=_int(parsed.options.get("concurrency")),
        queues=tuple(queues),
        forks=False if "spawn" in parsed.flags else True,
    )


def _dramatiq_queues(arguments: Sequence[str]) -> tuple[list[str], list[str]]:
    # `-Q/--queues` takes every word up to the next option (argparse's nargs="*").
    rest: list[str] = []
    queues: list[str] = []
    taking = False
    for word in arguments:
        if word in ("-Q", "--queues"):
            taking = True
        elif word.startswith("--queues="):
            queues.append(word.partition("=")[2])
        elif taking and not word.startswith("-"):
            queues.append(word)
        else:
            taking = False
            rest.append(word)
    return rest, queues


# --- gunicorn ---------------------------------------------------------------------------

_GUNICORN_VALUES = _names(
    concurrency="-w --workers",
    pool="-k --worker-class",
    settings="-c --config",
    max_requests="--max-requests",
    app="--paste --paster",
    other="-b --bind --threads -t --timeout --graceful-timeout --keep-alive --chdir -e --env --pythonpath "
    "--max-requests-jitter --log-level --access-logfile --error-logfile --log-config --log-file --access-logformat "
    "-n --name --pid -p -u --user -g --group -m --umask --worker-connections --backlog --forwarded-allow-ips "
    "--limit-request-line --limit-request-fields --limit-request-field_size --worker-tmp-dir --statsd-host "
    "--statsd-prefix --certfile --keyfile --ca-certs --proxy-allow-from --logger-class",
)
_GUNICORN_FLAGS = _names(preload="--preload", flag="--reload -D --daemon --check-config --print-config "
                         "--capture-output --enable-stdio-inheritance --reuse-port --no-sendfile --spew")


def parse_gunicorn(argv: Sequence[str], env: Mapping[str, str] = _NO_ENV) -> WorkerLaunch | None:
    """`gunicorn [-w N] [--preload] [-k CLASS] [-c CONFIG] APP`: a forking parent of web workers."""
    program, arguments = _program(argv)
    if program not in ("gunicorn", "gunicorn.app.wsgiapp"):
        return None
    extra = env.get("GUNICORN_CMD_ARGS", "").split()
    parsed = _parse([*extra, *arguments], _GUNICORN_VALUES, _GUNICORN_FLAGS)
    return WorkerLaunch(
        "gunicorn",
        app=parsed.options.get("app") or (parsed.positional[-1] if parsed.positional else None),
        settings=parsed.options.get("settings"),
        pool=parsed.options.get("pool"),
        concurrency=_int(parsed.options.get("concurrency") or env.get("WEB_CONCURRENCY")),
        max_tasks_per_child=_int(parsed.options.get("max_requests")),
        preload="preload" in parsed.flags,
        forks=True,
    )


PARSERS: tuple[Callable[[Sequence[str], Mapping[str, str]], WorkerLaunch | None], ...] = (
    parse_rq, parse_django_rq, parse_flask_rq, parse_celery, parse_huey, parse_dramatiq, parse_gunicorn,
)
