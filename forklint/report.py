"""Turn diagnostics into text or JSON. Reporters do no analysis."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Iterable

from .diagnostics import Diagnostic


def text(diagnostics: Iterable[Diagnostic]) -> str:
    """flake8-style lines: `path:line:col: CODE message`."""
    return "".join(f"{d.path}:{d.line}:{d.col}: {d.code} {d.message}\n" for d in diagnostics)


def as_record(d: Diagnostic) -> dict[str, object]:
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
        "fix": asdict(d.fix) if d.fix else None,
    }


def json_list(diagnostics: Iterable[Diagnostic]) -> str:
    return json.dumps([as_record(d) for d in diagnostics], indent=2, ensure_ascii=False) + "\n"
