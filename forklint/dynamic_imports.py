"""Modules a program imports by computed names: discovery loops over a package.

An app factory often imports its blueprints, models or plugins by name in a loop:
`import_module(f"app.{name}.tasks")` over a list, or a walk of a package's files
(`os.walk`, `pkgutil.walk_packages(pkg.__path__)`) whose kept names are imported.
The names are not in the code, but their shape is: a constant suffix, the package
walked, the literals the loop compares each name with (`segments[-1] == "blueprint"`).
This module turns that shape into the project modules such a loop may import, so the
parent simulation loads them.

It only ever adds modules to what a parent loads: a claim "nothing the parent loads
imports X" is dropped when a loop could import X, never made. A computed name outside
a loop (`import_module(settings.BACKEND)`) picks one module: nothing is assumed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator
from weakref import WeakKeyDictionary

from .facts import Attr, Call, Const, Dotted, Item, Operation, Seq, Val, receiver_of
from .project import FunctionRef, Module, Project

# Calls that import a module named by a string.
IMPORTERS = frozenset({
    "importlib.import_module", "__import__", "importlib.__import__", "werkzeug.utils.import_string",
    "werkzeug.import_string", "django.utils.module_loading.import_string",
})
# Calls that list a folder or package, and whether they go down into subpackages.
_WALKS: dict[str, bool] = {
    "os.walk": True, "pkgutil.walk_packages": True, "glob.glob": True, "glob.iglob": True,
    "pathlib.Path().rglob": True, "pathlib.Path().glob": True, "werkzeug.utils.find_modules": False,
    "pkgutil.iter_modules": False, "os.listdir": False, "os.scandir": False, "pathlib.Path().iterdir": False,
}
_PATH_JOINS = frozenset({"os.path.join", "pathlib.Path", "pathlib.PurePath"})
_HOPS = 8  # how many names, calls, attributes and defaults a package path is followed through
_ANY_TAIL = r"\w+"  # a computed last part: one name (`f"app.plugins.{name}"`)
_ANY_PART = r"[\w.]+"  # a computed part before a constant one: a dotted path (`f"{app}.tasks"`)


@dataclass(frozen=True)
class Computed:
    """What an importer call imports: `certain` modules it surely imports when it runs (a
    constant name; every module a package walk keeps), and `possible` ones, any of which
    it may import (a name built from a list the configuration fills: which plugins are
    enabled is not in the code)."""

    certain: tuple[str, ...] = ()
    possible: tuple[str, ...] = ()


def computed_imports(project: Project, module: Module, fn: FunctionRef | None, call: Call) -> Computed:
    """The project modules an importer call (`IMPORTERS`) imports, sorted."""
    cache = _CACHE.setdefault(project, {})
    # Facts are shared within a file, so the same call object may stand in two functions
    # of it; the module name keeps two files' equal loops apart as well.
    key = (module.name, id(call))
    if key not in cache:
        cache[key] = _computed(project, module, fn, call)
    return cache[key]


_CACHE: "WeakKeyDictionary[Project, dict[tuple[str, int], Computed]]" = WeakKeyDictionary()


def _computed(project: Project, module: Module, fn: FunctionRef | None, call: Call) -> Computed:
    name = call.arg(0, "name") or call.kwarg("import_name") or call.kwarg("dotted_path")
    if name is None:
        return Computed()
    if isinstance(name, Const):
        found = project.module(name.value) if isinstance(name.value, str) else None
        return Computed(certain=(found.name,) if found is not None else ())
    if not call.in_loop:
        return Computed()
    pattern = _name_pattern(project, module, fn, name)
    if pattern is not None and _names_a_part(pattern):
        regex = re.compile(_regex(pattern))
        return Computed(possible=tuple(sorted(m for m in project.modules if regex.fullmatch(m))))
    walk = _package_walk(project, module, fn)
    if walk is None:
        return Computed()
    root, deep = walk
    compared = fn.facts.compared if fn is not None else module.facts.compared
    chosen = {part for part in (*compared, *_constant_parts(pattern)) if _selects(part, root)}
    found = set()
    for candidate in project.modules:
        if not candidate.startswith(f"{root}."):
            continue
        parts = candidate[len(root) + 1:].split(".")
        if (deep or len(parts) == 1) and (not chosen or chosen & set(parts)):
            found.add(candidate)
    return Computed(certain=tuple(sorted(found)))


# -- a name built from constant and computed parts -------------------------------------

# A name pattern: constant text, and None for each computed part.
_Pattern = tuple["str | None", ...]


def _name_pattern(project: Project, module: Module, fn: FunctionRef | None, value: Val, hops: int = 0) -> _Pattern | None:
    """`f"{pkg}.{name}.blueprint"` → (None, ".", None, ".blueprint"); None unless the name
    is built by an f-string or `+` (followed through a local name it is assigned to)."""
    if hops > _HOPS:
        return None
    if isinstance(value, Operation) and value.op in ("f", "+"):
        parts: list[str | None] = []
        for operand in value.operands:
            text = _constant_text(project, module, fn, operand)
            inner = _name_pattern(project, module, fn, operand, hops + 1) if text is None else None
            parts.extend(inner if inner is not None else [text])
        return tuple(parts)
    if isinstance(value, Dotted) and fn is not None and "." not in value.name:
        assigned = [a.value for a in fn.facts.assigns if a.target == value.name]
        if len(assigned) == 1:  # a name bound once (not a loop variable rebound each turn)
            return _name_pattern(project, module, fn, assigned[0], hops + 1)
    return None


def _constant_text(project: Project, module: Module, fn: FunctionRef | None, value: Val) -> str | None:
    """A part's text when it is the same every time: a literal, `__name__`, a module constant."""
    if isinstance(value, Const):
        return value.value if isinstance(value.value, str) else None
    if isinstance(value, Dotted):
        if value.name == "__name__":
            return module.name
        if value.name == "__package__":
            return module.name if module.facts.is_package else module.name.rpartition(".")[0]
        if value.name.endswith(".__name__"):  # `plugins.__name__`: an imported package's name
            target = project.resolve(module, fn.facts if fn else None, Dotted(value.name[: -len(".__name__")]))
            found = project.module(target) if target else None
            return found.name if found is not None else None
        target = project.resolve(module, fn.facts if fn else None, value)
        held = project.held_value(target) if target else None
        if held is not None and isinstance(held[1], Const) and isinstance(held[1].value, str):
            return held[1].value
    return None


