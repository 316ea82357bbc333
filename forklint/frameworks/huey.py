"""Huey: `@huey.task()` and djhuey's decorators; the consumer's process workers.

`huey_consumer.py module.huey -k process` imports the module holding the Huey
instance, then forks long-lived workers that run `on_startup` hooks first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Hashable, Iterator, Sequence

from ..facts import Call
from ..project import Project
from .base import (
    PER_CHILD, Adapter, ChildHook, ForkModel, ForkModels, Job, Launch, as_int, instance_attr, modules_creating, options,
    program,
)

if TYPE_CHECKING:
    from ..prefork import Parent, Parents

HUEY_CLASSES = frozenset(
    {f"huey.{name}" for name in ("Huey", "RedisHuey", "RedisExpireHuey", "PriorityRedisHuey",
                                 "PriorityRedisExpireHuey", "SqliteHuey", "MemoryHuey", "FileHuey")}
    | {"huey.api.Huey"}
)
HUEY_TASK_METHODS = frozenset({"task", "periodic_task", "context_task"})
HUEY_DJANGO = frozenset(
    {f"huey.contrib.djhuey.{name}" for name in ("task", "periodic_task", "db_task", "db_periodic_task", "on_commit_task")}
)


class Huey(Adapter):
    name = "huey"
    title = "Huey"
    flavours = ("huey",)

    def decorator_flavour(self, project: Project, base: str) -> str | None:
        if base in HUEY_DJANGO or instance_attr(project, base, HUEY_CLASSES, HUEY_TASK_METHODS):
            return "huey"
        return None

    def fork_model(self, models: ForkModels, flavour: str) -> ForkModel:
        return ForkModel(PER_CHILD, "Huey worker process", "Huey's process workers are forked once and reused")

    def build_parent(self, parents: "Parents", key: Hashable, job: Job) -> "Parent":
        from ..prefork import Parent, Simulator

        project = parents.project
        sim = Simulator(project, lambda *_: False)
        for module in modules_creating(project, HUEY_CLASSES):
            sim.load(module.name)
        for other in parents.jobs:
            if other.adapter is self:
                sim.load(other.function.module.name)
        return Parent([sim.state], known=True)

    def child_hook(self, flavour: str) -> str | None:
        return "an @huey.on_startup() hook"

    def child_hooks(self, project: Project) -> Iterator[ChildHook]:
        for fn in project.iter_functions():
            for decorator in fn.facts.decorators:
                func = decorator.func if isinstance(decorator, Call) else decorator
                target = project.resolve(fn.module, None, func)
                if target and instance_attr(project, target, HUEY_CLASSES, {"on_startup"}):
                    yield ChildHook(fn, "in every Huey worker (on_startup)", "the module that creates the Huey instance")

    def launch(self, argv: Sequence[str]) -> Launch | None:
        """`huey_consumer.py app.huey -k process -w 4`, `manage.py run_huey`."""
        prog, args = program(argv)
        flags = {"-k": "kind", "--worker-type": "kind", "-w": "workers", "--workers": "workers",
                 "-l": "logfile", "--logfile": "logfile", "-d": "delay", "--delay": "delay",
                 "-m": "max", "--max-delay": "max", "-b": "backoff", "--backoff": "backoff",
                 "-s": "interval", "--scheduler-interval": "interval"}
        if prog.endswith("manage.py") and args and args[0] == "run_huey":
            found, _ = options(args[1:], flags)
            return Launch("huey", pool=found.get("kind"), concurrency=as_int(found.get("workers")))
        if prog not in ("huey_consumer.py", "huey_consumer") and not prog.endswith("huey.bin.huey_consumer"):
            return None
        found, words = options(args, flags)
        if not words:
            return None
        return Launch("huey", app=words[0], pool=found.get("kind"), concurrency=as_int(found.get("workers")))
