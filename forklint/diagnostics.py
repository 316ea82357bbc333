"""What a rule reports: a `Diagnostic`, with the job→call chain that reaches it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # plans are fix data; fix/ imports this module
    from .fix.plan import FixPlan

# How safely a fix applies: by default, with --unsafe-fixes, or never (shown only).
Applicability = Literal["safe", "unsafe", "display-only"]


@dataclass(frozen=True)
class ChainLink:
    function: str  # qualified name
    path: str
    line: int


@dataclass(frozen=True)
class LaunchSite:
    """The launch line that starts the job's parent: `Procfile:2`, `rq worker -w pkg.W`."""

    path: str  # display path of the launch file
    line: int
    command: str  # what runs there, wrappers stripped


@dataclass(frozen=True)
class Related:
    """Another site of the same root cause, folded into one finding (see grouping.py)."""

    path: str
    line: int
    col: int
    job: str | None = None


@dataclass(frozen=True)
class Edit:
    """Replace [start, end) (1-based line/col) with `content`."""

    line: int
    col: int
    end_line: int
    end_col: int
    content: str


@dataclass(frozen=True)
class Fix:
    applicability: Applicability
    description: str
    path: str  # the file the edits apply to (may differ from the finding's)
    edits: tuple[Edit, ...] = ()


@dataclass(frozen=True)
class Diagnostic:
    code: str
    name: str
    message: str
    path: str
    line: int
    col: int
    end_line: int
    end_col: int
    job: str | None = None
    chain: tuple[ChainLink, ...] = ()
    fork_model: str | None = None
    fix: Fix | None = None
    plan: FixPlan | None = field(default=None, compare=False)
    # Other lines where a `# noqa` also silences it (a job's `def` and decorators).
    noqa_lines: tuple[int, ...] = field(default=(), compare=False)
    # The root cause: findings of one code with one group are one thing to change (one
    # parent lacking configure_mappers()), reported once with the other sites `related`.
    group: str | None = field(default=None, compare=False)
    related: tuple[Related, ...] = ()
    launch: LaunchSite | None = None  # where the job's parent is started, when a launch line says

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.col, self.code)
