"""What every framework adapter answers, and the values it answers with.

An adapter knows one job framework: which functions are its jobs, how long its
children live (the fork model), where its parent is and what it runs before the
fork, which hooks run in every child, and what a launch command line says. Rules ask
these questions of `job.adapter`; no rule compares framework names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Hashable, Iterator, Literal, Sequence

from ..facts import Call, Const, Dotted, Val
from ..project import FunctionRef, Hop, Module, Project

if TYPE_CHECKING:  # prefork imports this package; adapters import prefork lazily
    from ..prefork import Parent, Parents

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
    """What a worker's launch command line says (`celery -A app worker -c 4 ...`)."""

    framework: str
    app: str | None = None  # the app / module the worker imports first (`-A`, dramatiq's modules)
    worker_class: str | None = None  # RQ `-w pkg.Worker`
    settings_module: str | None = None  # RQ `-c settings`, DJANGO_SETTINGS_MODULE
    pool: str | None = None  # celery `--pool`, huey `-k`
    concurrency: int | None = None
    max_tasks_per_child: int | None = None
    modules: tuple[str, ...] = ()  # other modules the worker imports before forking
    queues: tuple[str, ...] = ()
    preload: bool | None = None  # gunicorn `--preload`


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

    # -- parent and children -----------------------------------------------------------

    def parent_key(self, parents: "Parents", job: Job) -> Hashable:
        """Jobs with equal keys share one simulated parent."""
        return self.name

    def build_parent(self, parents: "Parents", key: Hashable, job: Job) -> "Parent":
        """Simulate the parent that forks this job's child, up to the fork."""
        from ..prefork import Parent, ParentState

        return Parent([ParentState()], known=True)

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

    def launch(self, argv: Sequence[str]) -> Launch | None:
        """What a parsed launch command line says, or None when it is not this framework's."""
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


def all_calls(project: Project) -> Iterator[tuple[Module, FunctionRef | None, Call]]:
    """Every call of the project: (its module, the function holding it or None, the call)."""
    for module in project.modules.values():
        for call in module.facts.calls:
            yield module, None, call
    for fn in project.iter_functions():
        for call in fn.facts.calls:
            yield fn.module, fn, call


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


def options(argv: Sequence[str], flags: dict[str, str], switches: frozenset[str] = frozenset()) -> tuple[dict[str, str], list[str]]:
    """Split a command line into options (`-c 4`, `--pool=prefork`, by `flags`' canonical
    names) and positional words. `switches` take no value."""
    found: dict[str, str] = {}
    words: list[str] = []
    args = list(argv)
    i = 0
    while i < len(args):
        arg = args[i]
        if arg.startswith("-") and arg != "-":
            name, eq, value = arg.partition("=")
            if name in switches:
                found[flags.get(name, name)] = "1"
            elif name in flags:
                if not eq:
                    if name.startswith("-") and not name.startswith("--") and len(name) > 2:
                        value = name[2:]  # `-c4`
                    elif i + 1 < len(args):
                        i += 1
                        value = args[i]
                found[flags[name]] = value
            elif not eq and len(arg) > 2 and not arg.startswith("--") and arg[:2] in flags:
                found[flags[arg[:2]]] = arg[2:]  # `-Q1` glued short option
        else:
            words.append(arg)
        i += 1
    return found, words


def as_int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def program(argv: Sequence[str]) -> tuple[str, list[str]]:
    """The program's base name and its arguments, skipping `python -m`, env assignments."""
    args = [a for a in argv]
    while args and "=" in args[0] and not args[0].startswith("-"):
        args.pop(0)  # `FOO=1 celery ...`
    if args and args[0].rpartition("/")[2] in ("env", "exec", "nohup"):
        args.pop(0)
        while args and "=" in args[0]:
            args.pop(0)
    if args and args[0].rpartition("/")[2].startswith("python"):
        args.pop(0)
        if len(args) >= 2 and args[0] == "-m":
            args.pop(0)
            return args[0], args[1:]
        if args:
            return args[0].rpartition("/")[2], args[1:]
        return "", []
    if not args:
        return "", []
    return args[0].rpartition("/")[2], args[1:]
