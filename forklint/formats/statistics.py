"""`--statistics`: how many findings each code has, most frequent first."""

from __future__ import annotations

from collections import Counter
from typing import Sequence

from ..diagnostics import Diagnostic


def statistics(diagnostics: Sequence[Diagnostic]) -> str:
    """`count  code  name` lines, by count (descending) then code."""
    counts = Counter((d.code, d.name) for d in diagnostics)
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0][0]))
    width = max((len(str(count)) for _, count in rows), default=1)
    return "".join(f"{count:>{width}}  {code}  {name}\n" for (code, name), count in rows)
