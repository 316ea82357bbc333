"""What installed third-party packages import at module level, read from their files.

When the worker's parent imports `zeep`, it also loads whatever `zeep` imports at
module level (`lxml.etree`), and a job's `from lxml import etree` is then a lookup.
Like pylint and mypy, forklint reads the environment it runs in: it finds a module's
file with `importlib.machinery.PathFinder` (which imports nothing) and reads its
module-level import statements with `ast`. Nothing is imported or executed. A file is
parsed once per run, keyed by its content's hash; the walk is bounded in depth and
count, so a huge dependency tree costs a bounded, small time. What each file imports is
kept in the cache folder (`keep_in`), keyed by its path, size and modification time, so
a warm run reads no installed file at all (zou: 276 of them, 0.8 s of CPU every run).
"""

from __future__ import annotations

import ast
import hashlib
import os
import pickle
import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib.machinery import PathFinder
from pathlib import Path
from typing import Iterable, Sequence

_MAX_DEPTH = 12  # import hops followed from what the parent imports
_MAX_MODULES = 4000  # modules read per closure


@dataclass(frozen=True)
class ModuleFile:
    """Where an installed module lives."""

    name: str
    origin: str | None  # its .py file; None for a namespace package or a compiled module
    is_package: bool
    locations: tuple[str, ...]  # a package's submodule search path


def stdlib(name: str) -> bool:
    """Is it a standard-library module (or `__future__`)?"""
    top = name.split(".")[0]
    return top in sys.stdlib_module_names or top == "__future__"


class Installed:
    """The installed modules on one search path (the running interpreter's `sys.path`)."""

    def __init__(self, path: Sequence[str] | None = None) -> None:
        self.path = [p for p in (sys.path if path is None else path) if isinstance(p, str)]
        self._found: dict[str, ModuleFile | None] = {}
        # By content, name and kind: equal files of two packages (`from .core import x`
        # in a/__init__.py and b/__init__.py) import different modules.
        self._by_hash: dict[tuple[str, str, bool], tuple[str, ...]] = {}
        self._by_file: dict[str, tuple[str, ...]] = {}
        self._kept: Path | None = None  # the table's file in a cache folder; None: this run only
        # origin -> (mtime_ns, size, module name, is a package, what it imports)
        self._table: dict[str, tuple[int, int, str, bool, tuple[str, ...]]] | None = None
        self._changed = False

    def keep_in(self, folder: Path | None) -> None:
        """Keep what installed files import in `folder` (a cache folder), across runs. The
        file's name holds this module's code hash and the Python version: another reader or
        another `ast` never reads a table it did not write."""
        kept = folder / _table_name() if folder is not None else None
        if kept != self._kept:
            self._kept, self._table, self._changed = kept, None, False

    def find(self, name: str) -> ModuleFile | None:
        """The module's file, found without importing anything; None when not installed."""
        if name not in self._found:
            self._found[name] = self._find(name)
        return self._found[name]

    def _find(self, name: str) -> ModuleFile | None:
        package, _, _ = name.rpartition(".")
        if package:
            parent = self.find(package)
            if parent is None or not parent.locations:
                return None
            search = list(parent.locations)
        else:
            search = self.path
        try:
            spec = PathFinder.find_spec(name, search)
        except (ImportError, ValueError, OSError):  # a broken .pth entry, an unreadable directory
            return None
        if spec is None:
            return None
        locations = tuple(spec.submodule_search_locations or ())
        origin = spec.origin if spec.origin and spec.origin.endswith(".py") else None
        return ModuleFile(name, origin, bool(locations), locations)

    def is_installed(self, name: str) -> bool:
        return self.find(name.split(".")[0]) is not None

    def imports(self, name: str) -> tuple[str, ...]:
        """Modules the module's own module-level import statements load (absolute names)."""
        found = self.find(name)
        if found is None or found.origin is None:
            return ()
        if found.origin not in self._by_file:
            read = self._read_imports(found, found.origin)
            if read is None:
                return ()
            self._by_file[found.origin] = read
        loaded: list[str] = []
        for target in self._by_file[found.origin]:
            module, _, attribute = target.partition(":")
            loaded.append(module)
            # `from pkg import sub`: a submodule is imported too, a plain name is not.
            if attribute and self.find(f"{module}.{attribute}") is not None:
                loaded.append(f"{module}.{attribute}")
        return tuple(loaded)

    def _read_imports(self, found: ModuleFile, origin: str) -> tuple[str, ...] | None:
        """The file's module-level imports: from the kept table while the file is unchanged."""
        try:
            stat = os.stat(origin)
        except OSError:
            return None
        table = self._load()
        kept = table.get(origin)
        if isinstance(kept, tuple) and len(kept) == 5 and \
                kept[:4] == (stat.st_mtime_ns, stat.st_size, found.name, found.is_package):
            return kept[4]
        try:
            with open(origin, "rb") as stream:
                source = stream.read()
        except OSError:
            return None
        key = (hashlib.sha256(source).hexdigest(), found.name, found.is_package)
        if key not in self._by_hash:
            self._by_hash[key] = tuple(_module_level_imports(source, found.name, found.is_package))
        if self._kept is not None:
            table[origin] = (stat.st_mtime_ns, stat.st_size, found.name, found.is_package, self._by_hash[key])
            self._changed = True
        return self._by_hash[key]

    def _load(self) -> dict[str, tuple[int, int, str, bool, tuple[str, ...]]]:
        if self._table is None:
            self._table = {}
            if self._kept is not None:
                try:
                    with open(self._kept, "rb") as stream:
                        loaded = pickle.load(stream)
                    if isinstance(loaded, dict):
                        self._table = loaded
                except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError):
                    pass  # none yet, or broken: read the files again
        return self._table

    def _save(self) -> None:
        if not self._changed or self._kept is None or self._table is None:
            return
        from .fix.write import keep_in_cache  # the one atomic writer

        if keep_in_cache(self._kept, pickle.dumps(self._table, protocol=pickle.HIGHEST_PROTOCOL)):
            self._changed = False
        else:
            self._kept = None  # a read-only tree: keep the table for this run only

    def closure(self, names: Iterable[str]) -> frozenset[str]:
        """Every module that importing `names` loads, as far as their files say."""
        seen: set[str] = set()
        frontier = [(n, 0) for n in names if not stdlib(n)]
        while frontier and len(seen) < _MAX_MODULES:
            name, depth = frontier.pop()
            parts = name.split(".")
            for i in range(1, len(parts) + 1):  # importing a.b runs a's __init__ first
                module = ".".join(parts[:i])
                if module in seen or self.find(module) is None:
                    continue
                seen.add(module)
                if depth < _MAX_DEPTH:
                    frontier.extend((m, depth + 1) for m in self.imports(module) if not stdlib(m) and m not in seen)
        self._save()
        return frozenset(seen)


