"""Dramatiq: `@dramatiq.actor`, `GenericActor` subclasses; long-lived worker processes.

The `dramatiq` CLI starts its worker processes (`multiprocessing.Process`) before it
imports the broker or any module (dramatiq/cli.py `main`; each `worker_process` imports
them itself), so they inherit nothing of the project: nothing can move before that fork.
django_dramatiq's `rundramatiq` execs that CLI. Only a project script that imports the
app and then calls `dramatiq.cli.main()` gives its workers something to inherit, and only
where they are forked (not spawned, nor forkserver children as on Python 3.14).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Hashable
from typing import Mapping as EnvMapping
from typing import Sequence

from ..facts import Call
from ..project import Module, Project
from .base import (
    NO_ENV, NO_FORK, PER_CHILD, Adapter, ForkModel, ForkModels, Job, Launch, all_calls, as_int, parse_args, program, spellings,
)
from .clis import run_before_command
from .launch_lines import project_launches
from .multiprocessing import start_method

if TYPE_CHECKING:
    from ..prefork import Parent, Parents

DRAMATIQ_ACTORS = frozenset({"dramatiq.actor", "dramatiq.actor.actor"})
DRAMATIQ_GENERIC = frozenset({"dramatiq.GenericActor", "dramatiq.generic.GenericActor"})
DRAMATIQ_MAIN = frozenset({"dramatiq.cli.main", "dramatiq.__main__.main"})
_CHILD = "Dramatiq worker process"


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
        return models.memo("dramatiq", lambda: self._fork_model(models))  # type: ignore[return-value]

    def _fork_model(self, models: ForkModels) -> ForkModel:
        launches = [launch for launch in project_launches(models.project) if launch.framework == "dramatiq"]
        if launches and all(launch.forks is False for launch in launches):
            return ForkModel(NO_FORK, _CHILD, "the worker processes are spawned, not forked (--use-spawn)")
        if launches or not _main_calls(models.project):
            return ForkModel(NO_FORK, _CHILD, "the dramatiq CLI starts its worker processes before it imports the "
                                              "broker or any project module: they inherit nothing from it")
        method, why = start_method(models)
        if method != "fork":
            return ForkModel(NO_FORK, _CHILD, f"{why} starts a fresh interpreter for each worker process")
        return ForkModel(PER_CHILD, _CHILD, "Dramatiq worker processes are long-lived")

    def build_parent(self, parents: "Parents", key: Hashable, job: Job) -> "Parent":
        """The project script that calls `dramatiq.cli.main()`, up to that call."""
        from ..prefork import Parent, PreforkPlace, run_script

        project = parents.project
        calls = _main_calls(project)
        if not calls:
            return super().build_parent(parents, key, job)
        states = []
        for module, call in calls:
            sim, fork_module, fork_fn, line = run_script(
                project, module, call, lambda m, c, target: target in DRAMATIQ_MAIN, run_before_command)
            sim.state.place = PreforkPlace("worker-script", fork_module, fork_fn, line,
                                           f"{fork_module.display}:{line}, before dramatiq's main()")
            states.append(sim.state)
        return Parent(states, known=True)

    def child_hook(self, flavour: str) -> str | None:
        return "a middleware's after_process_boot"

    def child_imports(self, project: Project, job: Job) -> tuple[str, ...]:
        # Each worker process imports the broker module and the actor modules itself
        # (dramatiq/cli.py worker_process), before it consumes: the actor's module is one.
        return (job.function.module.name,)

    def launch(self, argv: Sequence[str], env: EnvMapping[str, str] = NO_ENV) -> Launch | None:
        """`dramatiq BROKER [MODULES...] [--processes N] [--threads N] [--use-spawn]`, and
        django_dramatiq's `manage.py rundramatiq`."""
        prog, args = program(argv)
        django = prog in ("manage.py", "django-admin") and args[:1] == ["rundramatiq"]
        if prog not in ("dramatiq", "dramatiq-gevent", "dramatiq.cli") and not django:
            return None
        args, queues = _dramatiq_queues(args[1:] if django else args)
        parsed = parse_args(args, _DRAMATIQ_VALUES, _DRAMATIQ_FLAGS)
        positional = parsed.positional
        if not django and not positional:
            return None  # `dramatiq --help`
        return Launch(
            "dramatiq",
            app=None if django else positional[0],
            modules=tuple(positional if django else positional[1:]),
            settings_module=env.get("DJANGO_SETTINGS_MODULE") if django else None,
            concurrency=as_int(parsed.options.get("concurrency")),
            queues=tuple(queues),
            forks=False if "spawn" in parsed.flags else True,
        )


def _main_calls(project: Project) -> list[tuple[Module, Call]]:
    """Where the project starts dramatiq's workers itself: `dramatiq.cli.main()`."""
    return [(module, call) for module, fn, call in all_calls(project)
            if project.call_target(fn, module, call) in DRAMATIQ_MAIN]


_DRAMATIQ_VALUES = spellings(
    concurrency="-p --processes",
    other="-t --threads --path -P --pid-file --log-file --fork-function -f --worker-shutdown-timeout "
    "--watch --watch-include --watch-exclude",
)
_DRAMATIQ_FLAGS = spellings(spawn="--use-spawn", flag="--watch-use-polling -v --verbose --skip-logging")


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
