"""Celery: `@app.task` / `@shared_task` / `Task` subclasses, the prefork pool.

The worker imports the app (`-A`) and every task module, sends `worker_init` in the
parent, then forks the pool; children are replaced every `worker_max_tasks_per_child`
tasks (never by default) and run `worker_process_init` when they start.
"""

from __future__ import annotations

from typing import Mapping as EnvMapping
from typing import TYPE_CHECKING, Hashable, Iterator, Sequence

from ..facts import Call, Const, Mapping, Val
from ..project import FunctionRef, Module, Project
from .base import (
    NO_ENV, NO_FORK, PER_CHILD, PER_JOB, PER_JOB_MAX_TASKS, Adapter, CallJob, ChildHook, ForkModel, ForkModels, Job, Launch,
    all_calls, as_int, const_str, instance_attr, modules_creating, parse_args, program, spellings,
)
from .clis import run_before_command
from .django import run_django_parent
from .launch_lines import project_launches

if TYPE_CHECKING:
    from ..prefork import Parent, Parents

CELERY_APPS = frozenset({"celery.Celery", "celery.app.Celery", "celery.app.base.Celery"})
CELERY_SHARED_TASK = frozenset({"celery.shared_task", "celery.app.shared_task"})
CELERY_TASK_BASES = frozenset({"celery.Task", "celery.app.task.Task"})
CELERY_PARENT_SIGNALS = frozenset({"celery.signals.worker_init", "celery.signals.celeryd_init"})
CELERY_CHILD_SIGNALS = frozenset({"celery.signals.worker_process_init"})
# Pools that run tasks in the worker process itself: nothing is forked per child.
CELERY_NON_FORKING_POOLS = frozenset({"solo", "threads", "gevent", "eventlet"})
# Celery's own command line, run from project code: it starts the worker in that process.
CELERY_CLI = frozenset({"celery.bin.celery.celery", "celery.bin.celery.main", "celery.__main__.main"})
CELERY_SIGNATURES = frozenset({"celery.signature", "celery.canvas.signature"})
CELERY_MAX_TASKS_KEYS = ("worker_max_tasks_per_child", "CELERYD_MAX_TASKS_PER_CHILD", "max_tasks_per_child")


