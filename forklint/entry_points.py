"""Entry points: those a project declares, and the calls that load a group of them.

A plugin host loads its plugins by entry-point group: `importlib.metadata.entry_points(
group=...)`, `pkg_resources.iter_entry_points(...)`, a stevedore manager, pluggy's
`load_setuptools_entrypoints`. Where the project itself declares entry points in that
group (`setup.py`, `setup.cfg`, `pyproject.toml`), the process that makes the call may
import the modules they name; which of them, its configuration says (the plugins a
deployment enables), so they are only *possibly* imported.

The declarations are read, never run.
"""

from __future__ import annotations

import ast
import configparser
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .facts import Call, Const, Dotted, Either, Item, Seq, Val

if TYPE_CHECKING:
    from .project import FunctionRef, Module, Project

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib  # type: ignore[no-redef]

CONSOLE_SCRIPTS = "console_scripts"

# Calls that load every entry point of a group, and where the group is: (position, keyword).
LOADERS: dict[str, tuple[int | None, str]] = {
    "importlib.metadata.entry_points": (None, "group"),
    "importlib_metadata.entry_points": (None, "group"),
    "importlib.metadata.entry_points().select": (None, "group"),
    "importlib_metadata.entry_points().select": (None, "group"),
    "importlib.metadata.entry_points().get": (0, "group"),  # the dict of Python < 3.10
    "pkg_resources.iter_entry_points": (0, "group"),
    "pkg_resources.working_set.iter_entry_points": (0, "group"),
    "pluggy.PluginManager().load_setuptools_entrypoints": (0, "group"),
    "pluggy.manager.PluginManager().load_setuptools_entrypoints": (0, "group"),
    **{f"stevedore.{name}": (0, "namespace") for name in (
        "ExtensionManager", "extension.ExtensionManager", "NamedExtensionManager", "named.NamedExtensionManager",
        "EnabledExtensionManager", "enabled.EnabledExtensionManager", "DriverManager", "driver.DriverManager",
        "HookManager", "hook.HookManager", "DispatchExtensionManager", "dispatch.DispatchExtensionManager",
        "NameDispatchExtensionManager", "dispatch.NameDispatchExtensionManager",
    )},
}
_MAX_DEPTH = 6


@dataclass(frozen=True)
class EntryPoint:
    """`name = module:attr` in `group`, on `line` of the file that declares it."""

    group: str
    name: str
    target: str  # `pkg.plugin:Plugin`, extras (`[extra]`) dropped
    line: int

    @property
    def module(self) -> str:
        return self.target.partition(":")[0].strip()


# --- what the project declares -------------------------------------------------------------


def read_pyproject(text: str) -> list[EntryPoint]:
    """`[project.scripts]`, `[project.gui-scripts]`, `[project.entry-points.GROUP]`, and
    Poetry's `[tool.poetry.scripts]` and `[tool.poetry.plugins.GROUP]`."""
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError):
        return []
    project, poetry = data.get("project", {}), data.get("tool", {}).get("poetry", {})
    tables: list[tuple[str, object]] = [(CONSOLE_SCRIPTS, project.get("scripts", {})),
                                        ("gui_scripts", project.get("gui-scripts", {})),
                                        (CONSOLE_SCRIPTS, poetry.get("scripts", {}))]
    for source in (project.get("entry-points", {}), poetry.get("plugins", {})):
        tables += list(source.items()) if isinstance(source, dict) else []
    found = []
    for group, table in tables:
        for name, target in (table.items() if isinstance(table, dict) else ()):
            if isinstance(target, dict):
                target = target.get("reference", "")
            if isinstance(target, str) and ":" in target:
                found.append(EntryPoint(group, name, _without_extras(target), _line_of(text, name)))
    return found


def read_setup_cfg(text: str) -> list[EntryPoint]:
    """Every group under `[options.entry_points]`."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # group names keep their case
    try:
        parser.read_string(text)
        if not parser.has_section("options.entry_points"):
            return []
        groups = parser.items("options.entry_points")
    except configparser.Error:
        return []
    return [ep for group, value in groups for ep in _entry_lines(text, group, value.splitlines())]


def read_setup_py(text: str) -> list[EntryPoint]:
    """`entry_points={"group": [...] or "..."}` in a `setup(...)` call."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    assigned = {target.id: node.value for node in tree.body if isinstance(node, ast.Assign)
                for target in node.targets if isinstance(target, ast.Name)}
    found: list[EntryPoint] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "setup"):
            continue
        for keyword in node.keywords:
            if keyword.arg != "entry_points":
                continue
            value = keyword.value
            value = assigned.get(value.id, value) if isinstance(value, ast.Name) else value
            if not isinstance(value, ast.Dict):
                continue
            for key, item in zip(value.keys, value.values):
                if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                    continue
                item = assigned.get(item.id, item) if isinstance(item, ast.Name) else item
                strings = [e.value for e in getattr(item, "elts", []) if isinstance(e, ast.Constant)]
                if isinstance(item, ast.Constant) and isinstance(item.value, str):
                    strings = item.value.splitlines()
                found += _entry_lines(text, key.value, [s for s in strings if isinstance(s, str)])
    return found


def _entry_lines(text: str, group: str, entries: list[str]) -> list[EntryPoint]:
    found = []
    for entry in entries:
        name, sep, target = entry.partition("=")
        if sep and ":" in target:
            found.append(EntryPoint(group, name.strip(), _without_extras(target), _line_of(text, entry.strip())))
    return found


def _without_extras(target: str) -> str:
    return target.split("[", 1)[0].strip()  # `pkg.cli:main [extra]`


def _line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number
    return 1