def _regex(pattern: _Pattern) -> str:
    out = []
    for index, part in enumerate(pattern):
        if part is not None:
            out.append(re.escape(part))
        else:
            out.append(_ANY_PART if any(p for p in pattern[index + 1:]) else _ANY_TAIL)
    return "".join(out)


def _names_a_part(pattern: _Pattern) -> bool:
    """Does the constant text name a whole module part (`.blueprint`, `app.`)? A pattern of
    computed parts and dots alone (`f"{a}.{b}"`) could be any module."""
    return any(_constant_parts(pattern))


def _constant_parts(pattern: _Pattern | None) -> Iterator[str]:
    """The whole module parts a pattern's constant text spells (`".blueprint"` → blueprint)."""
    if pattern is None:
        return
    for index, part in enumerate(pattern):
        if not part:
            continue
        pieces = part.split(".")
        for i, piece in enumerate(pieces):
            # A piece touching a computed part is only a fragment of a name (`f"{x}_tasks"`).
            open_left = i == 0 and index > 0 and pattern[index - 1] is None
            open_right = i == len(pieces) - 1 and index + 1 < len(pattern) and pattern[index + 1] is None
            if piece.isidentifier() and not open_left and not open_right:
                yield piece


def _selects(literal: str, root: str) -> bool:
    """A compared literal that can pick modules by a part of their name."""
    return literal.isidentifier() and not literal.startswith("__") and literal not in root.split(".")


# -- the package a loop walks ----------------------------------------------------------


