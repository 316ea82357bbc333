"""Apply fix plans as LibCST edits: the only stage that writes files.

    plan.py       what a rule wants changed: one frozen dataclass per kind of fix
    names.py      which names a module binds and code reads (can this code move?)
    placement.py  where code moved to module level goes (shared by every hoist)
    edits.py      one plan → new source, re-parsed and compiled, or FixError
    apply.py      the --fix pass loop; edits and diffs for --diff, JSON and SARIF
    write.py      the one atomic writer, with the changed-on-disk guard
"""

from importlib import import_module
from typing import Any

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

# The plan kinds are plain data that rules build on every run; applying them needs LibCST,
# which `forklint rules`, `--version` and plain checks should not pay to import.
_LAZY = {
    "MAX_PASSES": "apply", "FixOutcome": "apply", "attach_fixes": "apply", "edits_between": "apply",
    "fix_loop": "apply", "unified_diff": "apply", "apply_plan": "edits",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "MAX_PASSES", "AddHandler", "AppendBody", "DisplayOnly", "FixError", "FixOutcome", "FixPlan", "Hoist",
    "HoistClass", "Insert", "MoveImport", "MoveToHook", "Position", "Span", "apply_plan", "attach_fixes",
    "edits_between", "fix_loop", "unified_diff", "write_atomically",
]
