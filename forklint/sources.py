"""The text of checked files, by the path a diagnostic shows, read once.

Reporters (the `full` snippet), the baseline (a hash of the flagged line) and the
noqa tools need a file's lines after the analysis is done. Content given on stdin
(`forklint - --stdin-filename PATH`) stands in for that file's on-disk version.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path
from typing import Mapping

# The line breaks Python (and LibCST) count; `str.splitlines` would also split on
# form feeds and other separators that do not start a new line of code.
LINE_BREAK = re.compile(r"\r\n|\r|\n")


def source_encoding(source: bytes) -> str:
    """The encoding Python reads `source` in (PEP 263 cookie, BOM, else utf-8); SyntaxError on a bad cookie."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    return encoding


def decode(source: bytes) -> str:
    """Decode Python source the way the interpreter does (PEP 263 cookie, BOM, utf-8)."""
    try:
        return source.decode(source_encoding(source))
    except (SyntaxError, LookupError, UnicodeDecodeError):
        return source.decode("utf-8", errors="replace")


def split_lines(text: str) -> list[str]:
    """Lines without their line breaks; line N is at index N - 1."""
    return LINE_BREAK.split(text)


class Sources:
    """Read-only access to the checked files' text, with stdin overrides."""

    def __init__(self, overrides: Mapping[Path, bytes] | None = None) -> None:
        # Keyed by resolved path, so any spelling of the path finds the override.
        self.overrides: dict[Path, bytes] = {p.resolve(): b for p, b in (overrides or {}).items()}
        self._lines: dict[Path, list[str]] = {}

    def read(self, path: Path) -> bytes:
        """The file's bytes: the override when there is one, else the disk (OSError if unreadable)."""
        resolved = path.resolve()
        if resolved in self.overrides:
            return self.overrides[resolved]
        return resolved.read_bytes()

    def lines(self, path: str | Path) -> list[str]:
        """The file's lines (empty if it cannot be read)."""
        resolved = Path(path).resolve()
        if resolved not in self._lines:
            try:
                self._lines[resolved] = split_lines(decode(self.read(resolved)))
            except OSError:
                self._lines[resolved] = []
        return self._lines[resolved]

    def line(self, path: str | Path, number: int) -> str | None:
        """Line `number` (1-based) of the file, or None past its end."""
        lines = self.lines(path)
        return lines[number - 1] if 1 <= number <= len(lines) else None
