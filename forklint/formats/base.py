"""What every reporter shares: its signature and the context it may use."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

from ..diagnostics import Diagnostic
from ..sources import Sources


@dataclass(frozen=True)
class ReportContext:
    """What a reporter may need besides the diagnostics."""

    sources: Sources = field(default_factory=Sources)  # for source snippets
    color: bool = False  # ANSI colours: only for a terminal, never files or pipes


Reporter = Callable[[Sequence[Diagnostic], ReportContext], str]
