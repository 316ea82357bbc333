"""forklint as a flake8 plugin: `flake8 --select FRK`.

flake8 calls a plugin once per file, but forklint's findings need the whole project
(a job in one file is enqueued in another, the worker's parent in a third). So the
first file of a project runs forklint on the whole project and caches the findings
by project root, once per process; every file then yields its own share. flake8
applies its own `# noqa`, `--select` and output on top; forklint's config
(`[tool.forklint]`) and its own noqa (a job's decorator lines) still apply first.

With `flake8 -j N` each worker process analyses a project once.
"""

from __future__ import annotations

import ast
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from . import __version__
from .diagnostics import Diagnostic
from .discover import default_root, discover, project_root
from .engine import lint_paths
from .grouping import group_findings
from .sources import Sources


@dataclass(frozen=True)
class _ProjectRun:
    """One project's forklint run: the files it reported on, and the findings per file."""

    checked: frozenset[Path]
    findings: dict[Path, list[Diagnostic]]


# One run per project root, for this process.
_RUNS: dict[Path, _ProjectRun] = {}


class Plugin:
    """flake8's tree-plugin interface; flake8 7 names it from the `FRK` entry point."""

    name = "forklint"
    version = __version__

    def __init__(self, tree: ast.AST, filename: str, lines: Sequence[str]) -> None:
        # `tree` is flake8's `ast` parse, unused: asking for it makes this a tree plugin.
        self.filename = filename
        self.lines = lines

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        """`(line, col0, "FRKnnn message", type)`: flake8 wants 0-based columns."""
        for d in self._findings():
            yield d.line, d.col - 1, f"{d.code} {d.message}", type(self)

    def _findings(self) -> list[Diagnostic]:
        path = Path(self.filename).resolve()
        text = "".join(self.lines)
        if _as_flake8_reads(path) != text.lstrip("\ufeff"):
            # stdin, or a file that changed on disk: check this text in its project, uncached.
            return group_findings(lint_paths([path], sources=Sources({path: text.encode("utf-8")})).diagnostics)
        root = project_root(path, default_root(path))
        if root not in _RUNS:
            _RUNS[root] = _run_project(root)
        run = _RUNS[root]
        if path not in run.checked:
            # Excluded by `[tool.forklint]`, but flake8 was given it: check it on its own.
            return group_findings(lint_paths([path]).diagnostics)
        return run.findings.get(path, [])


def _run_project(root: Path) -> _ProjectRun:
    checked = frozenset(target for files in discover([root]) for target in files.targets)
    findings: dict[Path, list[Diagnostic]] = {}
    for d in group_findings(lint_paths([root]).diagnostics):
        findings.setdefault(Path(d.path).resolve(), []).append(d)
    return _ProjectRun(checked, findings)


def _as_flake8_reads(path: Path) -> str | None:
    """The file's text the way flake8 reads it (PEP 263 encoding, universal newlines, no BOM)."""
    try:
        with tokenize.open(path) as file:
            return file.read().lstrip("\ufeff")
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None
