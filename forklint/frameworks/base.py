"""What every framework adapter answers, and the values it answers with.

An adapter knows one job framework: which functions are its jobs, how long its
children live (the fork model), where its parent is and what it runs before the
fork, which hooks run in every child, and what a launch command line says. Rules ask
these questions of `job.adapter`; no rule compares framework names.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Callable, Hashable, Iterator, Literal, Sequence
from typing import Mapping as TypingMapping

from ..facts import Call, Const, Dotted, Val
from ..launch_shell import is_python, program_name, python_run
from ..project import FunctionRef, Hop, Module, Project

if TYPE_CHECKING:  # prefork imports this package; adapters import prefork lazily
    from ..launch import LaunchCommand
    from ..prefork import Parent, Parents

NO_ENV: TypingMapping[str, str] = MappingProxyType({})

# How often a child is thrown away: after every job (or every few), after many, never.
ForkKind = Literal["per-job", "per-child", "none"]
PER_JOB: ForkKind = "per-job"
PER_CHILD: ForkKind = "per-child"
NO_FORK: ForkKind = "none"
STRENGTH: dict[ForkKind, int] = {PER_JOB: 2, PER_CHILD: 1, NO_FORK: 0}

# Children recycled at least this often count as "per job": the lazy work is paid on
# at least one task in ten, which is what a user would call "every job".
PER_JOB_MAX_TASKS = 10


@dataclass(frozen=True)
class ForkModel:
    kind: ForkKind
    child: str  # what the forked process is called: "RQ work horse"
    why: str  # one phrase: "RQ's Worker forks a work horse for every job"


@dataclass(frozen=True)
class Job:
    function: FunctionRef
    framework: str  # the flavour: rq | django-rq | flask-rq2 | custom | celery | dramatiq | huey | multiprocessing | process-pool
    how: str  # how it was recognised, for messages: "@job", "Queue.enqueue"
    fork: ForkModel
    site: tuple[Module, Call] | None = None  # the enqueue / pool call, when there is one
    adapter: "Adapter" = field(default=None, compare=False, repr=False)  # type: ignore[assignment]
    via: tuple[Hop, ...] = ()  # project helpers the job was submitted through, outermost first


@dataclass(frozen=True)
class Launch:
    """A worker's start-up as its command line says it (`celery -A app worker -c 4 ...`).

    `forks` is False where the runner runs jobs without forking (Celery's solo, threads,
    gevent and eventlet pools; Huey's thread and greenlet workers; RQ's SimpleWorker and
    SpawnWorker; `dramatiq --use-spawn`), True where it forks, None where a class or a
    setting the line does not show decides. For gunicorn, `max_tasks_per_child` is
    `--max-requests` and `concurrency` `-w`. `command` is the launch line it was read from.
    """

    framework: str  # the flavour: rq | django-rq | flask-rq2 | celery | huey | dramatiq | gunicorn
    app: str | None = None  # celery -A, huey's module, dramatiq's broker, flask --app, gunicorn's app
    modules: tuple[str, ...] = ()  # other modules the worker imports before forking (dramatiq's)
    worker_class: str | None = None  # RQ `-w pkg.Worker`
    job_class: str | None = None  # RQ `-j pkg.Job`
    settings_module: str | None = None  # RQ `-c settings`, django --settings / DJANGO_SETTINGS_MODULE, gunicorn -c
    pool: str | None = None  # celery `--pool`, huey `-k`, gunicorn `-k`
    concurrency: int | None = None
    max_tasks_per_child: int | None = None
    queues: tuple[str, ...] = ()
    preload: bool | None = None  # gunicorn `--preload`
    forks: bool | None = True
    command: "LaunchCommand | None" = field(default=None, compare=False)

    def to_json(self) -> dict[str, object]:
        """Plain data: the fields that are set, and the launch line."""
        data: dict[str, object] = {}
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if item.name == "command":
                continue
            if value not in (None, ()) or item.name in ("framework", "forks"):
                data[item.name] = list(value) if isinstance(value, tuple) else value
        if self.command is not None:
            data["launch"] = self.command.to_json()
        return data


@dataclass(frozen=True)
class ChildHook:
    """A function the framework runs once in every child, after the fork."""

    function: FunctionRef
    runs: str  # "in every Celery prefork child (worker_process_init)"
    parent_place: str  # where fork-safe set-up belongs instead
    parent_hooks: tuple[FunctionRef, ...] | None = None  # the framework's parent hooks a fix may move into


# What a call hands to a framework: (flavour, how, the job value, fork model).
CallJob = tuple[str, str, "Val | None", ForkModel]


class ForkModels:
    """Fork models worked out once per project (they scan the whole project)."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._memo: dict[Hashable, object] = {}

    def memo(self, key: Hashable, compute: Callable[[], object]):
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]