def _package_walk(project: Project, module: Module, fn: FunctionRef | None) -> tuple[str, bool] | None:
    """The project package `fn` (or a project function it calls; module-level code when
    None) lists, and whether it goes down into subpackages."""
    scopes: list[tuple[Module, FunctionRef | None]] = [(module, fn)]
    scopes += [(callee.module, callee) for _, callee in project.callees(fn)] if fn is not None else []
    for where, walker in scopes:
        for call in walker.facts.calls if walker is not None else where.facts.calls:
            target = project.call_target(walker, where, call)
            deep = _WALKS.get(target or "")
            if deep is None:
                continue
            if target == "werkzeug.utils.find_modules":
                recursive = call.arg(2, "recursive")
                deep = isinstance(recursive, Const) and recursive.value is True
            path = call.arg(0, "top") or call.kwarg("path") or call.kwarg("import_path")
            root = _package(project, where, walker, path, 0) if path is not None else None
            owner = receiver_of(call.func)
            if root is None and owner is not None:  # `Path(root).rglob("*.py")`
                root = _package(project, where, walker, owner, 0)
            if root is not None:
                return root, deep
    return None


def _package(project: Project, module: Module, fn: FunctionRef | None, value: Val, hops: int) -> str | None:
    """The project package a path or name value stands for: `pkg.__path__`, a folder of
    `__file__`, a literal package name (`get_root_path("app")`), followed through local
    names, parameter defaults and the calls that wrap them."""
    if hops > _HOPS:
        return None
    if isinstance(value, Const):
        found = project.module(value.value) if isinstance(value.value, str) else None
        return found.name if found is not None and found.facts.is_package else None
    if isinstance(value, Dotted):
        name = value.name
        if name == "__file__" or name == "__path__":
            return module.name if module.facts.is_package else module.name.rpartition(".")[0] or None
        if name.endswith(".__path__"):
            target = project.resolve(module, fn.facts if fn else None, Dotted(name[: -len(".__path__")]))
            found = project.module(target) if target else None
            return found.name if found is not None else None
        if fn is not None and "." not in name:
            assigned = [a.value for a in fn.facts.assigns if a.target == name]
            if assigned:
                return _package(project, module, fn, assigned[-1], hops + 1)
            default = dict(fn.facts.defaults).get(name)
            if default is not None:
                return _package(project, module, fn, default, hops + 1)
        target = project.resolve(module, fn.facts if fn else None, value)
        held = project.held_value(target) if target else None
        return _package(project, held[0], None, held[1], hops + 1) if held is not None else None
    if isinstance(value, Call):
        target = project.call_target(fn, module, value)
        base = None
        for arg in value.args:
            base = base or _package(project, module, fn, arg, hops + 1)
        if base is not None and target in _PATH_JOINS:  # `os.path.join(dirname(__file__), "plugins")`
            return _subpackage(project, base, value.args[1:])
        return base
    if isinstance(value, Operation) and value.op == "/":  # `Path(__file__).parent / "plugins"`
        base = _package(project, module, fn, value.operands[0], hops + 1)
        return _subpackage(project, base, value.operands[1:]) if base is not None else None
    if isinstance(value, Attr):  # `Path(__file__).parent`
        return _package(project, module, fn, value.value, hops + 1)
    if isinstance(value, Item):
        return _package(project, module, fn, value.of, hops + 1)
    if isinstance(value, Seq):  # `pkgutil.iter_modules([folder])`
        for item in value.items:
            found = _package(project, module, fn, item, hops + 1)
            if found is not None:
                return found
    return None


def _subpackage(project: Project, base: str, parts: tuple[Val, ...]) -> str | None:
    """`base` extended by the literal folder names that follow it; None unless each is a
    project package (a folder of data, or one named at run time, is not a package walk)."""
    for part in parts:
        if not (isinstance(part, Const) and isinstance(part.value, str) and project.module(f"{base}.{part.value}")):
            return None
        base = f"{base}.{part.value}"
    return base
