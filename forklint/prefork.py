"""What the worker's parent process has done when it forks.

The parent is simulated, not run: starting from the worker's entry (a worker script,
an `rq worker -c` settings module, the Celery app module, the module that builds a
Pool), module-level code is followed in order through imports and calls into project
functions, until the call that forks. What it loaded, defined and called by then is
inherited by every child. Order matters: a `configure_mappers()` that runs before the
model classes exist configures nothing.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Callable, Hashable, Iterable, Literal

from . import entry_points
from .entry_points import LOADERS as ENTRY_POINT_LOADERS
from .dynamic_imports import IMPORTERS, Binding, bind, computed_imports
from .facts import Call, Import
from .frameworks import Job, Launch
from .installed import installed
from .project import FunctionRef, Module, Project
from .signals import SignalReceiver, connected, decorated, deferred_lambdas, sent

_MAX_CALL_DEPTH = 25

# Where a fix can insert parent-side code: a worker script before `.work()`, a settings
# or prefork module, the Celery app module (a new worker_init handler), an existing
# worker_init handler, the code that starts a pool; "assumed" when none was found.
PlaceKind = Literal["worker-script", "settings-module", "launch-line", "celery-app", "celery-worker-init", "pool-site", "assumed"]


@dataclass(frozen=True)
class PreforkPlace:
    """Where code can run in the parent before the fork (a fix inserts there)."""

    kind: PlaceKind
    module: Module
    function: FunctionRef | None
    line: int  # the forking call's line; 0 when the place is a whole module
    description: str


@dataclass(frozen=True)
class Frame:
    """A call into a project function that the parent was inside of."""

    module: Module  # where the call is
    call: Call
    callee: FunctionRef
    caller: FunctionRef | None = None  # the function making the call (None: module level, a signal's send)

    def same_site(self, other: "Frame") -> bool:
        return self.module.name == other.module.name and self.call.pos == other.call.pos


StepKind = Literal["class", "call"]


@dataclass(frozen=True)
class Step:
    """Something the parent did: defined a class or made a call, and where."""

    kind: StepKind
    name: str  # qualified class name, or the call's resolved target
    module: Module
    call: Call | None = None
    via: tuple[Frame, ...] = ()  # the project calls it ran inside, outermost first (since its module's import)
    function: FunctionRef | None = None  # the function whose body makes the call; None at module level
    # Written in a lambda's body, which runs whenever the lambda is called (or never): good
    # enough to count as warmed, not to blame the parent for (FRK901).
    in_lambda: bool = False


@dataclass
class ParentState:
    """One simulated parent, up to its fork."""

    modules: list[str] = field(default_factory=list)  # project modules, in load order
    external: set[str] = field(default_factory=set)  # other modules imported (with parents)
    timeline: list[Step] = field(default_factory=list)  # in the order the parent ran them
    place: PreforkPlace | None = None
    launch: Launch | None = None  # the launch line that starts this parent, when one was read
    fork_via: tuple[Frame, ...] = ()  # the project calls the forking call ran inside
    # What it may import through the entry points it loads, or the names a loop over a
    # configured list builds (its plugins, as the deployment's configuration enables them):
    # enough to doubt a "not imported in the parent" claim, never taken as run (their
    # module-level work is not on the timeline).
    plugin_modules: set[str] = field(default_factory=set)
    plugin_external: set[str] = field(default_factory=set)
    _installed_closure: tuple[int, frozenset[str]] = (-1, frozenset())

    def may_load(self, name: str) -> bool:
        """Did it, or may it (through a plugin), import project module `name`?"""
        return name in self.modules or name in self.plugin_modules

    def loads_external(self, name: str) -> bool:
        """Did it (or may it, through a plugin) import `name`, itself or through an
        installed package's own imports?"""
        imported = self.external | self.plugin_external
        if name.split(".")[0] in imported or name in imported:
            return True
        if self._installed_closure[0] != len(imported):  # computed once the simulation is done
            self._installed_closure = (len(imported), installed().closure(sorted(imported)))
        return name in self._installed_closure[1]

    def not_installed(self) -> list[str]:
        """Third-party packages it imports that are not installed here (what they load is unknown)."""
        tops = {name.split(".")[0] for name in self.external}
        return sorted(t for t in tops if t not in sys.stdlib_module_names and t != "__future__"
                      and not installed().is_installed(t))

    def blamed_frame(self, step: Step) -> Frame | None:
        """Where a fix for a step's work belongs: the call that leaves the path to the
        fork (a script's call of a helper); None when the step is on that path itself."""
        shared = 0
        for mine, forks in zip(step.via, self.fork_via):
            if not mine.same_site(forks):
                break
            shared += 1
        return step.via[shared] if shared < len(step.via) else None


