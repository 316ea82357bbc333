"""The one place that knows each job framework: entry points, fork model, parent hooks.

Facts behind every table here (file:line in the frameworks' own source) are in
`shared/research/frameworks.md`; the doc page of each rule cites them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from .facts import Call, Const, Dotted, Val
from .project import FunctionRef, Module, Project

# Children recycled at least this often count as "per job": the lazy work is paid on
# at least one task in ten, which is what a user would call "every job".
PER_JOB_MAX_TASKS = 10

PER_JOB, PER_CHILD, NO_FORK = "per-job", "per-child", "none"
_STRENGTH = {PER_JOB: 2, PER_CHILD: 1, NO_FORK: 0}


@dataclass(frozen=True)
class ForkModel:
    kind: str  # PER_JOB | PER_CHILD | NO_FORK
    child: str  # what the forked process is called: "RQ work horse"
    why: str  # one phrase: "RQ's Worker forks a work horse for every job"


@dataclass(frozen=True)
class Job:
    function: FunctionRef
    framework: str  # rq | django-rq | flask-rq2 | custom | celery | dramatiq | huey | multiprocessing | process-pool
    how: str  # how it was recognised, for messages: "@job", "Queue.enqueue"
    fork: ForkModel
    site: tuple[Module, Call] | None = None  # the enqueue / pool call, when there is one

    @property
    def rq_family(self) -> bool:
        return self.framework in ("rq", "django-rq", "flask-rq2", "custom")


# --- names, every spelling a user may import -----------------------------------------

RQ_JOB_DECORATORS = frozenset({"rq.decorators.job"})
DJANGO_RQ_JOB_DECORATORS = frozenset({"django_rq.job", "django_rq.decorators.job"})
FLASK_RQ2 = frozenset({"flask_rq2.RQ", "flask_rq2.app.RQ"})
RQ_QUEUES = frozenset({"rq.Queue", "rq.queue.Queue"})
RQ_QUEUE_FACTORIES = frozenset({"django_rq.get_queue()", "django_rq.queues.get_queue()"})
RQ_FORKING_WORKERS = frozenset(
    {"rq.Worker", "rq.worker.Worker", "rq.worker.worker_classes.Worker", "rq.HerokuWorker",
     "rq.worker.HerokuWorker", "rq.worker.RoundRobinWorker", "rq.worker.RandomWorker"}
)
RQ_NON_FORKING_WORKERS = frozenset(
    {"rq.SimpleWorker", "rq.worker.SimpleWorker", "rq.worker.worker_classes.SimpleWorker",
     "rq.SpawnWorker", "rq.worker.SpawnWorker", "rq.worker.worker_classes.SpawnWorker"}
)
RQ_WORKER_FACTORIES = frozenset({"django_rq.get_worker()", "django_rq.workers.get_worker()"})
# enqueue method -> (positional index, keyword) of the job function
RQ_ENQUEUE = {
    "enqueue": (0, "f"), "enqueue_call": (0, "func"), "prepare_data": (0, "func"),
    "enqueue_in": (1, "func"), "enqueue_at": (1, "f"), "schedule": (1, "func"),
}
DJANGO_RQ_ENQUEUE = frozenset({"django_rq.enqueue", "django_rq.queues.enqueue"})
RQ_JOB_CREATE = frozenset({"rq.job.Job.create", "rq.Job.create"})

CELERY_APPS = frozenset({"celery.Celery", "celery.app.Celery", "celery.app.base.Celery"})
CELERY_SHARED_TASK = frozenset({"celery.shared_task", "celery.app.shared_task"})
CELERY_TASK_BASES = frozenset({"celery.Task", "celery.app.task.Task"})
CELERY_PARENT_SIGNALS = frozenset({"celery.signals.worker_init", "celery.signals.celeryd_init"})
CELERY_CHILD_SIGNALS = frozenset({"celery.signals.worker_process_init"})
CELERY_MAX_TASKS_KEYS = ("worker_max_tasks_per_child", "CELERYD_MAX_TASKS_PER_CHILD", "max_tasks_per_child")

DRAMATIQ_ACTORS = frozenset({"dramatiq.actor", "dramatiq.actor.actor"})
DRAMATIQ_GENERIC = frozenset({"dramatiq.GenericActor", "dramatiq.generic.GenericActor"})

HUEY_CLASSES = frozenset(
    {f"huey.{name}" for name in ("Huey", "RedisHuey", "RedisExpireHuey", "PriorityRedisHuey",
                                 "PriorityRedisExpireHuey", "SqliteHuey", "MemoryHuey", "FileHuey")}
    | {"huey.api.Huey"}
)
HUEY_TASK_METHODS = frozenset({"task", "periodic_task", "context_task"})
HUEY_DJANGO = frozenset(
    {f"huey.contrib.djhuey.{name}" for name in ("task", "periodic_task", "db_task", "db_periodic_task", "on_commit_task")}
)

MP_POOLS = frozenset({"multiprocessing.Pool", "multiprocessing.pool.Pool", "multiprocessing.get_context().Pool"})
MP_POOL_METHODS = frozenset(
    {"map", "imap", "imap_unordered", "apply_async", "apply", "starmap", "starmap_async", "map_async"}
)
MP_PROCESSES = frozenset({"multiprocessing.Process", "multiprocessing.context.Process", "multiprocessing.get_context().Process"})
MP_SET_START = frozenset({"multiprocessing.set_start_method"})
MP_GET_CONTEXT = frozenset({"multiprocessing.get_context"})
PROCESS_POOLS = frozenset({"concurrent.futures.ProcessPoolExecutor", "concurrent.futures.process.ProcessPoolExecutor"})

def instance_attr(project: Project, target: str, classes: frozenset[str], attrs: frozenset[str] | set[str]) -> str | None:
    """For `X().attr` where X is one of `classes` (or a project subclass), the attr."""
    if "()." not in target:
        return None
    owner, _, attr = target.rpartition("().")
    if attr in attrs and (owner in classes or project.is_subclass(owner, classes)):
        return attr
    return None


# --- recognising jobs ---------------------------------------------------------------------


def find_jobs(project: Project) -> list[Job]:
    """Every job entry point of the project, one per function (strongest fork model wins)."""
    fork = _ForkModels(project)
    found: dict[str, Job] = {}

    def add(fn: FunctionRef | None, framework: str, how: str, model: ForkModel, site=None) -> None:
        if fn is None:
            return
        job = Job(fn, framework, how, model, site)
        current = found.get(fn.qualified)
        if current is None or _STRENGTH[model.kind] > _STRENGTH[current.fork.kind]:
            found[fn.qualified] = job

    for fn in project.iter_functions():
        for decorator in fn.facts.decorators:
            framework = decorator_framework(project, fn.module, decorator)
            if framework is not None:
                add(fn, framework, "@" + _decorator_text(decorator), fork.for_framework(framework))
        if fn.facts.class_name is not None:
            owner = f"{fn.module.name}.{fn.facts.class_name}"
            name = fn.facts.qualname.rpartition(".")[2]
            if name == "run" and project.is_subclass(owner, CELERY_TASK_BASES):
                add(fn, "celery", "celery.Task subclass", fork.for_framework("celery"))
            if name == "perform" and project.is_subclass(owner, DRAMATIQ_GENERIC):
                add(fn, "dramatiq", "dramatiq.GenericActor subclass", fork.for_framework("dramatiq"))

    for module, fn, call in all_calls(project):
        for framework, how, target_val, model in _call_jobs(project, module, fn, call, fork):
            add(_job_function(project, module, fn, target_val), framework, how, model, (module, call))
    return sorted(found.values(), key=lambda j: (j.function.module.display, j.function.facts.name_pos.line))


def all_calls(project: Project) -> Iterator[tuple[Module, FunctionRef | None, Call]]:
    """Every call of the project: (its module, the function holding it or None, the call)."""
    for module in project.modules.values():
        for call in module.facts.calls:
            yield module, None, call
    for fn in project.iter_functions():
        for call in fn.facts.calls:
            yield fn.module, fn, call


def _job_function(project: Project, module: Module, fn: FunctionRef | None, value: Val | None) -> FunctionRef | None:
    if value is None:
        return None
    if isinstance(value, Const) and isinstance(value.value, str):
        return project.dotted_function(value.value)
    target = project.resolve(module, fn.facts if fn else None, value)
    return project.functions.get(target) if target else None


def decorator_framework(project: Project, module: Module, decorator: Val, depth: int = 0) -> str | None:
    """The framework a decorator makes a job for, following project wrappers."""
    target = project.resolve(module, None, decorator)
    if target is None:
        return None
    base = target.removesuffix("()") if isinstance(decorator, Call) else target
    framework = _decorator_target_framework(project, base)
    if framework is None and isinstance(decorator, Call):
        framework = _decorator_target_framework(project, target)
    if framework is None and depth < 3:
        wrapper = project.functions.get(target)
        if wrapper is not None:
            framework = _wrapper_framework(project, wrapper, depth + 1)
    return framework


def _decorator_target_framework(project: Project, base: str) -> str | None:
    if base in RQ_JOB_DECORATORS:
        return "rq"
    if base in DJANGO_RQ_JOB_DECORATORS:
        return "django-rq"
    if base in project.config.job_decorators:
        return "custom"
    if instance_attr(project, base, FLASK_RQ2, {"job"}):
        return "flask-rq2"
    if base in CELERY_SHARED_TASK or instance_attr(project, base, CELERY_APPS, {"task"}):
        return "celery"
    if base in DRAMATIQ_ACTORS:
        return "dramatiq"
    if base in HUEY_DJANGO or instance_attr(project, base, HUEY_CLASSES, HUEY_TASK_METHODS):
        return "huey"
    return None


def _wrapper_framework(project: Project, wrapper: FunctionRef, depth: int) -> str | None:
    """A project function that applies a job decorator to what it is given."""
    for call in wrapper.facts.calls:
        framework = decorator_framework(project, wrapper.module, call.func, depth)
        if framework is None and isinstance(call.func, Call):
            framework = decorator_framework(project, wrapper.module, call.func.func, depth)
        if framework is not None:
            return framework
    prefix = wrapper.facts.qualname + "."
    for fn in wrapper.module.facts.functions:
        if fn.qualname.startswith(prefix):
            for decorator in fn.decorators:
                framework = decorator_framework(project, wrapper.module, decorator, depth)
                if framework is not None:
                    return framework
    return None


def _call_jobs(project: Project, module: Module, fn: FunctionRef | None, call: Call, fork: "_ForkModels"):
    """Jobs handed to a framework by this call: (framework, how, job value, fork model)."""
    target = project.call_target(fn, module, call)
    if target is None:
        return
    method = target.rpartition(".")[2]
    if method in RQ_ENQUEUE and _is_rq_queue(project, target):
        index, keyword = RQ_ENQUEUE[method]
        framework = "django-rq" if target.startswith("django_rq") else "rq"
        yield framework, f"Queue.{method}", call.arg(index, keyword), fork.for_framework(framework)
    elif target in DJANGO_RQ_ENQUEUE:
        yield "django-rq", "django_rq.enqueue", call.arg(0, "func"), fork.for_framework("django-rq")
    elif target in RQ_JOB_CREATE:
        yield "rq", "Job.create", call.arg(0, "func"), fork.for_framework("rq")
    elif instance_attr(project, target, MP_POOLS, MP_POOL_METHODS):
        yield "multiprocessing", f"Pool.{method}", call.arg(0, "func"), fork.pool(module, fn, call)
    elif instance_attr(project, target, PROCESS_POOLS, {"submit", "map"}):
        yield "process-pool", f"ProcessPoolExecutor.{method}", call.arg(0, "fn"), fork.executor(module, fn, call)
    elif target.removesuffix("()") in MP_PROCESSES or project.is_subclass(target, MP_PROCESSES):
        # A Process runs one target and exits: started in a loop, every one repeats the
        # lazy work; started once (a test fixture, a one-off helper), nothing repeats.
        repeated = ForkModel(PER_JOB, "multiprocessing child", "a new Process per item, each running one target")
        once = ForkModel(PER_CHILD, "multiprocessing child", "a single Process: its lazy work is paid once")
        model = fork.start_method_model(module, fn, call.func, repeated if call.in_loop else once)
        yield "multiprocessing", "Process(target=...)", call.kwarg("target"), model


def _is_rq_queue(project: Project, target: str) -> bool:
    owner = target.rpartition(".")[0]
    if owner in RQ_QUEUES or owner in RQ_QUEUE_FACTORIES:  # Queue.prepare_data(...) on the class
        return True
    if owner.endswith(".get_queue()"):  # Flask-RQ2: rq.get_queue().enqueue(...)
        app = owner.removesuffix(".get_queue()").removesuffix("()")
        if app in FLASK_RQ2 or project.is_subclass(app, FLASK_RQ2):
            return True
    return instance_attr(project, target, RQ_QUEUES, set(RQ_ENQUEUE)) is not None


def _decorator_text(decorator: Val) -> str:
    if isinstance(decorator, Dotted):
        return decorator.name
    if isinstance(decorator, Call):
        return decorator.source
    return "decorator"


# --- fork models --------------------------------------------------------------------------


class _ForkModels:
    """Works out, once per project, how each framework's children live."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._rq: ForkModel | None = None
        self._celery: ForkModel | None = None
        self._start_method: str | None | bool = False

    def for_framework(self, framework: str) -> ForkModel:
        if framework in ("rq", "django-rq", "flask-rq2", "custom"):
            return self.rq()
        if framework == "celery":
            return self.celery()
        if framework == "dramatiq":
            return ForkModel(PER_CHILD, "Dramatiq worker process", "Dramatiq worker processes are long-lived")
        if framework == "huey":
            return ForkModel(PER_CHILD, "Huey worker process", "Huey's process workers are forked once and reused")
        raise ValueError(framework)

    def rq(self) -> ForkModel:
        if self._rq is None:
            kinds = {kind for kind, _, _, _ in rq_worker_calls(self.project)}
            if kinds and kinds <= {"simple"}:
                self._rq = ForkModel(NO_FORK, "RQ worker", "the project's RQ worker is a SimpleWorker/SpawnWorker")
            else:
                self._rq = ForkModel(PER_JOB, "RQ work horse", "RQ's Worker forks a new work horse for every job")
        return self._rq

    def celery(self) -> ForkModel:
        if self._celery is None:
            limit = celery_max_tasks_per_child(self.project)
            if limit is not None and limit <= PER_JOB_MAX_TASKS:
                every = "every task" if limit == 1 else f"every {limit} tasks"
                self._celery = ForkModel(PER_JOB, "Celery prefork child", f"worker_max_tasks_per_child={limit} replaces the child {every}")
            else:
                self._celery = ForkModel(PER_CHILD, "Celery prefork child", "Celery's prefork children are reused for many tasks")
        return self._celery

    def global_start_method(self) -> str | None:
        if self._start_method is False:
            self._start_method = None
            for module, fn, call in all_calls(self.project):
                if self.project.call_target(fn, module, call) in MP_SET_START and call.args:
                    arg = call.args[0]
                    if isinstance(arg, Const) and isinstance(arg.value, str):
                        self._start_method = arg.value
        return self._start_method  # type: ignore[return-value]

    def start_method_model(self, module: Module, fn: FunctionRef | None, func: Val, model: ForkModel) -> ForkModel:
        method = _context_method(self.project, module, fn, func) or self.global_start_method()
        if method in ("spawn", "forkserver"):
            return ForkModel(NO_FORK, model.child, f"the {method} start method starts a fresh interpreter")
        return model

    def pool(self, module: Module, fn: FunctionRef | None, call: Call) -> ForkModel:
        creation = _creation_call(self.project, module, fn, call.func)
        model = ForkModel(PER_CHILD, "multiprocessing pool worker", "a Pool reuses its workers")
        if creation is not None:
            limit = creation.arg(3, "maxtasksperchild")
            if isinstance(limit, Const) and isinstance(limit.value, int) and limit.value <= PER_JOB_MAX_TASKS:
                model = ForkModel(PER_JOB, "multiprocessing pool worker", f"maxtasksperchild={limit.value} replaces the worker after {limit.value} task(s)")
            return self.start_method_model(module, fn, creation.func, model)
        return self.start_method_model(module, fn, call.func, model)

    def executor(self, module: Module, fn: FunctionRef | None, call: Call) -> ForkModel:
        model = ForkModel(PER_CHILD, "ProcessPoolExecutor worker", "a ProcessPoolExecutor reuses its workers")
        creation = _creation_call(self.project, module, fn, call.func)
        if creation is not None:
            context = creation.kwarg("mp_context")
            if context is None and creation.kwarg("max_tasks_per_child") is not None:
                return ForkModel(NO_FORK, model.child, "max_tasks_per_child makes ProcessPoolExecutor use spawn")
            if isinstance(context, Call) and self.project.call_target(fn, module, context) in MP_GET_CONTEXT:
                method = _context_arg(context)
                if method in ("spawn", "forkserver"):
                    return ForkModel(NO_FORK, model.child, f"the {method} start method starts a fresh interpreter")
                return model
        return self.start_method_model(module, fn, call.func, model)


