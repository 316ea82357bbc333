"""A cache of per-file facts, keyed by the file's content, for fast re-runs.

Only facts are cached — what one parse of one file yields, which depends on nothing
but the file's bytes and the extractor. Linking, rules, the catalogue and the config
run on every invocation, so editing a catalogue entry or a config key can never be
served a stale result. The key still carries forklint's, LibCST's and Python's
versions and a hash of forklint's code: a new extractor must not read facts an old
one wrote.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pickle
import sys
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TypeVar

from . import __version__
from .facts import ModuleFacts, ParseError

CACHE_DIR_NAME = ".forklint_cache"
_PACKAGE = Path(__file__).resolve().parent
# The modules whose code decides what facts hold.
_EXTRACTION = ("extract.py", "positions.py", "cst_fields.py", "facts.py", "facts_cache.py")


def _toolchain() -> str:
    try:
        libcst = version("libcst")
    except PackageNotFoundError:  # pragma: no cover
        libcst = "?"
    # The extraction's own code is part of the key, so a development checkout that
    # changes what facts hold never reads facts written by the previous code. Read as
    # bytes by name: importing the extractor to find its files would load LibCST on
    # runs that parse nothing.
    code = hashlib.sha256()
    for module in sorted(_PACKAGE / name for name in _EXTRACTION):
        code.update(module.relative_to(_PACKAGE).as_posix().encode() + b"\0" + module.read_bytes())
    python = f"py{sys.version_info[0]}.{sys.version_info[1]}"
    return f"forklint-{__version__}-libcst-{libcst}-{python}-{code.hexdigest()[:12]}"


_T = TypeVar("_T")
_FIELDS: dict[type, tuple[str, ...] | None] = {}  # a facts class's field names, in order; None: not facts


def shared(facts: _T) -> _T:
    """`facts`, fresh from the extractor, with each value held once: equal parts
    (`Dotted("self")`, a `Pos`, a name) become one object.

    Facts are frozen values, so equal parts are interchangeable. A file's facts repeat
    most of theirs (netbox: 1.8 M objects over 765 files): held once, they unpickle in
    half the time from the cache, cross from the parse workers faster and take less
    memory. Applied to every parse, cached or not, so a cold run and a warm one see
    the same objects. A part is keyed by its type and its (already shared) fields'
    identities, so each is hashed once; 1 and True, 0.0 and -0.0 stay apart.

    The extractor's values belong to this one file and nobody holds them yet: each is
    visited once (by identity), its fields are replaced by their shared forms in place
    and the first of equal values is kept, rather than every value being rebuilt (40 %
    less time: this ran at a third of the parse's cost on a cold run).
    """
    memo: dict[object, object] = {}
    strings: dict[str, str] = {}
    ints: dict[int, int] = {}
    done: dict[int, object] = {}  # id of a part visited (alive to the end) -> its shared form
    fields_of = _FIELDS

    def share(value: object) -> object:
        found = done.get(id(value))
        if found is not None:
            return found
        kind = type(value)
        if kind is tuple:
            items = tuple(map(part, value))  # type: ignore[call-overload]
            found = memo.setdefault((tuple, *map(id, items)), items)
        else:
            names = fields_of.get(kind)
            if names is None:
                if kind in fields_of or not dataclasses.is_dataclass(value):
                    fields_of[kind] = None
                    return value  # None, bool, float, bytes: small or singletons
                names = fields_of[kind] = tuple(f.name for f in dataclasses.fields(value))
            held = value.__dict__  # facts classes have no __slots__
            key: list[object] = [kind]
            for name in names:
                # `part`, written out: most fields are names and numbers (a `Pos` is four).
                item = held[name]
                of = type(item)
                if of is str:
                    item = held[name] = strings.setdefault(item, item)
                elif of is int:
                    item = held[name] = ints.setdefault(item, item)
                elif item is not None and of is not bool:
                    item = held[name] = share(item)
                key.append(id(item))
            found = memo.setdefault(tuple(key), value)
        done[id(value)] = found
        return found

    def part(value: object) -> object:
        kind = type(value)
        if kind is str:
            return strings.setdefault(value, value)  # type: ignore[arg-type]
        if kind is int:
            return ints.setdefault(value, value)  # type: ignore[arg-type]
        if value is None or kind is bool:
            return value
        return share(value)

    try:
        return part(facts)  # type: ignore[return-value]
    except RecursionError:  # a value nested deeper than the interpreter recurses: kept as is
        return facts


class FactsCache:
    """Facts on disk under `<folder>/<toolchain>/<aa>/<sha256>`; failures only cost speed."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.bucket = folder / _toolchain()
        self._bucket = os.fspath(self.bucket)
        self.hits = 0
        self.misses = 0
        self._usable = True

    @staticmethod
    def key(path: str, source: bytes) -> str:
        # The path is part of the key: facts record it, and two files may be identical.
        return hashlib.sha256(path.encode() + b"\0" + source).hexdigest()

    def get(self, key: str) -> ModuleFacts | ParseError | None:
        try:
            with open(f"{self._bucket}/{key[:2]}/{key}", "rb") as stream:  # (a Path per file costs more than the read)
                facts = pickle.load(stream)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError):
            self.misses += 1
            return None
        self.hits += 1
        return facts

    def put(self, key: str, facts: ModuleFacts | ParseError) -> None:
        if not self._usable:
            return
        target = self.bucket / key[:2] / key
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            ignore = self.folder / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Created by forklint: its cache of per-file facts.\n*\n")
            handle, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            with os.fdopen(handle, "wb") as stream:
                pickle.dump(facts, stream, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temp, target)
        except OSError:
            self._usable = False  # a read-only tree: run on without a cache