@dataclass
class Parent:
    """Every parent that may fork a given job's child (usually one)."""

    states: list[ParentState]
    known: bool  # False when no worker entry was found and one is assumed

    def loads_module(self, name: str) -> bool:
        """Does (or may, through a plugin) some parent import project module `name`?"""
        return any(s.may_load(name) for s in self.states)

    def loads_external(self, name: str) -> bool:
        return any(s.loads_external(name) for s in self.states)

    def not_installed(self) -> list[str]:
        return sorted({name for s in self.states for name in s.not_installed()})

    def defined_before_last(self, calls: frozenset[str] | Callable[[Step], bool]) -> set[str]:
        """Classes defined before the last call to one of `calls` (or the last call step
        the predicate `calls` accepts), in any parent."""
        done: set[str] = set()
        for state in self.states:
            defined: list[str] = []
            covered = 0
            for step in state.timeline:
                if step.kind == "class":
                    defined.append(step.name)
                elif step.name in calls if isinstance(calls, frozenset) else calls(step):
                    covered = len(defined)
            done.update(defined[:covered])
        return done

    def calls(self, target: str) -> bool:
        return any(step.kind == "call" and step.name == target for s in self.states for step in s.timeline)

    def called_names(self) -> set[str]:
        return {step.name for s in self.states for step in s.timeline if step.kind == "call"}

    @property
    def places(self) -> list[PreforkPlace]:
        return [s.place for s in self.states if s.place is not None]

    @property
    def launches(self) -> list[Launch]:
        """The launch lines (with the file and line they are written on) that start it."""
        return [s.launch for s in self.states if s.launch is not None and s.launch.command is not None]


def _body(project: Project, fn: FunctionRef) -> tuple[tuple[int, Import | Call], ...]:
    """A function body's imports and calls in source order, with their lines; calls in a
    lambda connected to a signal left out (they run where the signal is sent). Kept per
    project: a parent runs a helper once per call of it (netbox's Django parent: 7,500
    runs of ~3,000 functions)."""
    bodies: dict[str, tuple[tuple[int, Import | Call], ...]] = project.derived("function bodies", dict)
    found = bodies.get(fn.qualified)
    if found is None:
        deferred = deferred_lambdas(fn.facts.calls)
        steps: list[tuple[int, int, Import | Call]] = [(i.pos.line, i.pos.col, i) for i in fn.facts.imports]
        steps += [(c.pos.line, c.pos.col, c) for c in fn.facts.calls if c.in_lambda not in deferred]
        found = bodies[fn.qualified] = tuple((line, step) for line, _, step in sorted(steps, key=lambda s: (s[0], s[1])))
    return found


