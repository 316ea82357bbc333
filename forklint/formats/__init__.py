"""Reporters: each turns diagnostics into one output format. They do no analysis.

A reporter is a function `(diagnostics, context) -> str`; `FORMATS` maps the
`--format` names to them.
"""

from __future__ import annotations

from . import github, records, sarif, text
from .base import ReportContext, Reporter

FORMATS: dict[str, Reporter] = {
    "text": text.concise,
    "full": text.full,
    "json": records.json_list,
    "json-lines": records.json_lines,
    "github": github.workflow_commands,
    "sarif": sarif.sarif_log,
}
FORMAT_NAMES: tuple[str, ...] = tuple(FORMATS)

__all__ = ["FORMATS", "FORMAT_NAMES", "ReportContext", "Reporter"]