class Celery(Adapter):
    name = "celery"
    title = "Celery"
    flavours = ("celery",)

    def decorator_flavour(self, project: Project, base: str) -> str | None:
        if base in CELERY_SHARED_TASK or _app_attr(project, base, {"task"}):
            return "celery"
        return None

    def method_job(self, project: Project, owner: str, method: str) -> str | None:
        if method == "run" and project.is_subclass(owner, CELERY_TASK_BASES):
            return "celery.Task subclass"
        return None

    def call_jobs(self, project: Project, module: Module, fn: FunctionRef | None, call: Call,
                  target: str, models: ForkModels) -> Iterator[CallJob]:
        """`app.send_task("pkg.tasks.name")`, `signature("pkg.tasks.name")`: a task by name."""
        if _app_attr(project, target, {"send_task", "signature"}):
            yield "celery", f"Celery.{target.rpartition('.')[2]}", call.arg(0, "name"), self.fork_model(models, "celery")
        elif target in CELERY_SIGNATURES:
            yield "celery", "signature", call.arg(0, "varies"), self.fork_model(models, "celery")

    def fork_model(self, models: ForkModels, flavour: str) -> ForkModel:
        return models.memo("celery", lambda: self._fork_model(models.project))  # type: ignore[return-value]

    def _fork_model(self, project: Project) -> ForkModel:
        pools = {launch.pool for launch in project_launches(project) if launch.framework == "celery"}
        if pools and pools <= CELERY_NON_FORKING_POOLS:
            listed = ", ".join(sorted(p for p in pools if p))
            return ForkModel(NO_FORK, "Celery worker", f"the worker runs tasks in its own process (--pool {listed})")
        setting = max_tasks_per_child(project)
        limit, note = setting if setting is not None else (None, None)
        if limit is not None and limit <= PER_JOB_MAX_TASKS:
            every = "every task" if limit == 1 else f"every {limit} tasks"
            child = "Celery prefork child" + (f" (worker_max_tasks_per_child={limit}: {note})" if note else "")
            return ForkModel(PER_JOB, child, f"worker_max_tasks_per_child={limit} replaces the child {every}")
        return ForkModel(PER_CHILD, "Celery prefork child", "Celery's prefork children are reused for many tasks")

    def parent_key(self, parents: "Parents", job: Job) -> Hashable:
        return "celery"

    def build_parent(self, parents: "Parents", key: Hashable, job: Job) -> "Parent":
        from ..prefork import Parent, PreforkPlace, Simulator

        project = parents.project
        sim = Simulator(project, lambda *_: False)
        apps = modules_creating(project, CELERY_APPS) or list(dict.fromkeys(_configured_apps(project).values()))
        for module in apps:
            sim.load(module.name)
        # The `-A` module: what it runs at import (an app factory) is the parent's. Named by a
        # launch line, it is the parent however it builds its app (`make_celery(flask_app)`).
        a_modules = app_modules(project)
        for module in a_modules:
            sim.load(module.name)
        apps = apps or a_modules
        for module, fn, call in worker_starts(project):
            # A project command that starts the worker in its own process (`celery_cmd(ctx.args)`):
            # what its CLI framework runs first and the command up to that call are the parent's.
            sim.load(module.name)
            if fn is not None:
                run_before_command(project, sim, fn)
                sim.run(fn, until_line=call.pos.line)
        if _configured_from_django(project):
            run_django_parent(project, sim)  # Celery's Django fixup: django.setup() and the system checks
        # The worker imports every task module (include / imports / autodiscover) before
        # it sends worker_init and forks the pool.
        for other in parents.jobs:
            if other.adapter is self:
                sim.load(other.function.module.name)
        handlers = signal_handlers(project, CELERY_PARENT_SIGNALS)
        for handler in handlers:
            sim.load(handler.module.name)
            sim.run(handler)
        if handlers:
            h = handlers[0]
            sim.state.place = PreforkPlace("celery-worker-init", h.module, h, 0, f"the worker_init handler {h.qualified}")
        elif apps:
            sim.state.place = PreforkPlace("celery-app", apps[0], None, 0, f"a @worker_init.connect handler in {apps[0].display}")
        sim.state.launch = worker_launch_line(project)
        return Parent([sim.state], known=bool(apps))

    def child_hook(self, flavour: str) -> str | None:
        return "a @worker_process_init.connect handler"

    def child_hooks(self, project: Project) -> Iterator[ChildHook]:
        parent_hooks = tuple(signal_handlers(project, CELERY_PARENT_SIGNALS))
        for hook in signal_handlers(project, CELERY_CHILD_SIGNALS):
            yield ChildHook(hook, "in every Celery prefork child (worker_process_init)",
                            "a @worker_init.connect handler (the parent)", parent_hooks)

    def launch(self, argv: Sequence[str], env: EnvMapping[str, str] = NO_ENV) -> Launch | None:
        """`celery -A APP worker [-P POOL] [-c N] [--max-tasks-per-child N] [-Q queues]`.

        Celery 4's `celery worker -A APP` order, `celery multi start` and django-celery's
        `manage.py celery worker` are read too; `beat`, `flower`, `inspect` and the other
        subcommands start no worker.
        """
        prog, args = program(argv)
        if prog.endswith("manage.py") and args[:1] == ["celery"]:  # django-celery's old command
            prog, args = "celery", args[1:]
        if prog != "celery":
            return None
        parsed = parse_args(args, _CELERY_VALUES, _CELERY_FLAGS)
        # `celery multi start NODES...` starts detached `celery worker`s (node options unread).
        multi = parsed.positional[:1] == ["multi"] and parsed.positional[1:2] in (["start"], ["restart"])
        if not parsed.positional or (parsed.positional[0] != "worker" and not multi):
            return None
        pool = parsed.options.get("pool") or env.get("CELERYD_POOL") or None
        forks = True if pool in (None, "prefork", "processes") else (False if pool in CELERY_NON_FORKING_POOLS | {"custom"} else None)
        queues = parsed.options.get("queues")
        return Launch(
            "celery",
            app=parsed.options.get("app") or env.get("CELERY_APP") or None,
            settings_module=parsed.options.get("config"),
            pool=pool,
            concurrency=as_int(parsed.options.get("concurrency")),
            max_tasks_per_child=as_int(parsed.options.get("max_tasks_per_child")),
            queues=tuple(q for q in (queues or "").split(",") if q),
            forks=forks,
        )