def _module_level_imports(source: bytes, name: str, is_package: bool) -> list[str]:
    """`module` or `module:name` for each import statement run at import time."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    package = name if is_package else name.rpartition(".")[0]
    found: list[str] = []

    def visit(body: list[ast.stmt]) -> None:
        for stmt in body:
            if isinstance(stmt, ast.Import):
                found.extend(alias.name for alias in stmt.names)
            elif isinstance(stmt, ast.ImportFrom):
                base = _absolute(package, stmt.module, stmt.level)
                if base:
                    found.extend(f"{base}:{alias.name}" for alias in stmt.names if alias.name != "*")
                    if any(alias.name == "*" for alias in stmt.names):
                        found.append(base)
            elif isinstance(stmt, ast.If):
                if not _type_checking(stmt.test):
                    visit(stmt.body)
                    visit(stmt.orelse)
            elif isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
                # The body runs when what it imports is installed; the handlers only when not.
                visit(stmt.body)  # type: ignore[attr-defined]
                visit(stmt.orelse)  # type: ignore[attr-defined]
                visit(stmt.finalbody)  # type: ignore[attr-defined]
            elif isinstance(stmt, ast.With):
                visit(stmt.body)

    visit(tree.body)
    return found


def _absolute(package: str, module: str | None, level: int) -> str | None:
    if level == 0:
        return module
    parts = package.split(".") if package else []
    if level - 1 > len(parts):
        return None
    base = ".".join(parts[:len(parts) - (level - 1)])
    return f"{base}.{module}" if module and base else (module or base or None)


def _type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _table_name() -> str:
    code = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
    return f"installed-imports-py{sys.version_info[0]}.{sys.version_info[1]}-{code}.pickle"


@lru_cache(maxsize=1)
def installed() -> Installed:
    """The environment forklint runs in, read once per run."""
    return Installed()
