"""`# noqa` comments: which findings they silence, and which silence nothing (FRK100).

The comments themselves are facts (`ModuleFacts.noqa`: line → codes, or None for a
bare `# noqa`). A finding is silenced by a comment on its own line or on one of its
`noqa_lines` (a job's `def` and decorator lines), when the comment is bare or one
of its codes is a prefix of the finding's code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from .config import Config
from .diagnostics import Diagnostic
from .sources import Sources

UNUSED_NOQA = "FRK100"
UNUSED_NOQA_NAME = "unused-noqa"

# A `# noqa` comment as flake8 reads it: bare, or with codes after a colon. The one
# parser: facts (extract.py) record them, FRK100 points at them, --add-noqa extends them.
NOQA_COMMENT = re.compile(
    r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE
)

Comments = Mapping[int, tuple[str, ...] | None]  # line → codes (None: a bare `# noqa`)


def noqa_codes(match: re.Match[str]) -> tuple[str, ...] | None:
    """The codes of a `NOQA_COMMENT` match, upper-cased; None for a bare `# noqa`."""
    codes = match.group("codes")
    return tuple(c.upper() for c in re.split(r"[,\s]+", codes) if c) if codes else None


@dataclass
class NoqaOutcome:
    reported: list[Diagnostic] = field(default_factory=list)
    suppressed: int = 0


def matching_codes(diagnostic: Diagnostic, comments: Comments) -> list[tuple[int, str | None]]:
    """The (line, code) pairs of comments that silence `diagnostic`; code None for a bare noqa."""
    matches: list[tuple[int, str | None]] = []
    for line in (diagnostic.line, *diagnostic.noqa_lines):
        if line not in comments:
            continue
        codes = comments[line]
        if codes is None:
            matches.append((line, None))
        else:
            matches.extend((line, code) for code in codes if diagnostic.code.startswith(code))
    return matches


def apply_noqa(
    found: Iterable[Diagnostic],
    comments: Mapping[str, Comments],
    config: Config,
    sources: Sources,
) -> NoqaOutcome:
    """Drop what noqa silences, keep what `config` selects, and add FRK100 when selected.

    `found` is every finding on the files reported on, before selection: a comment
    counts as used when it silences any rule's finding, selected or not, so that
    `--select FRK100` alone, or turning a rule off, does not make its comments look
    stale.
    """
    outcome = NoqaOutcome()
    used: set[tuple[str, int, str | None]] = set()
    for diagnostic in found:
        matches = matching_codes(diagnostic, comments.get(diagnostic.path, {}))
        used.update((diagnostic.path, line, code) for line, code in matches)
        if not config.code_enabled(diagnostic.code, diagnostic.path):
            continue
        if matches:
            outcome.suppressed += 1
        else:
            outcome.reported.append(diagnostic)
    for unused in unused_noqa(comments, used, config, sources):
        # FRK100 obeys noqa too: `# noqa: FRK104, FRK100` keeps a deliberate stale code.
        if matching_codes(unused, comments.get(unused.path, {})):
            outcome.suppressed += 1
        else:
            outcome.reported.append(unused)
    return outcome


def unused_noqa(
    comments: Mapping[str, Comments],
    used: set[tuple[str, int, str | None]],
    config: Config,
    sources: Sources,
) -> Iterable[Diagnostic]:
    """FRK100 for each comment with FRK codes that silenced nothing, where FRK100 is selected.

    Only FRK codes are judged: the others belong to other tools, and a bare
    `# noqa` may be there for any of them.
    """
    for path, by_line in comments.items():
        if not config.code_enabled(UNUSED_NOQA, path):
            continue
        for line, codes in sorted(by_line.items()):
            stale = [
                code for code in codes or ()
                if code.startswith("FRK") and code != UNUSED_NOQA and (path, line, code) not in used
            ]
            if stale:
                yield _unused_diagnostic(path, line, stale, sources.line(path, line) or "")


def _unused_diagnostic(path: str, line: int, stale: list[str], text: str) -> Diagnostic:
    match = NOQA_COMMENT.search(text)
    # From where the comment starts to the end of the line.
    col, end_col = (match.start() + 1 if match else 1), len(text) + 1
    listed = ", ".join(stale)
    plural = "s" if len(stale) > 1 else ""
    message = (
        f"unused noqa code{plural} {listed}: no {listed} finding on this line; "
        f"remove {'them' if plural else 'it'} from the comment"
    )
    return Diagnostic(UNUSED_NOQA, UNUSED_NOQA_NAME, message, path, line, col, line, end_col)
