"""Celery: `@app.task` / `@shared_task` / `Task` subclasses, the prefork pool.

The worker imports the app (`-A`) and every task module, sends `worker_init` in the
parent, then forks the pool; children are replaced every `worker_max_tasks_per_child`
tasks (never by default) and run `worker_process_init` when they start.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Hashable, Iterator, Sequence

from ..facts import Call, Const
from ..project import FunctionRef, Project
from .base import (
    PER_CHILD, PER_JOB, PER_JOB_MAX_TASKS, Adapter, ChildHook, ForkModel, ForkModels, Job, Launch, all_calls, as_int,
    instance_attr, modules_creating, options, program,
)

if TYPE_CHECKING:
    from ..prefork import Parent, Parents

CELERY_APPS = frozenset({"celery.Celery", "celery.app.Celery", "celery.app.base.Celery"})
CELERY_SHARED_TASK = frozenset({"celery.shared_task", "celery.app.shared_task"})
CELERY_TASK_BASES = frozenset({"celery.Task", "celery.app.task.Task"})
CELERY_PARENT_SIGNALS = frozenset({"celery.signals.worker_init", "celery.signals.celeryd_init"})
CELERY_CHILD_SIGNALS = frozenset({"celery.signals.worker_process_init"})
CELERY_MAX_TASKS_KEYS = ("worker_max_tasks_per_child", "CELERYD_MAX_TASKS_PER_CHILD", "max_tasks_per_child")


class Celery(Adapter):
    name = "celery"
    title = "Celery"
    flavours = ("celery",)

    def decorator_flavour(self, project: Project, base: str) -> str | None:
        if base in CELERY_SHARED_TASK or instance_attr(project, base, CELERY_APPS, {"task"}):
            return "celery"
        return None

    def method_job(self, project: Project, owner: str, method: str) -> str | None:
        if method == "run" and project.is_subclass(owner, CELERY_TASK_BASES):
            return "celery.Task subclass"
        return None

    def fork_model(self, models: ForkModels, flavour: str) -> ForkModel:
        return models.memo("celery", lambda: self._fork_model(models.project))  # type: ignore[return-value]

    def _fork_model(self, project: Project) -> ForkModel:
        limit = max_tasks_per_child(project)
        if limit is not None and limit <= PER_JOB_MAX_TASKS:
            every = "every task" if limit == 1 else f"every {limit} tasks"
            return ForkModel(PER_JOB, "Celery prefork child", f"worker_max_tasks_per_child={limit} replaces the child {every}")
        return ForkModel(PER_CHILD, "Celery prefork child", "Celery's prefork children are reused for many tasks")

    def parent_key(self, parents: "Parents", job: Job) -> Hashable:
        return "celery"

    def build_parent(self, parents: "Parents", key: Hashable, job: Job) -> "Parent":
        from ..prefork import Parent, PreforkPlace, Simulator

        project = parents.project
        sim = Simulator(project, lambda *_: False)
        apps = modules_creating(project, CELERY_APPS)
        for module in apps:
            sim.load(module.name)
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
        return Parent([sim.state], known=bool(apps))

    def child_hook(self, flavour: str) -> str | None:
        return "a @worker_process_init.connect handler"

    def child_hooks(self, project: Project) -> Iterator[ChildHook]:
        parent_hooks = tuple(signal_handlers(project, CELERY_PARENT_SIGNALS))
        for hook in signal_handlers(project, CELERY_CHILD_SIGNALS):
            yield ChildHook(hook, "in every Celery prefork child (worker_process_init)",
                            "a @worker_init.connect handler (the parent)", parent_hooks)

    def launch(self, argv: Sequence[str]) -> Launch | None:
        """`celery -A proj worker --pool prefork -c 4 --max-tasks-per-child 1`."""
        prog, args = program(argv)
        if prog.endswith("manage.py") and args and args[0] == "celery":  # django-celery's old command
            prog, args = "celery", args[1:]
        if prog != "celery":
            return None
        flags = {"-A": "app", "--app": "app", "-P": "pool", "--pool": "pool", "-c": "concurrency",
                 "--concurrency": "concurrency", "--max-tasks-per-child": "max", "--maxtasksperchild": "max",
                 "-Q": "queues", "--queues": "queues", "-l": "level", "--loglevel": "level", "-b": "broker",
                 "--broker": "broker", "--config": "config", "--workdir": "workdir", "-n": "hostname",
                 "--hostname": "hostname", "--autoscale": "autoscale", "--max-memory-per-child": "mem",
                 "-O": "optimization", "--result-backend": "backend", "--logfile": "logfile", "-f": "logfile",
                 "--pidfile": "pidfile", "-E": "events", "-s": "schedule"}
        switches = frozenset({"-B", "--beat", "-E", "--task-events", "--without-gossip", "--without-mingle",
                              "--without-heartbeat", "-D", "--detach", "--purge", "--quiet", "-q"})
        found, words = options(args, flags, switches)
        if "worker" not in words:
            return None
        return Launch("celery", app=found.get("app"), settings_module=found.get("config"), pool=found.get("pool"),
                      concurrency=as_int(found.get("concurrency")), max_tasks_per_child=as_int(found.get("max")),
                      queues=tuple(q for q in found.get("queues", "").split(",") if q))


def max_tasks_per_child(project: Project) -> int | None:
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
    return _cli_max_tasks(project)


def _cli_max_tasks(project: Project) -> int | None:
    pattern = re.compile(r"celery\b[^\n]*\bworker\b[^\n]*--max-tasks-per-child[= ](\d+)")
    for name in ("Procfile", "docker-compose.yml", "docker-compose.yaml", "Makefile", "supervisord.conf"):
        path = project.root / name
        if path.is_file():
            match = pattern.search(path.read_text(encoding="utf-8", errors="replace"))
            if match:
                return int(match.group(1))
    return None


def signal_handlers(project: Project, signals: frozenset[str]) -> list[FunctionRef]:
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
