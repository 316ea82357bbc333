"""RQ, and the flavours built on it (django-rq, Flask-RQ2, project job decorators).

RQ's forking `Worker` forks a work horse for every job (rq/worker/base.py
`execute_job` → `fork_work_horse`); the horse imports the job's module by name
(rq/job.py `Job.func`). `SimpleWorker` runs jobs in-process, `SpawnWorker` spawns a
fresh interpreter: nothing per-fork repeats there.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Hashable, Iterator, Sequence
from typing import Mapping as EnvMapping

from ..facts import Call, Dotted, Mapping, Seq, Val
from ..project import FunctionRef, Module, Project
from .base import (
    NO_ENV, NO_FORK, PER_JOB, Adapter, CallJob, ChildHook, ForkModel, ForkModels, Job, Launch, all_calls, as_int,
    const_str, creation_call, instance_attr, parse_args, program, spellings, without,
)
from .clis import DJANGO_MANAGE, django_settings_module, installed_apps, run_before_command
from .django import run_django_parent
from .launch_lines import project_launches

if TYPE_CHECKING:
    from ..prefork import Parent, Parents

RQ_JOB_DECORATORS = frozenset({"rq.decorators.job"})
DJANGO_RQ_JOB_DECORATORS = frozenset({"django_rq.job", "django_rq.decorators.job"})
FLASK_RQ2 = frozenset({"flask_rq2.RQ", "flask_rq2.app.RQ"})
RQ_QUEUES = frozenset({"rq.Queue", "rq.queue.Queue"})
RQ_QUEUE_FACTORIES = frozenset({"django_rq.get_queue()", "django_rq.queues.get_queue()"})
RQ_FORKING_WORKERS = frozenset(
    {"rq.Worker", "rq.worker.Worker", "rq.worker.worker_classes.Worker", "rq.HerokuWorker",
     "rq.worker.HerokuWorker", "rq.worker.RoundRobinWorker", "rq.worker.RandomWorker", "rq.RoundRobinWorker",
     "rq.RandomWorker"}
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
# rq-scheduler: Scheduler(...).enqueue_in(timedelta, func), .enqueue_at, .schedule, .cron
RQ_SCHEDULERS = frozenset({"rq_scheduler.Scheduler", "rq_scheduler.scheduler.Scheduler"})
RQ_SCHEDULER_METHODS = {"enqueue_in": (1, "func"), "enqueue_at": (1, "func"), "schedule": (1, "func"), "cron": (1, "func")}
DJANGO_RQ_ENQUEUE = frozenset({"django_rq.enqueue", "django_rq.queues.enqueue"})
RQ_JOB_CREATE = frozenset({"rq.job.Job.create", "rq.Job.create"})
# Worker methods that run in the work horse, after the fork (rq/worker/base.py).
RQ_HORSE_METHODS = ("perform_job", "main_work_horse", "setup_work_horse", "prepare_job_execution",
                    "handle_job_success", "handle_job_failure")
# Worker methods that run in the parent before (or between) forks, in the order the
# parent first runs them: built, `work()` → `bootstrap` → `register_birth`, the loop's
# heartbeat and maintenance, then `execute_job` up to `fork_work_horse`'s os.fork().
RQ_PARENT_METHODS = ("__init__", "work", "bootstrap", "register_birth", "subscribe", "heartbeat",
                     "maintain_heartbeats", "run_maintenance_tasks", "clean_registries",
                     "dequeue_job_and_maintain_ttl", "execute_job", "prepare_execution", "fork_work_horse")
# Overriding one of these without reaching os.fork() (a greenlet, in-process) means no fork.
RQ_FORKING_METHODS = ("execute_job", "fork_work_horse")
RQ_DEFAULT_WORKER = "rq.Worker"


@dataclass(frozen=True)
class WorkerEntry:
    """One way the project starts an RQ worker: a `.work()` call or a launch line."""

    worker_class: str  # canonical, "rq.Worker" when not given
    forks: bool
    script: tuple[Module, FunctionRef | None, Call] | None = None
    launch: Launch | None = None
    queues: tuple[str, ...] | None = None  # the queues it consumes; None when not known

    def consumes(self, queue: str) -> bool:
        """Might this worker take jobs from `queue`? (Unknown queues: it might.)"""
        return self.queues is None or queue in self.queues


class RQ(Adapter):
    name = "rq"
    title = "RQ"
    flavours = ("rq", "django-rq", "flask-rq2", "custom")
    imports_job_module_in_child = True

    # -- jobs --------------------------------------------------------------------------

    def decorator_flavour(self, project: Project, base: str) -> str | None:
        if base in RQ_JOB_DECORATORS or project.is_subclass(base, RQ_JOB_DECORATORS):
            return "rq"  # rq's `job` or a project subclass (also through functools.partial)
        if base in DJANGO_RQ_JOB_DECORATORS:
            return "django-rq"
        if base in project.config.job_decorators:
            return "custom"
        if instance_attr(project, base, FLASK_RQ2, {"job"}):
            return "flask-rq2"
        return None

    def call_jobs(self, project: Project, module: Module, fn: FunctionRef | None, call: Call,
                  target: str, models: ForkModels) -> Iterator[CallJob]:
        method = target.rpartition(".")[2]
        if method in RQ_ENQUEUE and _is_rq_queue(project, target):
            index, keyword = RQ_ENQUEUE[method]
            flavour = "django-rq" if target.startswith("django_rq") else "rq"
            queue = enqueued_queue(project, module, fn, call)
            yield flavour, f"Queue.{method}", call.arg(index, keyword), self.queue_fork_model(models, queue)
        elif target in DJANGO_RQ_ENQUEUE:
            yield "django-rq", "django_rq.enqueue", call.arg(0, "func"), self.queue_fork_model(models, RQ_DEFAULT_QUEUE)
        elif target in RQ_JOB_CREATE:
            yield "rq", "Job.create", call.arg(0, "func"), self.fork_model(models, "rq")
        elif instance_attr(project, target, RQ_SCHEDULERS, set(RQ_SCHEDULER_METHODS)):
            index, keyword = RQ_SCHEDULER_METHODS[method]
            func = call.arg(index, keyword)
            if func is None and call.starred:
                # `scheduler.schedule(**definition)`: the module's table of keyword dicts
                # (`{"func": cleanup, "interval": 60}`) says which functions it submits.
                for value in _keyword_table_values(module, keyword):
                    yield "rq", f"Scheduler.{method}(**{{{keyword!r}: ...}})", value, self.fork_model(models, "rq")
            else:
                yield "rq", f"Scheduler.{method}", func, self.fork_model(models, "rq")

    def fork_model(self, models: ForkModels, flavour: str) -> ForkModel:
        return models.memo("rq", lambda: self._fork_model(models.project))  # type: ignore[return-value]

    def job_call(self, project: Project, module: Module, fn: FunctionRef | None, call: Call,
                 target: str) -> Call | None:
        """`q.enqueue(f, a, b)` runs `f(a, b)` in the horse; with `args=`/`kwargs=` given
        (rq's Queue.parse_args takes them as the job's arguments, then no other positional
        one), `f(*args, **kwargs)`; `enqueue_call(f, args=..., kwargs=...)` likewise."""
        method = target.rpartition(".")[2]
        if method not in RQ_ENQUEUE or not _is_rq_queue(project, target):
            return None
        index, keyword = RQ_ENQUEUE[method]
        func = call.arg(index, keyword)
        if func is None:
            return None
        given, named = call.kwarg("args"), call.kwarg("kwargs")
        if given is None and named is None and method != "enqueue_call":
            if call.starred:
                return None
            return replace(call, func=func, args=call.args[index + 1:],
                           kwargs=tuple((k, v) for k, v in call.kwargs if k not in _RQ_ENQUEUE_OPTIONS and k != keyword))
        args = _local_value(module, fn, given) if given is not None else Seq(())
        kwargs = _local_value(module, fn, named) if named is not None else Mapping(())
        if not isinstance(args, Seq) or not isinstance(kwargs, Mapping) or kwargs.others:
            return replace(call, func=func, args=args.items if isinstance(args, Seq) else (), kwargs=(), starred=True)
        return replace(call, func=func, args=args.items, kwargs=kwargs.items, starred=False)

    def queue_fork_model(self, models: ForkModels, queue: str | None) -> ForkModel:
        """The fork model of a job put on `queue`: the workers that consume it decide.

        Where every worker that may consume the queue runs jobs without forking, nothing
        is redone per fork. A queue no worker is seen to consume, or an unknown queue,
        gets the project's model."""
        project_model = self.fork_model(models, "rq")
        if queue is None or project_model.kind == NO_FORK:
            return project_model

        def compute() -> ForkModel:
            consumers = [entry for entry in worker_entries(models.project) if entry.consumes(queue)]
            if consumers and not any(entry.forks for entry in consumers):
                return ForkModel(NO_FORK, "RQ worker", f"the RQ workers that consume the {queue!r} queue do not fork")
            return project_model

        return models.memo(("rq-queue", queue), compute)  # type: ignore[return-value]

    def _fork_model(self, project: Project) -> ForkModel:
        entries = worker_entries(project)
        if entries and not any(entry.forks for entry in entries):
            return ForkModel(NO_FORK, "RQ worker", "the project's RQ workers do not fork (SimpleWorker, SpawnWorker or a non-forking Worker subclass)")
        return ForkModel(PER_JOB, "RQ work horse", "RQ's Worker forks a new work horse for every job")

    # -- parent and children -----------------------------------------------------------

    def _workers(self, parents: "Parents") -> list[WorkerEntry]:
        return parents.memo("rq-workers", lambda: [w for w in worker_entries(parents.project) if w.forks])

    def parent_key(self, parents: "Parents", job: Job) -> Hashable:
        if not self._workers(parents) and not parents.project.config.prefork_modules:
            return ("assumed", job.function.module.name)
        return ("rq", self._consumers(parents, job))

    def _consumers(self, parents: "Parents", job: Job) -> tuple[int, ...]:
        """The forking workers (by index) that take this job: those that consume the queue
        it is enqueued on, where the code shows the queue and some worker consumes it."""
        from ..prefork import enclosing

        workers = self._workers(parents)
        everyone = tuple(range(len(workers)))
        if job.site is None:
            return everyone
        module, call = job.site
        queue = enqueued_queue(parents.project, module, enclosing(parents.project, module, call), call)
        taking = tuple(i for i, entry in enumerate(workers) if queue is None or entry.consumes(queue))
        return taking or everyone

    def build_parent(self, parents: "Parents", key: Hashable, job: Job) -> "Parent":
        from ..prefork import Parent, ParentState, PreforkPlace, Simulator

        project = parents.project
        if isinstance(key, tuple) and key[0] == "assumed":
            sim = Simulator(project, lambda *_: False)
            sim.load(job.function.module.name)
            module = job.function.module
            sim.state.place = PreforkPlace("assumed", module, None, 0, f"the worker's parent (no worker entry found; assumed to import {module.name})")
            return Parent([sim.state], known=False)
        states: list[ParentState] = []
        workers = self._workers(parents)
        for entry in (workers[i] for i in key[1]) if isinstance(key, tuple) else workers:
            if entry.script is not None:
                module, fn, call = entry.script
                fork_pos = call.pos
                sim = Simulator(project, lambda m, c, t, m0=module, p=fork_pos: m is m0 and c.pos == p)
                self._preload(project, sim)
                sim.load(module.name, as_main=True)
                if not sim.forked and fn is not None:
                    run_before_command(project, sim, fn)
                    sim.run(fn, until_line=call.pos.line)
                _run_parent_methods(project, sim, entry.worker_class)
                sim.state.place = PreforkPlace(
                    "worker-script", module, fn, call.pos.line, f"{module.display}:{call.pos.line}, before .work()"
                )
            else:
                sim = Simulator(project, lambda *_: False)
                self._preload(project, sim)
                launch = entry.launch
                sim.state.launch = launch
                django = launch is not None and launch.framework == "django-rq"
                settings = project.module(launch.settings_module) if launch and launch.settings_module and not django else None
                if settings is not None:
                    sim.load(settings.name)
                if django:
                    # `manage.py rqworker` runs django.setup() with the line's --settings or
                    # DJANGO_SETTINGS_MODULE, then the system checks, as every management command does.
                    run_django_parent(project, sim, launch.settings_module)  # type: ignore[union-attr]
                sim.load(entry.worker_class.rpartition(".")[0])
                _run_parent_methods(project, sim, entry.worker_class)
                if settings is not None:
                    sim.state.place = PreforkPlace("settings-module", settings, None, 0, f"the worker's settings module {settings.name} (`rq worker -c`)")
                else:
                    where = ("an AppConfig.ready() of an installed app (`manage.py rqworker` runs django.setup() in the worker's parent)"
                             if django else "a settings module passed to `rq worker -c` (it runs in the worker's parent)")
                    sim.state.place = PreforkPlace("launch-line", job.function.module, None, 0, where)
            states.append(sim.state)
        if not states:
            sim = Simulator(project, lambda *_: False)
            self._preload(project, sim)
            first = project.module(project.config.prefork_modules[0])
            if first is not None:
                sim.state.place = PreforkPlace("settings-module", first, None, 0, f"the prefork module {first.name}")
            states.append(sim.state)
        return Parent(states, known=True)

    @staticmethod
    def _preload(project: Project, sim) -> None:
        for name in project.config.prefork_modules:
            sim.load(name)
        for module in worker_class_modules(project):
            sim.load(module.name)

    def child_hooks(self, project: Project) -> Iterator[ChildHook]:
        for cls in project.classes.values():
            if cls.qualified in RQ_FORKING_WORKERS or not project.is_subclass(cls.qualified, RQ_FORKING_WORKERS):
                continue
            if not worker_forks(project, cls.qualified):
                continue  # its "horse" methods run in the worker process itself
            for method in RQ_HORSE_METHODS:
                fn = project.functions.get(f"{cls.qualified}.{method}")
                if fn is not None:
                    yield ChildHook(fn, f"in every RQ work horse ({method} runs after the fork)",
                                    "the worker script before .work(), or Worker.work()")

    # -- launching ---------------------------------------------------------------------

    def launch(self, argv: Sequence[str], env: EnvMapping[str, str] = NO_ENV) -> Launch | None:
        """`rq worker [-w CLASS] [-c SETTINGS] [-j JOB_CLASS] QUEUES...` (and `rq worker-pool`,
        rq < 0.4's `rqworker`), django-rq's `manage.py rqworker`, Flask-RQ2's `flask rq worker`."""
        prog, args = program(argv)
        if prog == "rqworker":
            return _rq_worker("rq", args, env)
        if prog in ("rq", "rq.cli") and args[:1] in (["worker"], ["worker-pool"]):
            if args[0] == "worker":
                args = without(args, ("-n",))  # `worker -n` is --name, `worker-pool -n` the size
            return _rq_worker("rq", args[1:], env)
        if prog in DJANGO_MANAGE and args[:1] in (["rqworker"], ["rqworker-pool"]):
            rest = args[1:]
            django = parse_args(rest, _DJANGO_VALUES, {})
            settings = django.options.get("settings") or env.get("DJANGO_SETTINGS_MODULE")
            launch = _rq_worker("django-rq", without(rest, ("--settings", "--pythonpath")), env, settings_module=settings)
            if launch.worker_class is None:
                # Without --worker-class, settings.RQ["WORKER_CLASS"] decides: read by worker_entries.
                launch = replace(launch, forks=None)
            return launch
        if prog == "flask":
            parsed = parse_args(args, spellings(app="-A --app", env_file="-e --env-file"), spellings(flag="--debug --no-debug"))
            if parsed.positional[:2] != ["rq", "worker"]:
                return None
            start = args.index("worker", args.index("rq")) + 1
            return _rq_worker("flask-rq2", args[start:], env, app=parsed.options.get("app") or env.get("FLASK_APP") or None)
        return None


