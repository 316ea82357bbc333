"""What a rule reports: a `Diagnostic`, with the job→call chain that reaches it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ChainLink:
    function: str  # qualified name
    path: str
    line: int


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
    applicability: str  # "safe" | "unsafe" | "display-only"
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
    # Other lines where a `# noqa` also silences it (a job's `def` and decorators).
    noqa_lines: tuple[int, ...] = field(default=(), compare=False)

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.col, self.code)