_CELERY_VALUES = spellings(
    app="-A --app",
    broker="-b --broker",
    pool="-P --pool",
    concurrency="-c --concurrency",
    max_tasks_per_child="--max-tasks-per-child --maxtasksperchild",
    queues="-Q --queues",
    config="--config",
    other="--result-backend --loader --workdir -n --hostname -l --loglevel -f --logfile "
    "--pidfile -s --schedule --max-memory-per-child --autoscale --prefetch-multiplier --time-limit "
    "--soft-time-limit -X --exclude-queues -I --include --statedb --scheduler --uid --gid --umask "
    "--executable -O",
)
_CELERY_FLAGS = spellings(
    flag="-B --beat -E --task-events -D --detach --without-gossip --without-mingle --without-heartbeat "
    "-q --quiet -C --no-color --purge --discard"
)

def worker_launch_line(project: Project) -> Launch | None:
    """The `celery worker` launch line that decides the fork model: the first one that
    sets `--max-tasks-per-child`, else the first one."""
    launches = [launch for launch in project_launches(project) if launch.framework == "celery"]
    return next((launch for launch in launches if launch.max_tasks_per_child is not None), launches[0] if launches else None)


def worker_starts(project: Project) -> list[tuple[Module, FunctionRef | None, Call]]:
    """Project calls that run a Celery worker in their own process: Celery's CLI
    (`celery_cmd(args)`), `app.worker_main(argv)`."""
    found = []
    for module, fn, call in all_calls(project):
        target = project.call_target(fn, module, call) or ""
        if target in CELERY_CLI or _app_attr(project, target, {"worker_main"}):
            found.append((module, fn, call))
    return found


def app_modules(project: Project) -> list[Module]:
    """The module `celery -A X worker` imports: the launch line's `-A` module (Celery tries
    `X` then `X.celery`); without a launch line, the modules that bind `app` or `celery` to
    a Celery app made elsewhere, the names Celery's find_app looks for first."""
    launch = worker_launch_line(project)
    if launch is not None and launch.app:
        name = launch.app.partition(":")[0]
        found = [m for m in (project.module(name), project.module(f"{name}.celery")) if m is not None]
        return found[:1] if found and _binds_app(project, found[0]) else found
    return [module for module in project.modules.values() if _binds_app(project, module)]


def _binds_app(project: Project, module: Module) -> bool:
    """Does the module bind `app` or `celery` to a Celery app at module level?"""
    for assign in module.facts.assigns:
        if assign.target not in ("app", "celery"):
            continue
        for target in project.resolve_all(module, None, assign.value):
            held = project.held_value(target)
            if isinstance(held, tuple) and isinstance(held[1], Call):
                target = project.call_target(None, held[0], held[1]) or target
            created = target.removesuffix("()")
            if created in CELERY_APPS or project.is_subclass(created, CELERY_APPS) or target in _configured_apps(project):
                return True
    return False


def _app_attr(project: Project, target: str, attrs: frozenset[str] | set[str]) -> str | None:
    """For `APP.attr` where APP is a Celery app (see `_configured_apps`), the attr."""
    found = instance_attr(project, target, CELERY_APPS, attrs)
    if found is None:
        owner, _, attr = target.rpartition(".")
        if attr in attrs and owner in _configured_apps(project):
            return attr
    return found


def _configured_apps(project: Project) -> dict[str, Module]:
    """Objects of a class chosen at run time (`import_string(setting)(main=...)`) that a
    module configures at import with `autodiscover_tasks`, Celery's own API: Celery apps,
    whatever the analysis can say of their class. Keyed by what their name resolves to."""
    return project.derived("celery apps configured at import", lambda: _find_configured_apps(project))


def _find_configured_apps(project: Project) -> dict[str, Module]:
    found: dict[str, Module] = {}
    for module in project.modules.values():
        for call in module.facts.calls:
            owner, _, attr = (project.call_target(None, module, call) or "").rpartition(".")
            made_by = owner.removesuffix("()")
            if attr != "autodiscover_tasks" or owner == made_by:
                continue
            if made_by in project.classes and not project.is_subclass(made_by, CELERY_APPS):
                continue  # a project class of that name: its own method, not Celery's
            found.setdefault(owner, module)
    return found