_DJANGO_VALUES = spellings(settings="--settings", pythonpath="--pythonpath", verbosity="-v --verbosity")
_RQ_VALUES = spellings(
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
_RQ_FLAGS = spellings(
    burst="-b --burst", flag="-q --quiet -v --verbose -s --with-scheduler --disable-job-desc-logging "
    "--disable-default-exception-handler --maintenance-interval",
)


def _rq_forks(worker_class: str | None) -> bool | None:
    """What a `-w` class says about forking, before the project's classes are read."""
    if worker_class is None or worker_class in RQ_FORKING_WORKERS:
        return True
    if worker_class in RQ_NON_FORKING_WORKERS:
        return False
    return None  # a project's own class: its base decides (worker_forks)


def _rq_worker(flavour: str, arguments: Sequence[str], env: EnvMapping[str, str], **fields: object) -> Launch:
    parsed = parse_args(arguments, _RQ_VALUES, _RQ_FLAGS)
    worker_class = parsed.options.get("worker_class") or env.get("RQ_WORKER_CLASS") or None
    values: dict[str, object] = dict(
        framework=flavour,
        worker_class=worker_class,
        job_class=parsed.options.get("job_class"),
        settings_module=parsed.options.get("settings"),
        queues=tuple(parsed.positional),
        concurrency=as_int(parsed.options.get("num_workers")),
        forks=_rq_forks(worker_class),
    )
    values.update({k: v for k, v in fields.items() if v is not None})
    return Launch(**values)  # type: ignore[arg-type]


# Keywords rq's Queue.enqueue keeps for itself (Queue.parse_args): not the job's arguments.
_RQ_ENQUEUE_OPTIONS = frozenset(
    {"job_timeout", "timeout", "description", "result_ttl", "ttl", "failure_ttl", "depends_on", "job_id", "at_front",
     "meta", "retry", "on_success", "on_failure", "on_stopped", "pipeline", "group_id", "repeat", "args", "kwargs"}
)


def _local_value(module: Module, fn: FunctionRef | None, value: Val) -> Val:
    """A name's value where the function (or module) assigns it once: `task_args = (...)`."""
    if not isinstance(value, Dotted) or "." in value.name:
        return value
    scope = fn.facts.assigns if fn is not None else module.facts.assigns
    assigned = [a.value for a in scope if a.target == value.name]
    return assigned[0] if len(assigned) == 1 else value


def _is_rq_queue(project: Project, target: str) -> bool:
    owner = target.rpartition(".")[0]
    if owner in RQ_QUEUES or owner in RQ_QUEUE_FACTORIES:  # Queue.prepare_data(...) on the class
        return True
    if owner.endswith(".get_queue()"):  # Flask-RQ2: rq.get_queue().enqueue(...)
        app = owner.removesuffix(".get_queue()").removesuffix("()")
        if app in FLASK_RQ2 or project.is_subclass(app, FLASK_RQ2):
            return True
    return instance_attr(project, target, RQ_QUEUES, set(RQ_ENQUEUE)) is not None


def worker_calls(project: Project) -> list[tuple[str, Module, FunctionRef | None, Call]]:
    """Every `Worker(...).work()` in the project: (fork|simple, module, function, call)."""
    found = []
    for module, fn, call in all_calls(project):
        target = project.call_target(fn, module, call)
        if target is None or not target.endswith(".work"):
            continue
        if instance_attr(project, target, RQ_NON_FORKING_WORKERS, {"work"}):
            found.append(("simple", module, fn, call))
        elif instance_attr(project, target, RQ_FORKING_WORKERS, {"work"}):
            owner = target.rpartition("().")[0]
            found.append(("fork" if worker_forks(project, owner) else "simple", module, fn, call))
        elif target.removesuffix(".work") in RQ_WORKER_FACTORIES:
            found.append(("fork", module, fn, call))
        elif _own_worker_class(project, fn, target.removesuffix(".work")):
            owner = target.removesuffix(".work")
            found.append(("fork" if worker_forks(project, owner) else "simple", module, fn, call))
    return found


def _own_worker_class(project: Project, fn: FunctionRef | None, owner: str) -> bool:
    """`worker.work()` resolved to the project Worker subclass's own `work` (it overrides
    it), outside that class's methods (where `Worker.work(self)` is a super call)."""
    if owner not in project.classes or not project.is_subclass(owner, RQ_FORKING_WORKERS | RQ_NON_FORKING_WORKERS):
        return False
    return fn is None or fn.facts.class_name is None or not project.is_subclass(
        f"{fn.module.name}.{fn.facts.class_name}", RQ_FORKING_WORKERS | RQ_NON_FORKING_WORKERS)


def worker_entries(project: Project) -> list[WorkerEntry]:
    """Every way the project starts an RQ worker, with the worker class each one runs."""
    entries = []
    configured = configured_worker_class(project)
    for kind, module, fn, call in worker_calls(project):
        target = project.call_target(fn, module, call) or ""
        owner = target.rpartition("().")[0] if "()." in target else ""
        if not owner and _own_worker_class(project, fn, target.removesuffix(".work")):
            owner = target.removesuffix(".work")
        if target.removesuffix(".work") in RQ_WORKER_FACTORIES:  # django_rq.get_worker(...).work()
            creation = creation_call(project, module, fn, call.func)
            given = _class_name(project, module, fn, creation.kwarg("worker_class")) if creation is not None else None
            owner = given or configured or RQ_DEFAULT_WORKER
        forks = kind == "fork" and worker_forks(project, owner)
        queues = _worker_queues(project, module, fn, call)
        entries.append(WorkerEntry(owner or RQ_DEFAULT_WORKER, forks, script=(module, fn, call), queues=queues))
    for launch in project_launches(project):
        if launch.framework not in RQ.flavours:
            continue
        given = launch.worker_class or (configured if launch.framework == "django-rq" else None)
        name = project.canonical(given) if given else RQ_DEFAULT_WORKER
        entries.append(WorkerEntry(name, worker_forks(project, name), launch=launch, queues=_launch_queues(launch)))
    if not entries and uses_django_rq(project):
        # No worker script and no launch line read: a django-rq project's workers are
        # `manage.py rqworker` (django-rq's documented way), so model that command.
        name = configured or RQ_DEFAULT_WORKER
        entries.append(WorkerEntry(name, worker_forks(project, name), launch=Launch("django-rq")))
    return entries


# --- which queue a job goes to, which queues a worker consumes --------------------------

RQ_DEFAULT_QUEUE = "default"  # `Queue()` and `rq worker` without queues


def enqueued_queue(project: Project, module: Module, fn: FunctionRef | None, call: Call) -> str | None:
    """The name of the queue `q.enqueue(...)` puts its job on, where the code shows it:
    `Queue("high")`, or a project factory `get_queue(name="default")` returning `Queue(name)`."""
    return _queue_name(project, module, fn, creation_call(project, module, fn, call.func))


def _queue_name(project: Project, module: Module, fn: FunctionRef | None, built: Val | None, depth: int = 0) -> str | None:
    if not isinstance(built, Call):
        return None
    target = project.call_target(fn, module, built) or ""
    if target in RQ_QUEUES or project.is_subclass(target, RQ_QUEUES) or f"{target}()" in RQ_QUEUE_FACTORIES:
        name = built.arg(0, "name")
        return RQ_DEFAULT_QUEUE if name is None else const_str(name)
    factory = project.functions.get(target)
    if factory is None or depth > 2 or len(factory.facts.returns) != 1:
        return None
    (returned,) = factory.facts.returns
    if not isinstance(returned, Call):
        return None
    name = _queue_name(project, factory.module, factory, returned, depth + 1)
    if name is not None or not (project.call_target(factory, factory.module, returned) or "") in RQ_QUEUES:
        return name
    # `return Queue(name)`: the factory's parameter, as this call (or its default) gives it.
    given = returned.arg(0, "name")
    if isinstance(given, Dotted) and given.name in factory.facts.params:
        index = factory.facts.params.index(given.name) - project.bound_arguments(factory, fn, module, built)
        value = built.arg(index, given.name) if not built.starred else None
        if value is None:
            value = dict(factory.facts.defaults).get(given.name)
        return const_str(value)
    return None


def _keyword_table_values(module: Module, keyword: str) -> list[Dotted]:
    """The names under `keyword` in the dict displays written in `module`, at module level
    or in its functions, in assignments and call arguments (`jobs.append({...})`)."""
    found: list[Dotted] = []

    def walk(value: Val) -> None:
        if isinstance(value, Mapping):
            found.extend(item for key, item in value.items if key == keyword and isinstance(item, Dotted))
            for _, item in value.items:
                walk(item)
        elif isinstance(value, Seq):
            for item in value.items:
                walk(item)
        elif isinstance(value, Call):
            for item in (*value.args, *(v for _, v in value.kwargs)):
                walk(item)

    scopes = [(module.facts.assigns, module.facts.calls)]
    scopes += [(fn.assigns, fn.calls) for fn in module.facts.functions]
    for assigns, calls in scopes:
        for assign in assigns:
            walk(assign.value)
        for call in calls:
            walk(call)
    return list(dict.fromkeys(found))


def _worker_queues(project: Project, module: Module, fn: FunctionRef | None, work: Call) -> tuple[str, ...] | None:
    """The queues `Worker(queues).work()` consumes, when written as names or `Queue(...)`s."""
    built = creation_call(project, module, fn, work.func)
    if built is None:
        return None
    queues = built.arg(0, "queues")
    if isinstance(queues, Dotted) and "." not in queues.name:  # `queues = [...]; Worker(queues)`
        for scope in ([fn.facts.assigns] if fn else []) + [module.facts.assigns]:
            assigned = [a.value for a in scope if a.target == queues.name]
            if assigned:
                queues = assigned[-1]
                break
    items = queues.items if isinstance(queues, Seq) else (queues,)
    names = []
    for item in items:
        name = const_str(item) if not isinstance(item, Call) else _queue_name(project, module, fn, item)
        if name is None:
            return None
        names.append(name)
    return tuple(names) or None


def _launch_queues(launch: Launch) -> tuple[str, ...] | None:
    """The queues a launch line names (`rq worker high default`); `default` when none,
    unknown when a name is left to the environment (`$QUEUES`, `%(ENV_QUEUES)s`)."""
    if any("$" in queue or "%(" in queue for queue in launch.queues):
        return None
    return launch.queues or (RQ_DEFAULT_QUEUE,)


def uses_django_rq(project: Project) -> bool:
    """`django_rq` is an installed app of the project's DJANGO_SETTINGS_MODULE."""
    name = django_settings_module(project)
    settings = project.module(name) if name else None
    return settings is not None and "django_rq" in installed_apps(project, settings)


def configured_worker_class(project: Project) -> str | None:
    """django-rq's worker class setting: `RQ = {"WORKER_CLASS": ...}` or `RQ_WORKER_CLASS`."""
    for module in project.modules.values():
        for assign in module.facts.assigns:
            if assign.target == "RQ_WORKER_CLASS" and const_str(assign.value):
                return project.canonical(const_str(assign.value))  # type: ignore[arg-type]
            if assign.target == "RQ" and isinstance(assign.value, Mapping):
                for key, value in assign.value.items:
                    if key == "WORKER_CLASS" and const_str(value):
                        return project.canonical(const_str(value))  # type: ignore[arg-type]
    return None


def _class_name(project: Project, module: Module, fn: FunctionRef | None, value: Val | None) -> str | None:
    """A class given as a dotted string or as a name."""
    if value is None:
        return None
    text = const_str(value)
    if text is not None:
        return project.canonical(text)
    return project.resolve(module, fn.facts if fn else None, value)


def worker_forks(project: Project, qualified: str) -> bool:
    """Does this worker class fork a work horse per job?

    Not a SimpleWorker / SpawnWorker (or subclass), and no override of `execute_job` /
    `fork_work_horse` that runs the job without reaching os.fork() (a greenlet, in-process).
    """
    if qualified in RQ_NON_FORKING_WORKERS or project.is_subclass(qualified, RQ_NON_FORKING_WORKERS):
        return False
    for method in RQ_FORKING_METHODS:
        fn = project.find_method(qualified, method)
        if fn is not None and not _reaches_fork(project, fn):
            return False
    return True


def _is_fork_call(target: str) -> bool:
    return target == "os.fork" or target.rpartition(".")[2] in RQ_FORKING_METHODS


def _reaches_fork(project: Project, start: FunctionRef) -> bool:
    for name in project.reachable(start):
        fn = project.functions[name]
        for call in fn.facts.calls:
            target = project.call_target(fn, fn.module, call) or ""
            if _is_fork_call(target):
                return True
    return False


def _run_parent_methods(project: Project, sim, worker_class: str) -> None:
    """Run a project Worker subclass's parent-side methods in the simulated parent, in
    the order RQ's parent first runs them, up to the fork in `execute_job`."""
    if worker_class not in project.classes:
        return
    forked, is_fork = sim.forked, sim.is_fork
    sim.forked = None
    sim.is_fork = lambda module, call, target: _is_fork_call(target)
    for method in RQ_PARENT_METHODS:
        fn = project.find_method(worker_class, method)
        if fn is not None and not sim.forked:
            sim.run(fn)
    sim.forked, sim.is_fork = forked or sim.forked, is_fork


def worker_class_modules(project: Project) -> list[Module]:
    """Modules defining a Worker subclass: `rq worker -w` imports them in the parent."""
    return [
        cls.module for cls in project.classes.values()
        if project.is_subclass(cls.qualified, RQ_FORKING_WORKERS) and cls.qualified not in RQ_FORKING_WORKERS
    ]
