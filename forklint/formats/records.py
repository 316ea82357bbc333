"""`json` (one array) and `json-lines` (one object per line): a record per finding."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Sequence

from ..diagnostics import Diagnostic
from .base import ReportContext


def as_record(d: Diagnostic) -> dict[str, object]:
    """The stable JSON shape of a finding (1-based lines and columns, end exclusive)."""
    return {
        "code": d.code,
        "name": d.name,
        "message": d.message,
        "path": d.path,
        "line": d.line,
        "col": d.col,
        "end_line": d.end_line,
        "end_col": d.end_col,
        "job": d.job,
        "chain": [asdict(link) for link in d.chain],
        "fork_model": d.fork_model,
        # The launch line that starts the job's parent: {path, line, command}, when one was read.
        "launch": asdict(d.launch) if d.launch else None,
        # The other sites of the same root cause (jobs whose children repeat the same work).
        "related": [asdict(site) for site in d.related],
        # {applicability, description, path, edits: [{line, col, end_line, end_col, content}]}
        "fix": asdict(d.fix) if d.fix else None,
    }


def json_list(diagnostics: Sequence[Diagnostic], context: ReportContext) -> str:
    return json.dumps([as_record(d) for d in diagnostics], indent=2, ensure_ascii=False) + "\n"


def json_lines(diagnostics: Sequence[Diagnostic], context: ReportContext) -> str:
    return "".join(json.dumps(as_record(d), ensure_ascii=False) + "\n" for d in diagnostics)