def _creation_call(project: Project, module: Module, fn: FunctionRef | None, func: Val) -> Call | None:
    """The call that built the receiver of `pool.map` (`Pool(...)`), when visible."""
    receiver: Val | None = None
    if isinstance(func, Dotted) and "." in func.name:
        name = func.name.rpartition(".")[0]
        scopes = [fn.facts] if fn else []
        for scope in scopes:
            for assign in reversed(scope.assigns):
                if assign.target == name:
                    receiver = assign.value
                    break
        if receiver is None:
            for assign in reversed(module.facts.assigns):
                if assign.target == name:
                    receiver = assign.value
                    break
    elif hasattr(func, "value"):
        receiver = func.value  # type: ignore[union-attr]
    return receiver if isinstance(receiver, Call) else None


def _context_arg(call: Call) -> str | None:
    arg = call.arg(0, "method")
    return arg.value if isinstance(arg, Const) and isinstance(arg.value, str) else None


def _context_method(project: Project, module: Module, fn: FunctionRef | None, func: Val) -> str | None:
    """`get_context("spawn").Pool` or `ctx.Pool` after `ctx = get_context("spawn")`."""
    creation = _creation_call(project, module, fn, func)
    if creation is None and isinstance(func, Call):
        creation = func
    if creation is not None and project.call_target(fn, module, creation) in MP_GET_CONTEXT:
        return _context_arg(creation)
    if isinstance(func, Dotted) and "." in func.name:
        owner = func.name.rpartition(".")[0]
        for scope_assigns in ((fn.facts.assigns if fn else ()), module.facts.assigns):
            for assign in reversed(scope_assigns):
                if assign.target == owner and isinstance(assign.value, Call):
                    if project.resolve(module, fn.facts if fn else None, assign.value.func) in MP_GET_CONTEXT:
                        return _context_arg(assign.value)
    return None