class Simulator:
    def __init__(self, project: Project, is_fork: Callable[[Module, Call, str], bool]) -> None:
        self.project = project
        self.is_fork = is_fork
        self.state = ParentState()
        self.forked: tuple[Module, FunctionRef | None, Call] | None = None
        self._running: list[str] = []
        self._started: set[str] = set()
        self._stack: list[Frame] = []  # project calls being run, since the current module's import
        self.django_set_up = False  # run_django_setup ran: a later django.setup() is a no-op
        self.receivers: dict[str, list[SignalReceiver]] = {}  # signal → receivers connected so far
        self._sending: set[str] = set()  # signals whose receivers are running (a send in one is cut)
        self._lambda_receivers = 0  # > 0 while a lambda connected to a signal runs: its body really runs

    def load(self, name: str, as_main: bool = False) -> None:
        saved, self._stack = self._stack, []  # an import's module-level code is its own
        try:
            self._load(name, as_main)
        finally:
            self._stack = saved

    def _load(self, name: str, as_main: bool) -> None:
        module = self.project.module(name)
        if module is None or module.name in self._started or self.forked:
            return
        self._started.add(module.name)  # like sys.modules: a cycle imports a partial module
        parts = module.name.split(".")
        for i in range(1, len(parts)):
            package = ".".join(parts[:i])
            if package in self.project.modules:  # the package itself, never an alias
                self.load(package)
        if self.forked:
            return
        self.state.modules.append(module.name)
        facts = module.facts
        deferred = deferred_lambdas(facts.calls)
        for event in facts.events:
            if self.forked:
                return
            if event.main_only and not as_main:
                continue
            if event.kind == "def":
                self._connect_decorated(module, event.name)
            elif event.kind == "import":
                self._import(module, facts.imports[event.index])
            elif event.kind == "class":
                # Its body runs first (`datamodel = SQLAInterface(Model)`), then the class exists.
                body = self.project.classes.get(f"{module.name}.{event.name}")
                for call in body.facts.calls if body is not None else ():
                    self._call(module, None, call)
                self.state.timeline.append(Step("class", f"{module.name}.{event.name}", module))
            elif event.kind == "call" and facts.calls[event.index].in_lambda not in deferred:
                self._call(module, None, facts.calls[event.index])

    def run(self, fn: FunctionRef, until_line: int | None = None) -> None:
        """Run a function body's imports and calls in source order."""
        if fn.qualified in self._running or len(self._running) >= _MAX_CALL_DEPTH:
            return
        self._running.append(fn.qualified)
        for line, step in _body(self.project, fn):
            if self.forked or (until_line is not None and line >= until_line):
                break
            if isinstance(step, Import):
                self._import(fn.module, step)
            else:
                self._call(fn.module, fn, step)
        self._running.pop()

    def _import(self, module: Module, imp: Import) -> None:
        if imp.type_checking:
            return
        for name in self.project.imported_modules(module, imp):
            if self.project.module(name) is not None:
                self.load(name)
            else:
                self.state.external.add(name)

    def _call(self, module: Module, fn: FunctionRef | None, call: Call) -> None:
        target = self.project.call_target(fn, module, call)
        if target is None:
            return
        if self.is_fork(module, call, target):
            self.forked = (module, fn, call)
            self.state.fork_via = tuple(self._stack)
            return
        in_lambda = call.in_lambda != 0 and not self._lambda_receivers
        self.state.timeline.append(Step("call", target, module, call, tuple(self._stack), fn, in_lambda))
        if target in ENTRY_POINT_LOADERS:
            self._load_plugins(module, fn, call, target)
        if target in IMPORTERS:  # `import_module(name)` in a discovery loop
            computed = computed_imports(self.project, module, fn, call, self._binding(fn))
            for name in computed.certain:
                self.load(name)
            self._load_possibly(computed.possible)
        link = connected(self.project, module, fn, call)
        if link is not None:
            self.receivers.setdefault(link[0], []).append(link[1])
        for signal in sent(self.project, module, fn, call, target):
            self._send(signal, module, call)
        if target == "django.setup" and not self.django_set_up:
            from .frameworks.clis import run_django_setup  # what django.setup() loads and runs

            self.django_set_up = True
            run_django_setup(self.project, self)
        callee = self.project.callee(fn, call, module)
        if callee is not None:
            self._stack.append(Frame(module, call, callee, fn))
            self.run(callee)
            self._stack.pop()

    def _binding(self, fn: FunctionRef | None) -> Binding | None:
        """How the calls the parent is inside bound `fn`: the class its `cls`/`self` is and
        the arguments it was given, which a name it imports may be built from."""
        binding: Binding | None = None
        previous: FunctionRef | None = None
        for frame in self._stack:
            if frame.caller is None or previous is None or frame.caller.qualified != previous.qualified:
                binding = None  # the caller was not run by the frame before (a receiver of a send)
            binding = bind(self.project, frame.module, frame.caller, frame.call, frame.callee, binding)
            previous = frame.callee
        if not self._stack or fn is None or self._stack[-1].callee.qualified != fn.qualified:
            return None
        return binding

    def _load_plugins(self, module: Module, fn: FunctionRef | None, call: Call, target: str) -> None:
        """An entry-point loader: what the project's entry points in its group import, as
        possibly loaded (which plugins are enabled is configuration)."""
        self._load_possibly(entry_points.loaded_modules(self.project, module, fn, call, target))

    def _load_possibly(self, modules: Iterable[str]) -> None:
        """Modules the parent may import, or not: what they import may withdraw a claim
        that the parent never loads something, but nothing they run counts as run."""
        names = [name for name in modules if name not in self._started and name not in self.state.plugin_modules]
        if not names:
            return
        side = Simulator(self.project, lambda *_: False)
        side._started = set(self._started)  # what the parent has imported is not imported again
        for name in names:
            side.load(name)
        self.state.plugin_modules.update(side.state.modules)
        self.state.plugin_external.update(side.state.external)

    def _connect_decorated(self, module: Module, qualname: str) -> None:
        """A module-level `def` decorated `@SIGNAL.connect`: connected as it is defined."""
        fn = self.project.functions.get(f"{module.name}.{qualname}")
        if fn is not None and fn.facts.decorators:
            for signal in decorated(self.project, fn):
                self.receivers.setdefault(signal, []).append(SignalReceiver(fn.module, fn))

    def _send(self, signal: str, module: Module, call: Call) -> None:
        """Run the receivers connected to `signal` so far, as its send does."""
        if signal in self._sending:
            return
        self._sending.add(signal)
        for receiver in list(self.receivers.get(signal, ())):
            if self.forked:
                break
            holder = receiver.holder
            if holder is not None:
                self._stack.append(Frame(module, call, holder))
            if receiver.lambda_number == 0 and holder is not None:
                self.run(holder)
            else:  # a lambda: the calls of its body
                calls = holder.facts.calls if holder is not None else receiver.module.facts.calls
                self._lambda_receivers += 1
                for inner in calls:
                    if inner.in_lambda == receiver.lambda_number and not self.forked:
                        self._call(receiver.module, holder, inner)
                self._lambda_receivers -= 1
            if holder is not None:
                self._stack.pop()
        self._sending.discard(signal)


