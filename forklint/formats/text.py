"""`text` (one line a finding, flake8-style) and `full` (plus source, chain and fix)."""

from __future__ import annotations

from typing import Sequence

from ..diagnostics import Diagnostic
from .base import ReportContext

_BOLD_RED = "\x1b[1;31m"
_DIM = "\x1b[2m"
_RESET = "\x1b[0m"


def _paint(text: str, style: str, color: bool) -> str:
    return f"{style}{text}{_RESET}" if color else text


def headline(d: Diagnostic, color: bool = False) -> str:
    """`path:line:col: CODE [*] message` (1-based); `[*]` marks what `--fix` fixes.

    In colour the code is bold red and the path dim."""
    mark = "[*] " if d.fix is not None and d.fix.applicability == "safe" else ""
    return f"{_paint(d.path, _DIM, color)}:{d.line}:{d.col}: {_paint(d.code, _BOLD_RED, color)} {mark}{d.message}"


def concise(diagnostics: Sequence[Diagnostic], context: ReportContext) -> str:
    return "".join(headline(d, context.color) + "\n" for d in diagnostics)


def full(diagnostics: Sequence[Diagnostic], context: ReportContext) -> str:
    """Each finding with its source line and a caret, the job→call chain, and the fix.

        shop/tasks.py:10:5: FRK104 `import requests` runs in every RQ work horse ...
           |
        10 |     import requests
           |     ^^^^^^^^^^^^^^^
           |
           = chain: shop.tasks.send_order_confirmation (shop/tasks.py:10)
           = parent: rq worker -c shop.settings (Procfile:2)
           = fix (unsafe): move `import requests` to the top of shop/tasks.py
    """
    blocks = []
    for d in diagnostics:
        source = context.sources.line(d.path, d.line)
        gutter = " " * len(str(d.line))
        lines = [headline(d, context.color)]
        if source is not None:
            lines += [
                f"{gutter} |",
                f"{d.line} | {source}",
                f"{gutter} | {_caret(source, d)}",
                f"{gutter} |",
            ]
        for index, link in enumerate(d.chain):
            # One hop a line, the function names lined up under the first one.
            lead = "= chain: " if index == 0 else "       → "
            lines.append(f"{gutter} {lead}{link.function} ({link.path}:{link.line})")
        if d.launch is not None:
            lines.append(f"{gutter} = parent: {d.launch.command} ({d.launch.path}:{d.launch.line})")
        for index, site in enumerate(d.related):
            lead = "= also:  " if index == 0 else "         "
            job = f" ({site.job})" if site.job else ""
            lines.append(f"{gutter} {lead}{site.path}:{site.line}:{site.col}{job}")
        if d.fix is not None:
            lines.append(f"{gutter} = fix ({d.fix.applicability}): {d.fix.description}")
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def _caret(source: str, d: Diagnostic) -> str:
    """Carets under [col, end_col) of the line; to its end when the finding spans lines."""
    start = min(d.col - 1, len(source))
    end = d.end_col - 1 if d.end_line == d.line else len(source.rstrip())
    # Keep tabs so the carets line up under a tab-indented line.
    indent = "".join(ch if ch == "\t" else " " for ch in source[:start])
    return indent + "^" * max(1, end - start)