def rq_worker_calls(project: Project) -> list[tuple[str, Module, FunctionRef | None, Call]]:
    """Every `Worker(...).work()` in the project: (forking|simple, module, function, call)."""
    found = []
    for module, fn, call in all_calls(project):
        target = project.call_target(fn, module, call)
        if target is None or not target.endswith(".work"):
            continue
        if instance_attr(project, target, RQ_NON_FORKING_WORKERS, {"work"}):
            found.append(("simple", module, fn, call))
        elif instance_attr(project, target, RQ_FORKING_WORKERS, {"work"}) or target.removesuffix(".work") in RQ_WORKER_FACTORIES:
            found.append(("fork", module, fn, call))
    return found


def celery_max_tasks_per_child(project: Project) -> int | None:
    """`worker_max_tasks_per_child` from config assignments, `conf.update(...)` or the CLI."""
    for module in project.modules.values():
        for assign in module.facts.assigns:
            if assign.target.rpartition(".")[2] in CELERY_MAX_TASKS_KEYS and isinstance(assign.value, Const):
                if isinstance(assign.value.value, int):
                    return assign.value.value
        for call in module.facts.calls:
            for key, value in call.kwargs:
                if key in CELERY_MAX_TASKS_KEYS and isinstance(value, Const) and isinstance(value.value, int):
                    return value.value
    return _celery_cli_max_tasks(project)


