"""Fix plans: what a rule wants changed, as data, one dataclass per kind of fix.

Positions are 1-based lines and columns, as facts and diagnostics have them; the
edits (`edits.py`) find the node that starts there again in the source they fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from ..diagnostics import Applicability

if TYPE_CHECKING:
    from ..facts import Pos


class FixError(Exception):
    """A plan that cannot be applied to this source (it is dropped, not half-applied)."""


@dataclass(frozen=True)
class Position:
    """A 1-based line and column."""

    line: int
    col: int

    @classmethod
    def start_of(cls, pos: Pos) -> Position:
        """Where a fact's node starts."""
        return cls(pos.line, pos.col)


@dataclass(frozen=True)
class Span:
    """Where a node starts and, when known, ends (to tell `f(x)` from `f(x).g()`)."""

    start: Position
    end: Position | None = None

    @classmethod
    def of(cls, pos: Pos) -> Span:
        """Where a fact's node starts and ends."""
        return cls(Position(pos.line, pos.col), Position(pos.end_line, pos.end_col))


@dataclass(frozen=True, kw_only=True)
class FixPlan:
    """What every plan has: the file to edit (its display path), how safely, and what it does."""

    kind: ClassVar[str] = "fix"
    path: str
    applicability: Applicability
    description: str


@dataclass(frozen=True, kw_only=True)
class Hoist(FixPlan):
    """Move the call at `call` to a module-level constant named after `name_hint`."""

    kind: ClassVar[str] = "hoist"
    call: Span
    name_hint: str = ""
    api: str = ""  # the call's resolved API (`re.search`): a regex function is split into compile + call


@dataclass(frozen=True, kw_only=True)
class HoistClass(FixPlan):
    """Move the class whose name is at `name` out of its function to module level."""

    kind: ClassVar[str] = "hoist-class"
    name: Position


@dataclass(frozen=True, kw_only=True)
class Insert(FixPlan):
    """Insert `statements` before the statement holding line `before_line` (None: at the module's end)."""

    kind: ClassVar[str] = "insert"
    before_line: int | None
    statements: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class AppendBody(FixPlan):
    """Append `statements` to the body of the function whose name is at `function`."""

    kind: ClassVar[str] = "append-body"
    function: Position
    statements: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class AddHandler(FixPlan):
    """Append a `@worker_init.connect` handler that runs `statements`."""

    kind: ClassVar[str] = "add-handler"
    statements: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class MoveImport(FixPlan):
    """Move the import statement at `statement` to the module's imports."""

    kind: ClassVar[str] = "move-import"
    statement: Position


@dataclass(frozen=True, kw_only=True)
class MoveToHook(FixPlan):
    """Take the call statement at `call` out of a child hook and run it in the parent's.

    `hook` is the name of the parent hook to append it to, or None for a new
    `@worker_init.connect` handler in the same module.
    """

    kind: ClassVar[str] = "move-to-hook"
    call: Position
    hook: Position | None = None


@dataclass(frozen=True, kw_only=True)
class DisplayOnly(FixPlan):
    """Nothing to apply: `description` says what to do."""

    kind: ClassVar[str] = "display-only"
    applicability: Applicability = "display-only"
