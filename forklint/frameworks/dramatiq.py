"""Dramatiq: `@dramatiq.actor`, `GenericActor` subclasses; long-lived worker processes.

The `dramatiq` CLI forks its worker processes before it imports the broker module
(dramatiq/cli.py), so its parent imports nothing of the project.
"""

from __future__ import annotations

from typing import Sequence

from ..project import Project
from .base import PER_CHILD, Adapter, ForkModel, ForkModels, Job, Launch, as_int, options, program

DRAMATIQ_ACTORS = frozenset({"dramatiq.actor", "dramatiq.actor.actor"})
DRAMATIQ_GENERIC = frozenset({"dramatiq.GenericActor", "dramatiq.generic.GenericActor"})


class Dramatiq(Adapter):
    name = "dramatiq"
    title = "Dramatiq"
    flavours = ("dramatiq",)

    def decorator_flavour(self, project: Project, base: str) -> str | None:
        return "dramatiq" if base in DRAMATIQ_ACTORS else None

    def method_job(self, project: Project, owner: str, method: str) -> str | None:
        if method == "perform" and project.is_subclass(owner, DRAMATIQ_GENERIC):
            return "dramatiq.GenericActor subclass"
        return None

    def fork_model(self, models: ForkModels, flavour: str) -> ForkModel:
        return ForkModel(PER_CHILD, "Dramatiq worker process", "Dramatiq worker processes are long-lived")

    def child_hook(self, flavour: str) -> str | None:
        return "a middleware's after_process_boot"

    def child_imports(self, project: Project, job: Job) -> tuple[str, ...]:
        # Each worker process imports the broker module and the actor modules itself
        # (dramatiq/cli.py worker_process), before it consumes: the actor's module is one.
        return (job.function.module.name,)

    def launch(self, argv: Sequence[str]) -> Launch | None:
        """`dramatiq app.broker app.tasks --processes 4 --threads 8`."""
        prog, args = program(argv)
        if prog.endswith("manage.py") and args and args[0] == "rundramatiq":
            found, words = options(args[1:], {"-p": "processes", "--processes": "processes", "-t": "threads",
                                               "--threads": "threads"})
            return Launch("dramatiq", concurrency=as_int(found.get("processes")))
        if prog not in ("dramatiq", "dramatiq-gevent"):
            return None
        found, words = options(args, {"-p": "processes", "--processes": "processes", "-t": "threads",
                                      "--threads": "threads", "-Q": "queues", "--queues": "queues",
                                      "--path": "path", "-P": "path", "--pid-file": "pid", "--log-file": "log",
                                      "--worker-shutdown-timeout": "timeout", "-f": "fork"})
        if not words:
            return None
        return Launch("dramatiq", app=words[0], modules=tuple(words[1:]), concurrency=as_int(found.get("processes")),
                      queues=tuple(q for q in found.get("queues", "").split(",") if q))