def _celery_cli_max_tasks(project: Project) -> int | None:
    import re

    pattern = re.compile(r"celery\b[^\n]*\bworker\b[^\n]*--max-tasks-per-child[= ](\d+)")
    for name in ("Procfile", "docker-compose.yml", "docker-compose.yaml", "Makefile", "supervisord.conf"):
        path = project.root / name
        if path.is_file():
            match = pattern.search(path.read_text(encoding="utf-8", errors="replace"))
            if match:
                return int(match.group(1))
    return None


def celery_signal_handlers(project: Project, signals: frozenset[str]) -> list[FunctionRef]:
    """Functions connected to a Celery signal with `@signal.connect` (or `.connect(f)`)."""
    handlers = []
    for fn in project.iter_functions():
        for decorator in fn.facts.decorators:
            func = decorator.func if isinstance(decorator, Call) else decorator
            target = project.resolve(fn.module, None, func)
            if target and target.removesuffix(".connect") in signals and target.endswith(".connect"):
                handlers.append(fn)
    for module, fn, call in all_calls(project):
        target = project.call_target(fn, module, call)
        if target and target.endswith(".connect") and target.removesuffix(".connect") in signals and call.args:
            handler = project.resolve(module, fn.facts if fn else None, call.args[0])
            if handler in project.functions:
                handlers.append(project.functions[handler])
    return handlers


def modules_creating(project: Project, classes: frozenset[str]) -> list[Module]:
    """Modules that instantiate one of `classes` at import: a Celery app (the worker's
    `-A` module), a Huey instance (`huey_consumer.py module.huey`)."""
    found = []
    for module in project.modules.values():
        for call in module.facts.calls:
            target = project.call_target(None, module, call)
            if target and (target in classes or project.is_subclass(target, classes)):
                found.append(module)
                break
    return found


def rq_worker_class_modules(project: Project) -> list[Module]:
    """Modules defining a Worker subclass: `rq worker -w` imports them in the parent."""
    return [
        cls.module for cls in project.classes.values()
        if project.is_subclass(cls.qualified, RQ_FORKING_WORKERS) and cls.qualified not in RQ_FORKING_WORKERS
    ]