class Adapter:
    """One job framework. Subclasses override what their framework has."""

    name: str = ""
    title: str = ""  # as messages spell it: "RQ"
    flavours: tuple[str, ...] = ()  # the `Job.framework` values this adapter owns
    imports_job_module_in_child: bool = False  # the child imports the job's module by name (RQ)

    # -- jobs --------------------------------------------------------------------------

    def decorator_flavour(self, project: Project, base: str) -> str | None:
        """The flavour a (resolved) decorator makes a job for, or None."""
        return None

    def method_job(self, project: Project, owner: str, method: str) -> str | None:
        """How a method of a project class is a job (`celery.Task subclass`), or None."""
        return None

    def call_jobs(self, project: Project, module: Module, fn: FunctionRef | None, call: Call,
                  target: str, models: ForkModels) -> Iterator[CallJob]:
        """Jobs this call hands to the framework."""
        return iter(())

    def fork_model(self, models: ForkModels, flavour: str) -> ForkModel:
        """How the children of decorator-declared jobs live."""
        raise ValueError(flavour)

    def job_call(self, project: Project, module: Module, fn: FunctionRef | None, call: Call,
                 target: str) -> Call | None:
        """The call of the submitted job that this submission makes in the child, as far as
        the code shows its arguments (`q.enqueue(f, a, b)` → `f(a, b)`), or None."""
        return None

    # -- parent and children -----------------------------------------------------------

    def parent_key(self, parents: "Parents", job: Job) -> Hashable:
        """Jobs with equal keys share one simulated parent."""
        return self.name

    def build_parent(self, parents: "Parents", key: Hashable, job: Job) -> "Parent":
        """Simulate the parent that forks this job's child, up to the fork."""
        from ..prefork import Parent, ParentState
        from .launch_lines import first_launch

        return Parent([ParentState(launch=first_launch(parents.project, self.flavours))], known=True)

    def child_hook(self, flavour: str) -> str | None:
        """Where code runs once per child, after the fork (for advice), if anywhere."""
        return None

    def child_hooks(self, project: Project) -> Iterator[ChildHook]:
        """Project functions the framework runs in every child."""
        return iter(())

    def child_imports(self, project: Project, job: Job) -> tuple[str, ...]:
        """Project modules the child imports itself at start-up, before its first job
        (its child hooks run there too); an import of what they load is a lookup."""
        return ()

    # -- launching ---------------------------------------------------------------------

    def launch(self, argv: Sequence[str], env: TypingMapping[str, str] = NO_ENV) -> Launch | None:
        """What a launch command line (run with `env`) says, or None when it starts none of
        this framework's workers."""
        return None


# --- helpers shared by adapters ---------------------------------------------------------


def instance_attr(project: Project, target: str, classes: frozenset[str], attrs: frozenset[str] | set[str]) -> str | None:
    """For `X().attr` where X is one of `classes` (or a project subclass), the attr."""
    if "()." not in target:
        return None
    owner, _, attr = target.rpartition("().")
    if attr in attrs and (owner in classes or project.is_subclass(owner, classes)):
        return attr
    return None


def all_calls(project: Project) -> list[tuple[Module, FunctionRef | None, Call]]:
    """Every call of the project: (its module, the function holding it or None, the call)."""
    return project.every_call()


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


def creation_call(project: Project, module: Module, fn: FunctionRef | None, func: Val) -> Call | None:
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


def const_str(value: Val | None) -> str | None:
    return value.value if isinstance(value, Const) and isinstance(value.value, str) else None


@dataclass
class ParsedArgs:
    """A command line split by `parse_args`."""

    options: dict[str, str]  # by canonical name
    flags: set[str]  # canonical names of the switches given
    positional: list[str]


def parse_args(argv: Sequence[str], values: TypingMapping[str, str], flags: TypingMapping[str, str]) -> ParsedArgs:
    """Options (`-c 4`, `-c4`, `--pool=x`, `--pool x`) by canonical name, flags, and the rest.

    `values` and `flags` map every spelling to a canonical name (see `spellings`). An
    unknown option is taken as a flag, so a worker's queues may pick up its value.
    """
    parsed = ParsedArgs({}, set(), [])
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


def spellings(**names: str) -> dict[str, str]:
    """`pool="-P --pool"` → {"-P": "pool", "--pool": "pool"}."""
    return {spelling: canonical for canonical, words in names.items() for spelling in words.split()}


def without(argv: Sequence[str], names: tuple[str, ...]) -> list[str]:
    """`argv` less the options `names` and their values."""
    out, skip = [], False
    for word in argv:
        if skip:
            skip = False
        elif word in names:
            skip = True
        elif not word.startswith(tuple(f"{o}=" for o in names)):
            out.append(word)
    return out


def as_int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None  # `$CONCURRENCY`, `%(ENV_N)s`: not known statically


def program(argv: Sequence[str]) -> tuple[str, list[str]]:
    """The program that runs and its arguments: `python -u -m celery -A x` → `celery`, [...].

    Launch files give commands with their wrappers (`exec`, `env A=B`, ...) stripped."""
    if not argv:
        return "", []
    run = python_run(argv)
    if run is None:
        return ("", []) if is_python(argv[0]) else (program_name(argv[0]), list(argv[1:]))
    return run.module or program_name(run.script or ""), list(run.arguments)
