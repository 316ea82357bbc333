"""`github`: GitHub Actions workflow commands, shown as annotations on the diff."""

from __future__ import annotations

from typing import Sequence

from ..diagnostics import Diagnostic
from .base import ReportContext


def _data(text: str) -> str:
    # The escapes the Actions runner decodes (toolkit's `escapeData`/`escapeProperty`).
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_commands(diagnostics: Sequence[Diagnostic], context: ReportContext) -> str:
    """`::error title=forklint (FRK101),file=…,line=…,col=…,endLine=…,endColumn=…::message`."""
    lines = []
    for d in diagnostics:
        props = {
            "title": f"forklint ({d.code})",
            "file": d.path,
            "line": d.line,
            "col": d.col,
            "endLine": d.end_line,
            "endColumn": d.end_col,
        }
        joined = ",".join(f"{key}={_property(str(value))}" for key, value in props.items())
        lines.append(f"::error {joined}::{_data(d.message)}\n")
    return "".join(lines)
