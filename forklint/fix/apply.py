"""The pass loop of --fix, and the edits and diffs that --diff, JSON and SARIF show.

Fixes are applied one per file per pass, then the project is linted again, until
nothing applicable is left (bounded): later fixes see earlier ones.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from ..diagnostics import Diagnostic, Edit, Fix
from .edits import apply_plan
from .plan import FixError

# One fix per file per pass: a file with N fixes needs N passes (each a re-lint,
# mostly from cached facts).
MAX_PASSES = 200


def edits_between(before: bytes, after: bytes) -> tuple[Edit, ...]:
    """Line-based replacements that turn `before` into `after`."""
    old = before.decode("utf-8", errors="replace").splitlines(keepends=True)
    new = after.decode("utf-8", errors="replace").splitlines(keepends=True)
    edits = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            edits.append(Edit(i1 + 1, 1, i2 + 1, 1, "".join(new[j1:j2])))
    return tuple(edits)


def unified_diff(path: str, before: bytes, after: bytes) -> str:
    old = before.decode("utf-8", errors="replace").splitlines(keepends=True)
    new = after.decode("utf-8", errors="replace").splitlines(keepends=True)
    return "".join(difflib.unified_diff(old, new, fromfile=f"a/{path}", tofile=f"b/{path}"))


def attach_fixes(diagnostics: list[Diagnostic], read: Callable[[str], bytes | None], with_edits: bool) -> list[Diagnostic]:
    """Give each diagnostic with a plan its `Fix`.

    Edits (for JSON and SARIF) are computed by applying the plan to the current source,
    which costs a parse per finding: only when asked. A plan that turns out not to
    apply then becomes display-only.
    """
    out = []
    for d in diagnostics:
        if d.plan is None:
            out.append(d)
            continue
        plan = d.plan
        edits: tuple[Edit, ...] = ()
        applicability = plan.applicability
        if with_edits and applicability != "display-only":
            source = read(plan.path)
            try:
                if source is None:
                    raise FixError("file unreadable")
                edits = edits_between(source, apply_plan(source, plan, plan.path))
            except FixError:
                applicability = "display-only"
        out.append(replace(d, fix=Fix(applicability, plan.description, plan.path, edits)))
    return out


@dataclass
class FixOutcome:
    originals: dict[Path, bytes] = field(default_factory=dict)  # as read at the start
    fixed: dict[Path, bytes] = field(default_factory=dict)  # current content of changed files
    applied: list[Diagnostic] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    converged: bool = True

    @property
    def changed(self) -> dict[Path, tuple[bytes, bytes]]:
        return {p: (self.originals[p], b) for p, b in self.fixed.items() if b != self.originals[p]}


def fix_loop(lint: Callable[[dict[Path, bytes]], list[Diagnostic]], unsafe: bool, root: Path | None = None) -> FixOutcome:
    """Lint, apply one applicable fix per file, lint again... until nothing applies."""
    outcome = FixOutcome()
    wanted = {"safe", "unsafe"} if unsafe else {"safe"}
    refused: set[tuple[str, int, int, str]] = set()
    for _ in range(MAX_PASSES):
        diagnostics = lint(outcome.fixed)
        by_path: dict[str, Diagnostic] = {}
        for d in diagnostics:
            key = (d.path, d.line, d.col, d.code)
            if d.plan is None or d.plan.applicability not in wanted or key in refused:
                continue
            by_path.setdefault(d.plan.path, d)
        if not by_path:
            return outcome
        for shown, d in sorted(by_path.items()):
            path = Path(shown).resolve()
            if path not in outcome.originals:
                try:
                    outcome.originals[path] = path.read_bytes()
                except OSError as error:
                    outcome.failures.append(f"{shown}: cannot read: {error}")
                    refused.add((d.path, d.line, d.col, d.code))
                    continue
            current = outcome.fixed.get(path, outcome.originals[path])
            try:
                outcome.fixed[path] = apply_plan(current, d.plan, shown)  # type: ignore[arg-type]
                outcome.applied.append(d)
            except FixError as error:
                outcome.failures.append(f"{d.path}:{d.line}:{d.col}: {d.code}: {error}")
                refused.add((d.path, d.line, d.col, d.code))
    outcome.converged = False
    return outcome

