"""Memoised loaders: functions that keep what they build for the life of the process.

What a rule needs to know about one: where it caches (a `functools`/`cachetools` decorator,
a lazy global, a module-level dict filled by key), which constant calls a job makes of it,
whether what it builds is a client (which belongs in the child), and what filling it costs,
estimated from the catalogue work its body (and the project functions it calls) does.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import Literal

from .analysis import Analysis
from .costs import Cost
from .facts import Attr, Call, Const, Dotted, Mapping, Pos, Val
from .prefork import Parent, enclosing
from .project import FunctionRef, Module
from .installed import stdlib

LoaderKind = Literal["memoised loader", "lazy singleton", "dict cache"]

CACHE_DECORATORS = frozenset({
    "functools.lru_cache", "functools.cache", "cachetools.cached", "cachetools.func.lru_cache",
    "cachetools.func.lfu_cache", "cachetools.func.rr_cache", "cachetools.func.fifo_cache",
})
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
    if facts.class_name is None:
        for decorator in facts.decorators:
            func = decorator.func if isinstance(decorator, Call) else decorator
            if analysis.project.resolve(fn.module, None, func) in CACHE_DECORATORS:
                spots.append(LoaderSpot("memoised loader", facts.name_pos))
                break
        else:
            # `_CACHE[key] = build(...)` once per call: one entry built per key. A fill in a loop
            # (`for k, v in ...: _REGISTRY[k] = v`) builds a whole registry on first use instead.
            if facts.params and any(_module_dict(analysis, fn, a.target[:-2]) for a in facts.assigns
                                    if a.target.endswith("[]") and "." not in a.target
                                    and isinstance(a.value, Call) and not a.value.in_loop):
                spots.append(LoaderSpot("dict cache", facts.name_pos))
    spots += [LoaderSpot("lazy singleton", pos) for _, pos in facts.lazy_globals]
    return spots


def _module_dict(analysis: Analysis, fn: FunctionRef, name: str) -> bool:
    """Does `name` in `fn` name a module-level dict (`_CACHE = {}`) of the project?"""
    if any(a.target == name for a in fn.facts.assigns) or name in fn.facts.params:
        return False
    held = analysis.project.held_value(f"{fn.module.name}.{name}")
    if held is None:
        return False
    where, value = held
    return isinstance(value, Mapping) or (isinstance(value, Call) and analysis.project.call_target(None, where, value) == "dict")


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


def call_text(analysis: Analysis, loader: FunctionRef, module: Module, caller: FunctionRef | None, call: Call) -> str | None:
    """`expression_parser('mysql')` when every argument is a literal (or a module constant
    holding one); None otherwise."""
    args = [argument_text(analysis, module, caller, a) for a in call.args]
    kwargs = [(k, argument_text(analysis, module, caller, v)) for k, v in call.kwargs]
    if call.starred or None in args or any(v is None for _, v in kwargs):
        return None
    written = [*args, *(f"{k}={v}" for k, v in kwargs)]
    return f"{loader.facts.qualname}({', '.join(written)})"  # type: ignore[arg-type]


def constant_call(analysis: Analysis, module: Module, caller: FunctionRef | None, call: Call) -> bool:
    """Does the call pass only constants (the same in every job)?"""
    arguments = [*call.args, *(v for _, v in call.kwargs)]
    return not call.starred and all(analysis.constant(module, caller, a) for a in arguments)


def parent_calls(analysis: Analysis, parent: Parent, loader: FunctionRef) -> set[str] | None:
    """The calls of `loader` the parent makes before the fork, as written by `call_text`;
    None when it calls it with arguments forklint cannot read (then it may warm any)."""
    made: set[str] = set()
    for state in parent.states:
        for step in state.timeline:
            if step.kind != "call" or step.name != loader.qualified or step.call is None:
                continue
            text = call_text(analysis, loader, step.module, enclosing(analysis.project, step.module, step.call), step.call)
            if text is None:
                return None
            made.add(text)
    return made


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


def fill(analysis: Analysis, fn: FunctionRef) -> Fill:
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
                work.append(entry.summary)
            elif _cheap(analysis, callee, call):
                known += CHEAP_CALL_MS
            else:
                unknown = True
    cost = Cost(0.0, 0.0, "catalogue") if unknown else Cost(max(known, CHEAP_CALL_MS), 0.0, "catalogue")
    return Fill(cost, tuple(dict.fromkeys(work)))


def _cheap(analysis: Analysis, fn: FunctionRef, call: Call) -> bool:
    """Plain Python work: a builtin, the standard library, a project class without an
    `__init__`, or a container/string/path method."""
    target = analysis.project.call_target(fn, fn.module, call)
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
