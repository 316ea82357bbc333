"""`--add-noqa`: write `# noqa: FRKxxx` on each finding's line, so the next run is clean.

The comment goes where the finding is reported (for job-level findings, the job's
`def` line), merged into an existing `# noqa: X` comment when there is one. A line
that ends inside a string or with a backslash cannot take a comment; its findings
are skipped and counted. Each changed file is re-parsed before it is written
atomically, with its encoding and line breaks kept.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import libcst as cst

from .diagnostics import Diagnostic
from .extract import parse_module
from .fix.plan import FixError
from .fix.write import write_atomically
from .noqa import NOQA_COMMENT, noqa_codes
from .sources import LINE_BREAK, source_encoding

_LINE_BREAK = re.compile(f"({LINE_BREAK.pattern})")  # the breaks Python counts, kept by split


@dataclass
class AddNoqaResult:
    comments: int = 0  # lines given a comment or new codes
    files: int = 0  # files changed
    skipped: list[Diagnostic] = field(default_factory=list)  # on lines that cannot take one


def add_noqa(diagnostics: Sequence[Diagnostic]) -> AddNoqaResult:
    """Add the comments for `diagnostics` to their files on disk."""
    by_file: dict[str, dict[int, list[Diagnostic]]] = defaultdict(lambda: defaultdict(list))
    result = AddNoqaResult()
    for d in diagnostics:
        if d.code == "FRK000":  # the file does not parse: nothing to attach a comment to
            result.skipped.append(d)
        else:
            by_file[d.path][d.line].append(d)
    for path, by_line in sorted(by_file.items()):
        added, skipped = _add_to_file(Path(path), by_line)
        result.comments += added
        result.files += 1 if added else 0
        result.skipped += skipped
    return result


def _add_to_file(path: Path, by_line: dict[int, list[Diagnostic]]) -> tuple[int, list[Diagnostic]]:
    everything = [d for found in by_line.values() for d in found]
    try:
        raw = path.read_bytes()
        encoding = source_encoding(raw)  # kept: the file is written back in it
        text = raw.decode(encoding)
    except (OSError, SyntaxError, LookupError, UnicodeDecodeError):
        return 0, everything
    # pieces = [line 1, break 1, line 2, break 2, ..., last line]: breaks kept as they were.
    pieces = _LINE_BREAK.split(text)
    lines = pieces[::2]
    try:
        open_ends, comment_at = _line_ends(lines)
    except (tokenize.TokenError, SyntaxError):
        return 0, everything
    added, skipped = 0, []
    for number, found in sorted(by_line.items()):
        if not (1 <= number <= len(lines)) or number not in open_ends:
            skipped += found
            continue
        codes = sorted({d.code for d in found})
        updated = _with_codes(lines[number - 1], codes, comment_at.get(number))
        if updated != lines[number - 1]:
            pieces[2 * (number - 1)] = updated
            added += 1
    if not added:
        return 0, skipped
    new = "".join(pieces).encode(encoding)
    try:
        parse_module(new)  # never write a file that no longer parses
    except cst.ParserSyntaxError:
        return 0, everything
    try:
        write_atomically(path, new, expected=raw)
    except FixError:  # edited since it was read: left alone, its findings skipped
        return 0, everything
    return added, skipped


def _line_ends(lines: list[str]) -> tuple[set[int], dict[int, int]]:
    """Lines whose end is outside any string and continuation, and where comments start.

    A line can take a trailing comment when the tokenizer ends it with NEWLINE or NL;
    inside a multi-line string or after a backslash it does not.
    """
    source = "\n".join(lines) + "\n"
    open_ends: set[int] = set()
    comment_at: dict[int, int] = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in (tokenize.NEWLINE, tokenize.NL):
            open_ends.add(token.start[0])
        elif token.type == tokenize.COMMENT:
            comment_at[token.start[0]] = token.start[1]
    return open_ends, comment_at


def _with_codes(line: str, codes: list[str], comment_col: int | None) -> str:
    """`line` with `codes` in its `# noqa: ...` comment, adding the comment if needed."""
    if comment_col is not None:
        # The first `# noqa: CODES` in the comment; codes are added after its last.
        match = next((m for m in NOQA_COMMENT.finditer(line, comment_col) if m.group("codes")), None)
        if match:
            present = set(noqa_codes(match) or ())
            missing = [c for c in codes if c not in present]
            if not missing:
                return line
            return line[: match.end()] + "".join(f", {c}" for c in missing) + line[match.end():]
    return f"{line.rstrip()}  # noqa: {', '.join(codes)}"