def max_tasks_per_child(project: Project) -> tuple[int, str | None] | None:
    """`worker_max_tasks_per_child` as the worker will see it, and a note when it is a guess.

    A launch line's `--max-tasks-per-child` wins; then the configuration as written:
    `app.conf.worker_max_tasks_per_child = N`, `app.conf.update(...)`, `Celery(...)`
    keywords, a `config_from_object` / `config_source` module or class, and Django
    settings read with `config_from_object("django.conf:settings", namespace="CELERY")`
    (`CELERY_WORKER_MAX_TASKS_PER_CHILD`). A value read from the environment with a
    default (`int(os.environ.get("X", "1"))`) counts as its default, and says so.
    """
    launch = worker_launch_line(project)
    if launch is not None and launch.max_tasks_per_child is not None:
        return launch.max_tasks_per_child, None
    keys = set(CELERY_MAX_TASKS_KEYS)
    classes: list[str] = []
    for module, fn, call in all_calls(project):
        target = project.call_target(fn, module, call) or ""
        source: Val | None = None
        if _app_attr(project, target, {"config_from_object"}):
            source = call.arg(0, "obj")
        elif target in CELERY_APPS or project.is_subclass(target, CELERY_APPS):
            source = call.kwarg("config_source")
        else:
            continue
        namespace = const_str(call.kwarg("namespace"))
        if namespace:
            keys |= {f"{namespace}_WORKER_MAX_TASKS_PER_CHILD", f"{namespace}D_MAX_TASKS_PER_CHILD"}
        if source is not None and const_str(source) is None:
            name = project.resolve(module, fn.facts if fn else None, source)
            if name in project.classes:
                classes.append(name)
    scopes = [(module, module.facts.assigns) for module in project.modules.values()]
    scopes += [(project.classes[name].module, project.classes[name].facts.assigns) for name in classes]
    for module, assigns in scopes:
        for assign in assigns:
            if assign.target.rpartition(".")[2] in keys:
                found = _int_setting(project, module, assign.value)
                if found is not None:
                    return found
    for module, fn, call in all_calls(project):
        for key, value in call.kwargs:
            if key in keys:
                found = _int_setting(project, module, value)
                if found is not None:
                    return found
        for arg in call.args:  # app.conf.update({"worker_max_tasks_per_child": 1})
            if isinstance(arg, Mapping):
                for key, value in arg.items:
                    found = _int_setting(project, module, value) if key in keys else None
                    if found is not None:
                        return found
    return None


def _configured_from_django(project: Project) -> bool:
    for module, fn, call in all_calls(project):
        target = project.call_target(fn, module, call) or ""
        if _app_attr(project, target, {"config_from_object"}):
            if (const_str(call.arg(0, "obj")) or "").startswith("django.conf"):
                return True
    return False


_ENVIRON_GETS = frozenset({"os.environ.get", "os.getenv", "os.environ.setdefault"})


def _int_setting(project: Project, module: Module, value: Val | None, depth: int = 0) -> tuple[int, str | None] | None:
    """An int setting's value: a literal, `int(...)` of one, or an environment read's default."""
    if value is None or depth > 3:
        return None
    if isinstance(value, Const):
        if isinstance(value.value, bool):
            return None
        if isinstance(value.value, int):
            return value.value, None
        if isinstance(value.value, str) and value.value.strip().isdigit():
            return int(value.value), None
        return None
    if isinstance(value, Call):
        target = project.call_target(None, module, value) or ""
        if target == "int" and value.args:
            return _int_setting(project, module, value.args[0], depth + 1)
        name = const_str(value.arg(0, "key"))
        default = value.arg(1, "default")
        if (target in _ENVIRON_GETS or target.rpartition(".")[2] in ("int", "get_int")) and default is not None:
            found = _int_setting(project, module, default, depth + 1)
            if found is not None:
                what = f"${name}" if name else "an environment variable"
                return found[0], f"the default of {what}, which the environment may override"
    return None


def signal_handlers(project: Project, signals: frozenset[str]) -> list[FunctionRef]:
    """Functions connected to a Celery signal with `@signal.connect` (or `.connect(f)`)."""
    return [fn for signal, fn in project.derived("signal connections", lambda: _connected(project)) if signal in signals]


def _connected(project: Project) -> list[tuple[str, FunctionRef]]:
    """(what it is connected to, the function) for every `@x.connect` and `x.connect(f)`."""
    found = []
    for fn in project.iter_functions():
        for decorator in fn.facts.decorators:
            func = decorator.func if isinstance(decorator, Call) else decorator
            target = project.resolve(fn.module, None, func)
            if target and target.endswith(".connect"):
                found.append((target.removesuffix(".connect"), fn))
    for module, fn, call in all_calls(project):
        target = project.call_target(fn, module, call)
        if target and target.endswith(".connect") and call.args:
            handler = project.resolve(module, fn.facts if fn else None, call.args[0])
            if handler in project.functions:
                found.append((target.removesuffix(".connect"), project.functions[handler]))
    return found
