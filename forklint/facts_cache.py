"""A cache of per-file facts, keyed by the file's content, for fast re-runs.

Only facts are cached — what one parse of one file yields, which depends on nothing
but the file's bytes and the extractor. Linking, rules, the catalogue and the config
run on every invocation, so editing a catalogue entry or a config key can never be
served a stale result. The key still carries forklint's, LibCST's and Python's
versions and a hash of the extractor's code: a new extractor must not read facts an
old one wrote.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from . import __version__, cst_fields, extract, positions
from . import facts as facts_module
from .facts import ModuleFacts, ParseError

CACHE_DIR_NAME = ".forklint_cache"


def _toolchain() -> str:
    try:
        libcst = version("libcst")
    except PackageNotFoundError:  # pragma: no cover
        libcst = "?"
    # The extractor's own code is part of the key, so a development checkout that
    # changes what facts hold never reads facts written by the previous code.
    code = hashlib.sha256()
    for module in (extract, positions, cst_fields, facts_module):
        code.update(Path(module.__file__).read_bytes())  # type: ignore[arg-type]
    python = f"py{sys.version_info[0]}.{sys.version_info[1]}"
    return f"forklint-{__version__}-libcst-{libcst}-{python}-{code.hexdigest()[:12]}"


class FactsCache:
    """Facts on disk under `<folder>/<toolchain>/<aa>/<sha256>`; failures only cost speed."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.bucket = folder / _toolchain()
        self.hits = 0
        self.misses = 0
        self._usable = True

    @staticmethod
    def key(path: str, source: bytes) -> str:
        # The path is part of the key: facts record it, and two files may be identical.
        return hashlib.sha256(path.encode() + b"\0" + source).hexdigest()

    def get(self, key: str) -> ModuleFacts | ParseError | None:
        try:
            with open(self.bucket / key[:2] / key, "rb") as stream:
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
