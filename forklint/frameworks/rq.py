"""RQ, and the flavours built on it (django-rq, Flask-RQ2, project job decorators).

RQ's forking `Worker` forks a work horse for every job (rq/worker/base.py
`execute_job` → `fork_work_horse`); the horse imports the job's module by name
(rq/job.py `Job.func`). `SimpleWorker` runs jobs in-process, `SpawnWorker` spawns a
fresh interpreter: nothing per-fork repeats there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Hashable, Iterator, Sequence

from ..facts import Call
from ..project import FunctionRef, Module, Project
from .base import (
    NO_FORK, PER_JOB, Adapter, CallJob, ChildHook, ForkModel, ForkModels, Job, Launch, all_calls, instance_attr,
    options, program,
)

if TYPE_CHECKING:
    from ..prefork import Parent, Parents

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
# Worker methods that run in the work horse, after the fork.
RQ_HORSE_METHODS = ("perform_job", "main_work_horse")


class RQ(Adapter):
    name = "rq"
    title = "RQ"
    flavours = ("rq", "django-rq", "flask-rq2", "custom")
    imports_job_module_in_child = True

    # -- jobs --------------------------------------------------------------------------

    def decorator_flavour(self, project: Project, base: str) -> str | None:
        if base in RQ_JOB_DECORATORS:
            return "rq"
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
            yield flavour, f"Queue.{method}", call.arg(index, keyword), self.fork_model(models, flavour)
        elif target in DJANGO_RQ_ENQUEUE:
            yield "django-rq", "django_rq.enqueue", call.arg(0, "func"), self.fork_model(models, "django-rq")
        elif target in RQ_JOB_CREATE:
            yield "rq", "Job.create", call.arg(0, "func"), self.fork_model(models, "rq")

    def fork_model(self, models: ForkModels, flavour: str) -> ForkModel:
        return models.memo("rq", lambda: self._fork_model(models.project))  # type: ignore[return-value]

    def _fork_model(self, project: Project) -> ForkModel:
        kinds = {kind for kind, _, _, _ in worker_calls(project)}
        if kinds and kinds <= {"simple"}:
            return ForkModel(NO_FORK, "RQ worker", "the project's RQ worker is a SimpleWorker/SpawnWorker")
        return ForkModel(PER_JOB, "RQ work horse", "RQ's Worker forks a new work horse for every job")

    # -- parent and children -----------------------------------------------------------

    def _workers(self, parents: "Parents") -> list:
        return parents.memo("rq-workers", lambda: [w for w in worker_calls(parents.project) if w[0] == "fork"])

    def parent_key(self, parents: "Parents", job: Job) -> Hashable:
        if not self._workers(parents) and not parents.project.config.prefork_modules:
            return ("assumed", job.function.module.name)
        return "rq"

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
        for _, module, fn, call in self._workers(parents):
            fork_pos = call.pos
            sim = Simulator(project, lambda m, c, t, m0=module, p=fork_pos: m is m0 and c.pos == p)
            self._preload(project, sim)
            sim.load(module.name, as_main=True)
            if not sim.forked and fn is not None:
                sim.run(fn, until_line=call.pos.line)
            sim.state.place = PreforkPlace(
                "worker-script", module, fn, call.pos.line, f"{module.display}:{call.pos.line}, before .work()"
            )
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
            for method in RQ_HORSE_METHODS:
                fn = project.functions.get(f"{cls.qualified}.{method}")
                if fn is not None:
                    yield ChildHook(fn, f"in every RQ work horse ({method} runs after the fork)",
                                    "the worker script before .work(), or Worker.work()")

    # -- launching ---------------------------------------------------------------------

    def launch(self, argv: Sequence[str]) -> Launch | None:
        """`rq worker [-c settings] [-w pkg.Worker] [-u url] queue...`, `manage.py rqworker`."""
        prog, args = program(argv)
        flags = {"-c": "config", "--config": "config", "-w": "worker", "--worker-class": "worker",
                 "-u": "url", "--url": "url", "-P": "path", "--path": "path", "-j": "job", "--job-class": "job",
                 "--queue-class": "queue", "--serializer": "serializer", "-S": "serializer",
                 "--settings": "settings", "--name": "name", "-n": "name", "--logging_level": "level",
                 "--results-ttl": "ttl", "--worker-ttl": "ttl", "--job-monitoring-interval": "interval",
                 "--max-jobs": "max-jobs", "--max-idle-time": "idle", "--date-format": "fmt", "--log-format": "fmt",
                 "--exception-handler": "eh", "--pid": "pid", "--dequeue-strategy": "strategy"}
        switches = frozenset({"-b", "--burst", "-v", "--verbose", "-q", "--quiet", "--sentry-debug",
                              "--with-scheduler", "--disable-job-desc-logging", "--disable-default-exception-handler"})
        if prog == "rq" and args and args[0] == "worker":
            found, words = options(args[1:], flags, switches)
            return Launch("rq", worker_class=found.get("worker"), settings_module=found.get("config"), queues=tuple(words))
        if prog in ("rqworker",):
            found, words = options(args, flags, switches)
            return Launch("rq", worker_class=found.get("worker"), settings_module=found.get("config"), queues=tuple(words))
        if prog.endswith("manage.py") and args and args[0] in ("rqworker", "rqworker-pool"):
            found, words = options(args[1:], flags, switches)
            return Launch("django-rq", worker_class=found.get("worker"), settings_module=found.get("settings"),
                          queues=tuple(words))
        return None


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
        elif instance_attr(project, target, RQ_FORKING_WORKERS, {"work"}) or target.removesuffix(".work") in RQ_WORKER_FACTORIES:
            found.append(("fork", module, fn, call))
    return found


def worker_class_modules(project: Project) -> list[Module]:
    """Modules defining a Worker subclass: `rq worker -w` imports them in the parent."""
    return [
        cls.module for cls in project.classes.values()
        if project.is_subclass(cls.qualified, RQ_FORKING_WORKERS) and cls.qualified not in RQ_FORKING_WORKERS
    ]
