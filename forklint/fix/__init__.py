"""Apply fix plans as LibCST edits: the only stage that writes files.

    plan.py       what a rule wants changed: one frozen dataclass per kind of fix
    names.py      which names a module binds and code reads (can this code move?)
    placement.py  where code moved to module level goes (shared by every hoist)
    edits.py      one plan → new source, re-parsed and compiled, or FixError
    apply.py      the --fix pass loop; edits and diffs for --diff, JSON and SARIF
    write.py      the one atomic writer, with the changed-on-disk guard
"""

from .apply import MAX_PASSES, FixOutcome, attach_fixes, edits_between, fix_loop, unified_diff
from .edits import apply_plan
from .plan import (
    AddHandler,
    AppendBody,
    DisplayOnly,
    FixError,
    FixPlan,
    Hoist,
    HoistClass,
    Insert,
    MoveImport,
    MoveToHook,
    Position,
    Span,
)
from .write import write_atomically

__all__ = [
    "MAX_PASSES", "AddHandler", "AppendBody", "DisplayOnly", "FixError", "FixOutcome", "FixPlan", "Hoist",
    "HoistClass", "Insert", "MoveImport", "MoveToHook", "Position", "Span", "apply_plan", "attach_fixes",
    "edits_between", "fix_loop", "unified_diff", "write_atomically",
]