_READERS = {"pyproject.toml": read_pyproject, "setup.cfg": read_setup_cfg, "setup.py": read_setup_py}


def declared(project: "Project") -> dict[str, tuple[EntryPoint, ...]]:
    """The entry points the project declares, by group (read once per project): in the
    packaging files at its root and one folder down (a monorepo's packages)."""
    return project.derived("entry points", lambda: _read_declared(Path(project.root)))


def _read_declared(root: Path) -> dict[str, tuple[EntryPoint, ...]]:
    folders = [root] + sorted(p for p in _subfolders(root))
    groups: dict[str, list[EntryPoint]] = {}
    for folder in folders:
        for name, reader in _READERS.items():
            try:
                text = (folder / name).read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            for entry in reader(text):
                groups.setdefault(entry.group, []).append(entry)
    return {group: tuple(entries) for group, entries in groups.items()}


def _subfolders(root: Path) -> list[Path]:
    try:
        return [p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))]
    except OSError:
        return []


# --- what a call loads ----------------------------------------------------------------------


def loaded_modules(project: "Project", module: "Module", fn: "FunctionRef | None", call: Call, target: str) -> list[str]:
    """The project modules named by the entry points of the groups this call loads, when
    it is an entry-point loader and the project declares the group (in declaration order)."""
    found = [entry.module for entry in _listed(project, module, fn, call, target) if project.module(entry.module)]
    return list(dict.fromkeys(found))


def loaded_objects(project: "Project", module: "Module", fn: "FunctionRef | None", call: Call, target: str) -> list[str]:
    """What `entry_point.load()` returns for the entry points this loader call lists, as
    dotted targets (`pkg.plugin:Plugin` → `pkg.plugin.Plugin`), for the groups the project
    declares (in declaration order)."""
    found = [entry.target.replace(":", ".").replace(" ", "")
             for entry in _listed(project, module, fn, call, target) if ":" in entry.target]
    return list(dict.fromkeys(found))


def _listed(project: "Project", module: "Module", fn: "FunctionRef | None", call: Call, target: str) -> list[EntryPoint]:
    """The entry points (console scripts aside) of the declared groups an entry-point
    loader call reads, group by group in name order."""
    where = LOADERS.get(target)
    groups = declared(project) if where is not None else {}
    if not groups:
        return []
    index, keyword = where  # type: ignore[misc]
    value = call.arg(index, keyword) if index is not None else call.kwarg(keyword)
    names = group_names(project, module, fn, value) if value is not None else None
    return [entry for group in sorted(names or ()) for entry in groups.get(group, ()) if entry.group != CONSOLE_SCRIPTS]


def group_names(project: "Project", module: "Module", fn: "FunctionRef | None", value: Val,
                depth: int = 0) -> set[str] | None:
    """The strings `value` may be, where the code shows every one: a literal, a constant
    (also imported), an item of a constant list (`for group in GROUPS`), a parameter every
    caller passes a constant (or leaves to its constant default). None when unknown."""
    if depth > _MAX_DEPTH:
        return None

    def union(values: list[tuple["Module", "FunctionRef | None", Val]]) -> set[str] | None:
        found: set[str] = set()
        for where, scope, item in values:
            names = group_names(project, where, scope, item, depth + 1)
            if names is None:
                return None
            found |= names
        return found if values else None

    if isinstance(value, Const):
        return {value.value} if isinstance(value.value, str) else None
    if isinstance(value, Either):
        return union([(module, fn, option) for option in value.options])
    if isinstance(value, Item):
        of = value.of
        if isinstance(of, Dotted):
            held = _held(project, module, fn, of.name)
            if held is not None:
                module, fn, of = held
        if isinstance(of, Seq):
            items = of.items if value.index is None or not -len(of.items) <= value.index < len(of.items) \
                else (of.items[value.index],)
            return union([(module, fn, item) for item in items])
        return None
    if isinstance(value, Dotted):
        if fn is not None and "." not in value.name:
            assigned = [a.value for a in fn.facts.assigns if a.target == value.name]
            if assigned:
                return union([(module, fn, a) for a in assigned])
            if value.name in fn.facts.params:
                return _parameter_names(project, fn, value.name, depth)
        held = _held(project, module, fn, value.name)
        return union([held]) if held is not None else None
    return None


def _held(project: "Project", module: "Module", fn: "FunctionRef | None", name: str
          ) -> tuple["Module", "FunctionRef | None", Val] | None:
    """The value a module-level variable (of this module or imported) is assigned."""
    if "." not in name and (fn is None or not any(a.target == name for a in fn.facts.assigns)):
        assigns = [a for a in module.facts.assigns if a.target == name]
        if len(assigns) == 1:
            return module, None, assigns[0].value
    target = project.resolve(module, fn.facts if fn else None, Dotted(name))
    held = project.held_value(target) if target else None
    return (held[0], None, held[1]) if held is not None else None


def _parameter_names(project: "Project", fn: "FunctionRef", name: str, depth: int) -> set[str] | None:
    """What every call site passes for parameter `name` (or its default)."""
    default = dict(fn.facts.defaults).get(name)
    index = fn.facts.params.index(name)
    found: set[str] = set()
    sites = project.callers(fn)
    for caller, module, call in sites:
        if call.starred:
            return None
        argument = call.kwarg(name)
        if argument is None:
            position = index - project.bound_arguments(fn, caller, module, call)
            argument = call.args[position] if 0 <= position < len(call.args) else None
        if argument is not None:
            names = group_names(project, module, caller, argument, depth + 1)
        else:
            names = group_names(project, fn.module, None, default, depth + 1) if default is not None else None
        if names is None:
            return None
        found |= names
    if not sites:
        return group_names(project, fn.module, None, default, depth + 1) if default is not None else None
    return found