def enclosing(project: Project, module: Module, call: Call) -> FunctionRef | None:
    """The innermost function of `module` whose body holds `call`."""
    best = None
    for fn in module.facts.functions:
        if call in fn.calls:
            best = fn
    return project.functions.get(f"{module.name}.{best.qualname}") if best else None


class Parents:
    """Parent states for a project's jobs, computed once per adapter's parent key.

    Each job's adapter says which parent it shares (`parent_key`) and simulates it
    (`build_parent`); this class only caches them."""

    def __init__(self, project: Project, jobs: list[Job]) -> None:
        self.project = project
        self.jobs = jobs
        self._cache: dict[Hashable, Parent] = {}
        self._memo: dict[Hashable, object] = {}

    def for_job(self, job: Job) -> Parent:
        key = job.adapter.parent_key(self, job)
        if key not in self._cache:
            self._cache[key] = job.adapter.build_parent(self, key, job)
        return self._cache[key]

    def memo(self, key: Hashable, compute: Callable[[], object]):
        """A project-wide value an adapter computes once (its worker calls)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]


def run_script(project: Project, module: Module, call: Call, is_fork: Callable[[Module, Call, str], bool],
               before: Callable[[Project, Simulator, FunctionRef], None] | None = None,
               ) -> tuple[Simulator, Module, FunctionRef | None, int]:
    """Run `module` as `__main__` up to the call that forks (`call`, or one `is_fork` names);
    when that call sits in a function nothing at import runs, `before` (what runs ahead of
    it: a CLI command's group callbacks), then that function up to it. The simulator, and
    the module, function and line of the fork."""
    sim = Simulator(project, is_fork)
    sim.load(module.name, as_main=True)
    if not sim.forked:
        fn = enclosing(project, module, call)
        if fn is not None:
            if before is not None:
                before(project, sim, fn)
            sim.run(fn, until_line=call.pos.line)
    if sim.forked:
        return sim, sim.forked[0], sim.forked[1], sim.forked[2].pos.line
    return sim, module, None, call.pos.line


def import_closure(project: Project, functions: list[FunctionRef]) -> ParentState:
    """What importing these functions' modules (and running their imports) loads."""
    sim = Simulator(project, lambda *_: False)
    for fn in functions:
        sim.load(fn.module.name)
    for fn in functions:
        for imp in fn.facts.imports:
            sim._import(fn.module, imp)
    return sim.state


def child_startup(project: Project, modules: list[str], hooks: list[FunctionRef]) -> ParentState:
    """What a child loads itself before its first job: the modules it imports at
    start-up (Dramatiq's worker processes import the actor modules), then its hooks
    (an initializer, a worker_process_init handler) with their modules."""
    sim = Simulator(project, lambda *_: False)
    for name in modules:
        sim.load(name)
    for hook in hooks:
        sim.load(hook.module.name)
        sim.run(hook)
    return sim.state


def module_closure(project: Project, name: str) -> list[str]:
    """The project modules that importing `name` loads (itself included)."""
    return module_loads(project, name).modules


def module_loads(project: Project, name: str) -> ParentState:
    """What importing the project module `name` loads and runs, in a fresh process."""
    sim = Simulator(project, lambda *_: False)
    sim.load(name)
    return sim.state
