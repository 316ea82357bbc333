"""`--write-baseline FILE` / `--baseline FILE`: accept today's findings, report new ones.

A finding is keyed by its file (relative to the baseline's folder), its code and a
hash of the flagged line's stripped text, not its line number: adding or removing
lines above a finding does not bring it back, while editing the flagged line does.
Keys are counted, so a second identical finding in the same file is still new.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from .diagnostics import Diagnostic
from .fix.write import write_atomically
from .sources import Sources

VERSION = 1


class BaselineError(Exception):
    """An unreadable or malformed baseline file: the CLI prints it and exits 2."""


@dataclass(frozen=True, order=True)
class BaselineKey:
    path: str  # POSIX, relative to the baseline file's folder when below it
    code: str
    line_hash: str  # sha256 of the flagged line, stripped


def key_for(d: Diagnostic, sources: Sources, base: Path) -> BaselineKey:
    """The baseline key of a finding, for a baseline file in folder `base`."""
    text = (sources.line(d.path, d.line) or "").strip()
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return BaselineKey(_relative(Path(d.path), base), d.code, digest)


def _relative(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def write_baseline(file: Path, diagnostics: Sequence[Diagnostic], sources: Sources) -> int:
    """Record `diagnostics` in `file` (sorted, so the file diffs well); return how many."""
    base = file.absolute().parent
    entries = sorted(((key_for(d, sources, base), d) for d in diagnostics), key=lambda e: (e[0], e[1].sort_key))
    data = {
        "version": VERSION,
        "tool": "forklint",
        "findings": [
            # `line` and `message` are for a reader; matching ignores them.
            {"path": k.path, "code": k.code, "line_hash": k.line_hash, "line": d.line, "message": d.message}
            for k, d in entries
        ],
    }
    write_atomically(file, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return len(entries)


def load_baseline(file: Path) -> Counter[BaselineKey]:
    """The keys recorded in `file`, counted."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except OSError as error:
        raise BaselineError(f"{file}: cannot read the baseline: {error.strerror or error}") from error
    except ValueError as error:
        raise BaselineError(f"{file}: not a forklint baseline (invalid JSON: {error})") from error
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("findings"), list):
        raise BaselineError(f"{file}: not a forklint baseline of version {VERSION}")
    keys: Counter[BaselineKey] = Counter()
    for entry in data["findings"]:
        try:
            keys[BaselineKey(str(entry["path"]), str(entry["code"]), str(entry["line_hash"]))] += 1
        except (TypeError, KeyError) as error:
            raise BaselineError(f"{file}: a finding lacks path, code or line_hash: {entry!r}") from error
    return keys


def drop_baselined(
    diagnostics: Sequence[Diagnostic], file: Path, sources: Sources
) -> tuple[list[Diagnostic], int]:
    """The findings not in the baseline `file`, and how many were in it."""
    remaining = load_baseline(file)
    base = file.absolute().parent
    kept: list[Diagnostic] = []
    for d in diagnostics:
        key = key_for(d, sources, base)
        if remaining[key] > 0:
            remaining[key] -= 1
        else:
            kept.append(d)
    return kept, len(diagnostics) - len(kept)
