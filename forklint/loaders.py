"""Memoised loaders: functions that keep what they build for the life of the process.

What a rule needs to know about one: where it caches (a `functools`/`cachetools` decorator,
a lazy global, a module-level dict filled by key, a `cached_property` or `lru_cache` method of
an object that lives as long as the process), which constant calls a job makes of it,
whether what it builds is a client (which belongs in the child), and what filling it costs,
estimated from the catalogue work its body (and the project functions it calls) does.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import Iterator, Literal

from .analysis import Analysis
from .costs import Cost
from .facts import Attr, Call, Const, Dotted, Either, Function, Item, Mapping, ModuleFacts, Operation, Pos, Seq, Val
from .prefork import Parent, enclosing
from .project import FunctionRef, Module, Project
from .installed import stdlib

LoaderKind = Literal["memoised loader", "memoised method", "cached property", "lazy singleton", "dict cache"]
# How a function is bound: a cached method's cache is per process only when what it is called
# on is (the class, or an instance made once at import).
MethodKind = Literal["function", "instance", "class", "static"]

CACHE_DECORATORS = frozenset({
    "functools.lru_cache", "functools.cache", "cachetools.cached", "cachetools.func.lru_cache",
    "cachetools.func.lfu_cache", "cachetools.func.rr_cache", "cachetools.func.fifo_cache",
})
# Cached on the instance: one per object, so one per process only on an object made at import.
CACHED_PROPERTIES = frozenset({"functools.cached_property", "django.utils.functional.cached_property"})
# Catalogue rules whose entries price work a loader's body may do (FRK901 entries are
# clients: what a loader builds, not what it costs).
_COST_RULES = ("FRK102", "FRK103", "FRK106")
# Methods of plain containers, strings and paths: dict lookups of config, reading or
# writing one small file. Whatever the receiver, the work is microseconds.
_CHEAP_METHODS = frozenset({
    "get", "items", "keys", "values", "setdefault", "update", "copy", "pop", "append", "extend", "add",
    "insert", "remove", "discard", "clear", "index", "count", "format", "format_map", "join", "split",
    "rsplit", "splitlines", "strip", "lstrip", "rstrip", "replace", "lower", "upper", "startswith",
    "endswith", "encode", "decode", "read_text", "read_bytes", "write_text", "write_bytes", "read",
    "write", "close", "exists", "is_file", "is_dir", "mkdir", "as_posix", "resolve", "joinpath",
    "with_suffix", "with_name",
})
# Standard-library modules whose calls are not cheap work: importing code, running a
# program, talking over the network.
_COSTLY_STDLIB = frozenset({"importlib", "subprocess", "urllib", "http", "socket", "ssl", "multiprocessing",
                            "concurrent", "sqlite3", "smtplib", "ftplib", "runpy"})
# An estimate, not a measurement: one call of plain Python or standard-library work in a
# loader's body (a dict lookup, opening and reading a small file) is tens of microseconds.
CHEAP_CALL_MS = 0.02
# Pricing a call on an untyped project value by every definition of its method: more
# definitions than this, or definitions calling such methods deeper than this, are unknown.
_MAX_DEFINITIONS = 16
_DEFINITION_DEPTH = 2
# How many names deep an argument is followed to the literal it holds (`A = B`, `B = "x"`).
_NAME_HOPS = 4
# What a constructed class's name says it is: a client, connection or pool, per process.
_CLIENT_WORDS = ("Client", "Connection", "Session", "Channel", "Pool")


@dataclass(frozen=True)
class LoaderSpot:
    """Where a function caches what it builds."""

    kind: LoaderKind
    pos: Pos


@dataclass(frozen=True)
class Fill:
    """What filling a loader does once per process: its estimated cost and the catalogue
    work it names (`parses the same config or data file`)."""

    cost: Cost
    work: tuple[str, ...]


def loader_spots(analysis: Analysis, fn: FunctionRef) -> list[LoaderSpot]:
    """Where `fn` keeps what it builds: a cache decorator, a lazy global, a module dict."""
    facts = fn.facts
    spots: list[LoaderSpot] = []
    if _decorated(analysis, fn, CACHE_DECORATORS):
        spots.append(LoaderSpot("memoised method" if facts.class_name else "memoised loader", facts.name_pos))
    elif facts.class_name is None:
        # `_CACHE[key] = build(...)` once per call: one entry built per key. A fill in a loop
        # (`for k, v in ...: _REGISTRY[k] = v`) builds a whole registry on first use instead.
        if facts.params and any(_module_dict(analysis, fn, a.target[:-2]) for a in facts.assigns
                                if a.target.endswith("[]") and "." not in a.target
                                and isinstance(a.value, Call) and not a.value.in_loop):
            spots.append(LoaderSpot("dict cache", facts.name_pos))
    spots += [LoaderSpot("lazy singleton", pos) for _, pos in facts.lazy_globals]
    return spots


def _decorated(analysis: Analysis, fn: FunctionRef, names: frozenset[str]) -> bool:
    for decorator in fn.facts.decorators:
        func = decorator.func if isinstance(decorator, Call) else decorator
        if analysis.project.resolve(fn.module, None, func) in names:
            return True
    return False


def method_kind(analysis: Analysis, fn: FunctionRef) -> MethodKind:
    """How `fn` is bound when called: not at all, to an instance, or to its class."""
    if fn.facts.class_name is None:
        return "function"
    decorators = {analysis.project.resolve(fn.module, None, d) for d in fn.facts.decorators if isinstance(d, Dotted)}
    return "class" if "classmethod" in decorators else "static" if "staticmethod" in decorators else "instance"


def own_params(analysis: Analysis, fn: FunctionRef) -> tuple[str, ...]:
    """The parameters a call passes: without the `self` or `cls` it is bound to."""
    return fn.facts.params[1:] if method_kind(analysis, fn) in ("instance", "class") else fn.facts.params


def _module_dict(analysis: Analysis, fn: FunctionRef, name: str) -> bool:
    """Does `name` in `fn` name a module-level dict (`_CACHE = {}`) of the project?"""
    if any(a.target == name for a in fn.facts.assigns) or name in fn.facts.params:
        return False
    held = analysis.project.held_value(f"{fn.module.name}.{name}")
    if held is None:
        return False
    where, value = held
    return isinstance(value, Mapping) or (isinstance(value, Call) and analysis.project.call_target(None, where, value) == "dict")


# -- what a cached method or property is reached through ----------------------------------


@dataclass(frozen=True)
class Receiver:
    """A process-wide object a cached member is reached through, as a fix writes it in the
    parent: `from shop.index import INDEX` and `INDEX.`; `name` is empty for a module function."""

    module: str
    name: str

    @property
    def prefix(self) -> str:
        return f"{self.name}." if self.name else ""

    @property
    def import_line(self) -> str:
        return f"from {self.module} import {self.name.split('.')[0]}"


def receiver(analysis: Analysis, member: FunctionRef, module: Module, caller: FunctionRef | None,
             written: str, job_builds: frozenset[str]) -> Receiver | None:
    """What `written` (the text before the member's name: `INDEX`, `index.INDEX`, `Units`,
    `self`) names, when it lives as long as the process: the class, for a classmethod or
    staticmethod, or an instance made at module level. None for an instance made per call
    (`ProductIndex().model`, a local, a parameter): a cache on it dies with it, and an
    `lru_cache` method keyed by a fresh `self` never hits. `self` counts when the class has
    one module-level instance and the job (`job_builds`: the classes it constructs) makes
    no other."""
    project = analysis.project
    kind = method_kind(analysis, member)
    cls = f"{member.module.name}.{member.facts.class_name}"
    if kind == "function":
        return Receiver(member.module.name, "")
    scope = caller.facts if caller is not None else None
    head = written.split(".")[0]
    if scope is not None and scope.class_name and scope.params and head == scope.params[0] and written == head:
        bound = method_kind(analysis, caller)  # type: ignore[arg-type]
        if bound == "class" or (bound == "instance" and kind in ("class", "static")):
            return _class_receiver(project, cls)
        instances = [i for c in [cls, *project.subclasses(cls)] for i in project.module_instances().get(c, [])]
        if bound != "instance" or len(instances) != 1 or any(project.is_subclass(b, {cls}) for b in job_builds):
            return None
        where, _, name = instances[0].rpartition(".")
        return Receiver(where, name)
    if scope is not None and (head in scope.params or any(a.target == head for a in scope.assigns)):
        return None
    target = project.resolve(module, scope, Dotted(written))
    if target is None:
        return None
    if target in project.classes:
        return _class_receiver(project, target) if kind in ("class", "static") else None
    if target.endswith("()") and project.is_subclass(target[:-2], {cls}):
        return _module_instance(project, module, scope, written)
    return None


def _class_receiver(project: Project, cls: str) -> Receiver | None:
    where = project.module_of(cls)
    return Receiver(where.name, cls[len(where.name) + 1:]) if where is not None else None


def _module_instance(project: Project, module: Module, scope: Function | None, written: str) -> Receiver | None:
    """The module-level name `written` reaches (`index.INDEX` → `shop.index`, `INDEX`),
    through imports and re-exports; None when it is an attribute of something else."""
    head, _, rest = written.partition(".")
    imports = [*(scope.imports if scope is not None else ()), *module.facts.imports]
    imported = next((i for i in reversed(imports) if i.bound_name == head and i.name != "*"), None)
    qualified = project.import_target(module, imported) if imported is not None else f"{module.name}.{head}"
    qualified = f"{qualified}.{rest}" if rest else qualified
    for _ in range(_NAME_HOPS):
        where, _, name = qualified.rpartition(".")
        defining = project.module(where)
        if defining is None:
            return None
        if any(a.target == name for a in defining.facts.assigns):
            return Receiver(defining.name, name)
        again = next((i for i in defining.facts.imports if i.bound_name == name and i.name != "*"), None)
        if again is None:
            return None
        qualified = project.import_target(defining, again)
    return None


def builds(analysis: Analysis, functions: list[FunctionRef]) -> frozenset[str]:
    """The project classes these functions construct."""
    project = analysis.project
    return frozenset(t for fn in functions for call in fn.facts.calls
                     if (t := project.call_target(fn, fn.module, call) or "") in project.classes)


def cached_properties(analysis: Analysis) -> dict[str, FunctionRef]:
    """The `cached_property` members of project classes that have a module-level instance,
    by qualified name: the only ones a process keeps (on that instance) from job to job."""
    project = analysis.project
    kept = {c for cls in project.module_instances() for c in project.mro(cls)}
    return {fn.qualified: fn for fn in project.functions.values()
            if fn.facts.class_name and f"{fn.module.name}.{fn.facts.class_name}" in kept
            and _decorated(analysis, fn, CACHED_PROPERTIES)}


def values_read(facts: Function | ModuleFacts) -> Iterator[tuple[Val, int]]:
    """The values a function (or a module's top level) reads, with the line: what it calls,
    passes, assigns, returns or reads alone (`SEARCH.synonyms`); a return or a lone read
    carries no position and is placed at the `def`."""
    for call in facts.calls:
        yield call.func, call.pos.line
        for value in (*call.args, *(v for _, v in call.kwargs)):
            yield value, call.pos.line
    for assign in facts.assigns:
        yield assign.value, assign.pos.line
    line = facts.name_pos.line if isinstance(facts, Function) else 0
    for value in (*(facts.returns if isinstance(facts, Function) else ()), *facts.reads):
        yield value, line


def property_reads(analysis: Analysis, module: Module, scope: FunctionRef | None, properties: dict[str, FunctionRef],
                   ) -> Iterator[tuple[FunctionRef, str, int]]:
    """The cached properties among `properties` that a function (None: the module's top
    level) reads: each with what it is read through as written (`INDEX`, `self`) and the line."""
    names = {prop.facts.qualname.rpartition(".")[2] for prop in properties.values()}
    facts = scope.facts if scope is not None else None
    for value, line in sorted(values_read(facts or module.facts), key=lambda pair: pair[1]):
        for written in _dotted_parts(value):
            head, _, member = written.rpartition(".")
            if not head or member not in names:
                continue
            prop = properties.get(analysis.project.resolve(module, facts, Dotted(written)) or "")
            if prop is not None and prop.facts.qualname.rpartition(".")[2] == member:
                yield prop, head, line


def _dotted_parts(value: Val) -> Iterator[str]:
    """Every `a.b` prefix of a dotted value, nested ones too: `INDEX.by_sku.get` gives
    `INDEX.by_sku` (the `INDEX` alone has nothing to read)."""
    if isinstance(value, Dotted):
        segments = value.name.replace("[]", "").split(".")
        for i in range(2, len(segments) + 1):
            yield ".".join(segments[:i])
    elif isinstance(value, Call):
        yield from _dotted_parts(value.func)
        for arg in (*value.args, *(v for _, v in value.kwargs)):
            yield from _dotted_parts(arg)
    elif isinstance(value, (Attr,)):
        yield from _dotted_parts(value.value)
    elif isinstance(value, Item):
        yield from _dotted_parts(value.of)
    elif isinstance(value, (Seq, Either, Operation)):
        for part in (value.items if isinstance(value, Seq) else value.options if isinstance(value, Either) else value.operands):
            yield from _dotted_parts(part)


# -- the calls a job makes ---------------------------------------------------------------


def argument_text(analysis: Analysis, module: Module, fn: FunctionRef | None, value: Val, depth: int = 0) -> str | None:
    """A constant argument as a literal a fix can write in the parent (`'mysql'`), or None."""
    if isinstance(value, Const):
        return repr(value.value)
    if isinstance(value, Dotted) and depth < _NAME_HOPS:
        target = analysis.project.resolve(module, fn.facts if fn else None, value)
        held = analysis.project.held_value(target) if target else None
        if held is not None:
            return argument_text(analysis, held[0], None, held[1], depth + 1)
    return None


def call_receiver(analysis: Analysis, loader: FunctionRef, module: Module, caller: FunctionRef | None, call: Call,
                  job_builds: frozenset[str] = frozenset()) -> Receiver | None:
    """What a call of the loader is made through, when that lives as long as the process (see
    `receiver`); a module function's own module."""
    if method_kind(analysis, loader) == "function":
        return Receiver(loader.module.name, "")
    if not isinstance(call.func, Dotted) or "." not in call.func.name:
        return None  # `ProductIndex().model(...)`: an instance made for the call
    return receiver(analysis, loader, module, caller, call.func.name.rpartition(".")[0], job_builds)


def call_text(analysis: Analysis, loader: FunctionRef, module: Module, caller: FunctionRef | None, call: Call,
              through: Receiver) -> str | None:
    """`expression_parser('mysql')` (`INDEX.model('en')` for a method) when every argument is
    a literal (or a module constant holding one); None otherwise."""
    args = [argument_text(analysis, module, caller, a) for a in call.args]
    kwargs = [(k, argument_text(analysis, module, caller, v)) for k, v in call.kwargs]
    if call.starred or None in args or any(v is None for _, v in kwargs):
        return None
    written = [*args, *(f"{k}={v}" for k, v in kwargs)]
    name = f"{through.prefix}{loader.facts.qualname.rpartition('.')[2]}" if through.name else loader.facts.qualname
    return f"{name}({', '.join(written)})"  # type: ignore[arg-type]


def constant_call(analysis: Analysis, module: Module, caller: FunctionRef | None, call: Call) -> bool:
    """Does the call pass only constants (the same in every job)?"""
    arguments = [*call.args, *(v for _, v in call.kwargs)]
    return not call.starred and all(analysis.constant(module, caller, a) for a in arguments)


def parent_calls(analysis: Analysis, parent: Parent, loader: FunctionRef) -> set[str] | None:
    """The calls of `loader` the parent makes before the fork, as written by `call_text`;
    None when it calls it with arguments, or through an object, forklint cannot read (then
    it may warm any)."""
    made: set[str] = set()
    for state in parent.states:
        for step in state.timeline:
            if step.kind != "call" or step.name != loader.qualified or step.call is None:
                continue
            caller = enclosing(analysis.project, step.module, step.call)
            through = call_receiver(analysis, loader, step.module, caller, step.call)
            text = call_text(analysis, loader, step.module, caller, step.call, through) if through else None
            if text is None:
                return None
            made.add(text)
    return made


def parent_reads(analysis: Analysis, parent: Parent, properties: dict[str, FunctionRef]) -> set[str]:
    """The cached properties the parent reads before the fork (through whatever object: a
    read forklint cannot place may be the instance the job reads)."""
    project = analysis.project
    read: set[str] = set()
    for state in parent.states:
        for name in state.modules:
            module = project.modules[name]
            read.update(prop.qualified for prop, _, _ in property_reads(analysis, module, None, properties))
        for step in state.timeline:
            ran = project.functions.get(step.name) if step.kind == "call" else None
            if ran is not None:
                read.update(prop.qualified for prop, _, _ in property_reads(analysis, ran.module, ran, properties))
    return read


# -- what it builds and what that costs ------------------------------------------------


def builds_client(analysis: Analysis, fn: FunctionRef, deep: bool = True) -> str | None:
    """The client, connection or pool `fn` builds (through the functions it calls when
    `deep`), if any: a catalogue `unsafe` API, a project class derived from one or whose
    methods build one, or a class named for what it is (`PolarSelfClient`, `...Session`)."""
    project = analysis.project
    unsafe = frozenset(api for entry in analysis.catalogue.for_rule("FRK901") for api in entry.apis)
    functions = [project.functions[name] for name in project.reachable(fn)] if deep else [fn]
    for callee in functions:
        for call in callee.facts.calls:
            api = analysis.api(callee, callee.module, call)
            if api and analysis.unsafe_entry(api) is not None:
                return api
            target = project.call_target(callee, callee.module, call) or ""
            owner = target if target in project.classes else target.rpartition(".")[0]
            if owner in project.classes and (project.is_subclass(owner, unsafe) or _holds_client(analysis, owner)):
                return owner
            constructed = target.rpartition(".")[2]
            if constructed[:1].isupper() and constructed.endswith(_CLIENT_WORDS):
                return target
    return None


def _holds_client(analysis: Analysis, cls: str) -> bool:
    """Does a method of the project class build a client itself (a lazy `_client`)?"""
    for name in analysis.project.classes[cls].facts.methods:
        method = analysis.project.functions.get(f"{cls}.{name}")
        for call in method.facts.calls if method is not None else ():
            api = analysis.api(method, method.module, call)
            if api and analysis.unsafe_entry(api) is not None:
                return True
    return False


def fill(analysis: Analysis, fn: FunctionRef, depth: int = 0) -> Fill:
    """What filling the loader costs once: the catalogue's figures for the library work its
    body (and the project functions it calls) does, plus a small estimate per plain call.
    A library call the catalogue does not know, or a catalogue cost that depends on the data,
    makes the cost unknown (never dropped as noise)."""
    project = analysis.project
    known, unknown, work = 0.0, False, []
    for name in project.reachable(fn):
        callee = project.functions[name]
        into_project = {id(call) for call, _ in project.callees(callee)}
        for call in callee.facts.calls:
            if id(call) in into_project:
                continue
            entry = next((e for rule in _COST_RULES if (e := analysis.entry_for(callee, callee.module, call, rule))), None)
            if entry is not None:
                cost = analysis.cost(entry, callee.module, call)
                known += cost.saving_ms if cost.known else 0.0
                unknown = unknown or not cost.known
                if not cost.known or cost.saving_ms >= analysis.floor_ms():
                    work.append(entry.summary)  # what costs: a static file lookup is not named
            elif _cheap(analysis, callee, call):
                known += CHEAP_CALL_MS
            elif (dearest := _dearest_definition(analysis, callee, call, depth)) is not None:
                known += dearest.cost.saving_ms
                work.extend(dearest.work)
            else:
                unknown = True
    cost = Cost(0.0, 0.0, "catalogue") if unknown else Cost(max(known, CHEAP_CALL_MS), 0.0, "catalogue")
    return Fill(cost, tuple(dict.fromkeys(work)))


def _dearest_definition(analysis: Analysis, fn: FunctionRef, call: Call, depth: int) -> Fill | None:
    """A method called on a value the analysis cannot type but that comes out of a project
    class (`for vcs in self.values(): vcs.get_identifier()`, `self.values()` reading a
    cached dict of backend classes) runs one of the project's own definitions of that
    method: it costs at most the dearest of them. None (unknown) when one of them is of
    unknown cost, when they are too many to price, or when the value may be a library's."""
    project = analysis.project
    target = project.call_target(fn, fn.module, call)
    if depth >= _DEFINITION_DEPTH or target is None or not _from_project_class(project, target):
        return None
    definitions = project.methods_named(target.rpartition(".")[2])
    if not definitions or len(definitions) > _MAX_DEFINITIONS:
        return None
    fills = [fill(analysis, definition, depth + 1) for definition in definitions]
    if not all(f.cost.known for f in fills):
        return None
    return max(fills, key=lambda f: f.cost.saving_ms)


def _from_project_class(project: Project, target: str) -> bool:
    """Is the receiver of `target` a value read off a project class or function (its
    attributes, what its methods return, their items), not a module variable that may hold
    a library's object?"""
    receiver = target.rpartition(".")[0]
    if not receiver.endswith(("()", "[]")):
        return False  # `pkg.mod.helper.method`: a name the analysis could not resolve at all
    parts = receiver.split(".")
    prefixes = (".".join(parts[:n]) for n in range(len(parts) - 1, 0, -1))
    return any(p in project.classes or p in project.functions for p in prefixes)


def _cheap(analysis: Analysis, fn: FunctionRef, call: Call) -> bool:
    """Plain Python work: a builtin (an exception raised on the error path too), the standard
    library, a project class without an `__init__`, or a container/string/path method."""
    target = analysis.project.call_target(fn, fn.module, call)
    if target is None and isinstance(call.func, Dotted) and hasattr(builtins, call.func.name):
        return True  # a builtin the project does not rebind: `raise ValueError(msg)`, `sorted(...)`
    if target is not None:
        if target in analysis.project.classes:
            return True
        if "." not in target:
            return hasattr(builtins, target)
        if stdlib(target) and target.split(".")[0] not in _COSTLY_STDLIB and "()" not in target:
            return True
    func = call.func
    method = func.attr if isinstance(func, Attr) else (target or (func.name if isinstance(func, Dotted) else "")).rpartition(".")[2]
    return method in _CHEAP_METHODS and (isinstance(func, Attr) or "." in (target or getattr(func, "name", "")))
