"""Write a report: pick the reporter, decide on colour, send it to stdout or a file."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Sequence, TextIO

from .diagnostics import Diagnostic
from .formats import FORMAT_NAMES, FORMATS, ReportContext
from .formats.statistics import statistics
from .sources import Sources

__all__ = ["FORMAT_NAMES", "render", "use_color", "write_report"]


def use_color(stream: TextIO) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    return not os.environ.get("NO_COLOR") and hasattr(stream, "isatty") and stream.isatty()


def render(
    diagnostics: Sequence[Diagnostic],
    output_format: str = "text",
    sources: Sources | None = None,
    color: bool = False,
    show_statistics: bool = False,
) -> str:
    """The report as text: the findings in `output_format`, or counts per code."""
    if show_statistics:
        return statistics(diagnostics)
    return FORMATS[output_format](diagnostics, ReportContext(sources or Sources(), color))


def write_report(
    diagnostics: Sequence[Diagnostic],
    output_format: str = "text",
    output_file: Path | None = None,
    sources: Sources | None = None,
    show_statistics: bool = False,
) -> None:
    """Write the report to `output_file` (never coloured), else to stdout."""
    if output_file is not None:
        text = render(diagnostics, output_format, sources, color=False, show_statistics=show_statistics)
        output_file.write_text(text, encoding="utf-8")
        return
    color = use_color(sys.stdout)
    sys.stdout.write(render(diagnostics, output_format, sources, color=color, show_statistics=show_statistics))
    sys.stdout.flush()
