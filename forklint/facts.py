"""Per-file facts: plain, picklable values extracted from one LibCST parse.

Nothing here refers to a LibCST node. Names are recorded as the file spells them
(`orm.configure_mappers`); the linker (`project.py`) resolves them across modules.
Lines and columns are 1-based everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Union


@dataclass(frozen=True)
class Pos:
    line: int
    col: int
    end_line: int
    end_col: int


# --- values: a small expression language, just rich enough to resolve names ---------


@dataclass(frozen=True)
class Dotted:
    """A name or attribute chain as written: `rq.decorators.job`, `self.queue`."""

    name: str


@dataclass(frozen=True)
class Const:
    """A literal: str, bytes, int, float, bool or None (containers of literals too)."""

    value: object


@dataclass(frozen=True)
class Seq:
    """A list, tuple or set display."""

    items: tuple["Val", ...]


@dataclass(frozen=True)
class Mapping:
    """A dict display with constant string keys (others are dropped)."""

    items: tuple[tuple[str, "Val"], ...]
    others: tuple["Val", ...] = ()  # values under keys that are not string literals


@dataclass(frozen=True)
class Call:
    """A call `func(*args, **kwargs)`; `pos` is the whole call expression."""

    func: "Val"
    args: tuple["Val", ...]
    kwargs: tuple[tuple[str, "Val"], ...]
    pos: Pos
    source: str  # the callee as written, for messages: `re.compile`
    in_loop: bool = False  # inside a for/while loop or a comprehension of its scope
    statement: bool = False  # the whole of an expression statement: `configure_mappers()`
    block: tuple[int, ...] = ()  # the nested blocks it sits in (see `Assign.block`)
    starred: bool = False  # passes `*args` or `**kwargs`: positions are not known
    # The lambda whose body holds it (its `Lambda.number`), 0 when none: such a call runs
    # when the lambda is called, not where it is written.
    in_lambda: int = 0

    def kwarg(self, name: str) -> "Val | None":
        for key, value in self.kwargs:
            if key == name:
                return value
        return None

    def arg(self, index: int, name: str | None = None) -> "Val | None":
        if index < len(self.args):
            return self.args[index]
        return self.kwarg(name) if name else None


@dataclass(frozen=True)
class Attr:
    """An attribute of something that is not a plain name chain: `Queue().enqueue`."""

    value: "Val"
    attr: str


@dataclass(frozen=True)
class Item:
    """An element of a container: `for h in HANDLERS` binds `h` to Item(HANDLERS);
    `a, b = pair` binds `b` to Item(pair, 1); `make()[0]` is Item(make(), 0)."""

    of: "Val"
    index: int | None = None


EitherKind = Literal["if", "or", "and"]


@dataclass(frozen=True)
class Either:
    """One of several values: `A if flag else B`, `a or b`, `a and b`."""

    options: tuple["Val", ...]
    # Which: `a or b` is `b` only when `a` is falsy (`name or cls.DEFAULT`), which a value
    # read from the code can tell.
    kind: EitherKind = "if"


@dataclass(frozen=True)
class Operation:
    """An operator applied to values: `base / "data"` (op "/"), `a + b`, `"%s" % x`,
    and f-strings (op "f", the interpolated values as operands)."""

    op: str
    operands: tuple["Val", ...]


@dataclass(frozen=True)
class Lambda:
    """A lambda expression; `number` (unique in its file, from 1) names the calls of its
    body (`Call.in_lambda`)."""

    number: int


@dataclass(frozen=True)
class Other:
    """Anything the analysis does not look into."""


Val = Union[Dotted, Const, Seq, Mapping, Call, Attr, Item, Either, Operation, Lambda, Other]
OTHER = Other()


def receiver_of(func: Val) -> Val | None:
    """The object a method is called on: `signals.app_created` in `signals.app_created.send`,
    `Path(root)` in `Path(root).rglob`; None for a plain name."""
    if isinstance(func, Attr):
        return func.value
    if isinstance(func, Dotted) and "." in func.name:
        return Dotted(func.name.rpartition(".")[0])
    return None


def is_constant(value: Val) -> bool:
    """True for literals and displays made only of literals (names, paths, f-strings of
    constants: `Analysis.constant`, which rules call)."""
    if isinstance(value, Const):
        return True
    if isinstance(value, Seq):
        return all(is_constant(item) for item in value.items)
    if isinstance(value, Mapping):
        return all(is_constant(item) for _, item in value.items)
    return False


# --- statements ------------------------------------------------------------------


@dataclass(frozen=True)
class Import:
    """One imported name. `import a.b as c` → module "a.b", name None, asname "c"."""

    module: str  # as written, without the leading dots
    level: int  # number of leading dots of a relative import
    name: str | None  # the `y` of `from x import y`; None for `import x`
    asname: str | None
    pos: Pos  # the whole import statement
    type_checking: bool  # under `if TYPE_CHECKING:`
    guarded: bool  # inside `try: ... except ImportError`

    @property
    def bound_name(self) -> str:
        """The local name this import binds."""
        if self.asname:
            return self.asname
        if self.name is not None:
            return self.name
        return self.module.split(".")[0]


@dataclass(frozen=True)
class Assign:
    """`target = value` (also `with value as target`, annotated assignments)."""

    target: str  # dotted as written: `x`, `app.conf.worker_max_tasks_per_child`
    value: Val
    pos: Pos
    # The blocks (bodies of if/else, try/except, loops, with) it sits in, outermost
    # first, each a number unique in its file. An assignment reaches a later use for
    # sure only when its blocks are a prefix of the use's: `x = A()` in an `except`
    # branch does not hide an earlier `x = B()` from a use after the `try`.
    block: tuple[int, ...] = ()


@dataclass(frozen=True)
class Function:
    qualname: str  # within the module: `record_event`, `Event.record`, `main.inner`
    name_pos: Pos  # the function's name in its `def`
    pos: Pos  # the whole definition, decorators included
    decorators: tuple[Val, ...]
    params: tuple[str, ...]
    class_name: str | None  # qualname of the enclosing class for methods
    is_async: bool
    calls: tuple[Call, ...]  # every call in the body, in source order, nested ones too
    imports: tuple[Import, ...]
    assigns: tuple[Assign, ...]
    returns: tuple[Val, ...]
    global_names: tuple[str, ...]
    local_defs: tuple[str, ...]  # names of functions/classes defined directly inside
    lazy_globals: tuple[tuple[str, Pos], ...]  # `if _x is None:` on a declared global
    annotations: tuple[tuple[str, Val], ...] = ()  # parameter → its annotation
    defaults: tuple[tuple[str, Val], ...] = ()  # parameter → its default value
    reads: tuple[Val, ...] = ()  # attributes read outside calls, assignments, returns: `SEARCH.synonyms` alone, `if k in SEARCH.index:`
    # String literals its body compares with `==`, `!=`, `in`, `not in`: what a discovery
    # loop keeps of the names it walks (`segments[-1] == "blueprint"`).
    compared: tuple[str, ...] = ()


@dataclass(frozen=True)
class Class:
    qualname: str
    name_pos: Pos
    pos: Pos
    bases: tuple[Val, ...]
    keywords: tuple[tuple[str, Val], ...]
    decorators: tuple[Val, ...]
    assigns: tuple[Assign, ...]  # class-level assignments
    calls: tuple[Call, ...]  # calls in the class body outside methods
    methods: tuple[str, ...]
    fields: tuple[str, ...] = ()  # annotated class-level names in order (dataclass, NamedTuple fields)


# Module-level events, in the order the module's code runs them at import.
@dataclass(frozen=True)
class Event:
    kind: str  # "import" | "class" | "def" | "call" | "assign"
    index: int  # into ModuleFacts.imports / .calls / .assigns; -1 for "class" and "def"
    main_only: bool  # under `if __name__ == "__main__":`
    name: str = ""  # the qualname, for "class" and "def"


@dataclass(frozen=True)
class ModuleFacts:
    path: str
    is_package: bool  # an `__init__.py`
    imports: tuple[Import, ...]  # module-level (not in any function)
    assigns: tuple[Assign, ...]  # module-level
    calls: tuple[Call, ...]  # module-level, nested calls included
    functions: tuple[Function, ...]  # every def, nested and methods included
    classes: tuple[Class, ...]
    events: tuple[Event, ...]
    noqa: tuple[tuple[int, tuple[str, ...] | None], ...] = field(default=())
    # (line, codes) for each `# noqa` comment; codes None means a bare `# noqa`
    reads: tuple[Val, ...] = ()  # module-level attributes read outside calls and assignments (see `Function.reads`)
    compared: tuple[str, ...] = ()  # module-level code's compared literals (see `Function.compared`)


@dataclass(frozen=True)
class ParseError:
    path: str
    message: str
    line: int
    col: int
