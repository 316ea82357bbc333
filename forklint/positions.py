"""Where the nodes that facts keep are, without LibCST's `PositionProvider`.

`PositionProvider` generates the code of the whole tree to learn where each node is,
which costs about twice the parse. The nodes facts keep (calls, assignment targets,
imports, `if` tests, `def`s and classes) are all nodes of CPython's own `ast` too, and
`ast.parse` is a fraction of LibCST's parse. The lean walk (`extract.py`) numbers each
kept node in source order as it reaches it; the same kind of `ast` node, sorted into
source order, with the same number is the same node. Two differences are bridged
here: `ast` columns count UTF-8 bytes where LibCST counts characters, and `ast` has no
node for the name of a `def` or `class`.

When `ast` cannot parse what LibCST can (newer syntax than the running Python), or the
numbering does not line up, the positions come from `PositionProvider` as before: a
file is never given wrong positions, only slower ones.
"""

from __future__ import annotations

import ast
import io
import tokenize
from enum import IntEnum
from typing import Mapping, Protocol

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from .noqa import NOQA_COMMENT, noqa_codes
from .sources import LINE_BREAK, split_lines


class Anchor(IntEnum):
    """The kinds of node whose positions facts keep; each is numbered on its own."""

    CALL = 0  # a call expression
    TARGET = 1  # a name, attribute or subscript assigned to (`ast` context Store)
    IMPORT = 2  # an `import` / `from ... import` statement
    IF = 3  # an `if` statement: its test's position
    FUNCTION = 4  # a `def` from `async`/`def` to the end of its body
    FUNCTION_NAME = 5  # the name in a `def` (numbered with FUNCTION)
    CLASS = 6
    CLASS_NAME = 7  # numbered with CLASS


# The kinds that have their own numbering (the names share their definition's).
NUMBERED = (Anchor.CALL, Anchor.TARGET, Anchor.IMPORT, Anchor.IF, Anchor.FUNCTION, Anchor.CLASS)

Span = tuple[int, int, int, int]  # line, column, end line, end column; 1-based, characters


class Misaligned(Exception):
    """The walk's numbering and `ast`'s disagree: use `PositionProvider` for this file."""


class Positions(Protocol):
    def span(self, anchor: Anchor, ordinal: int, node: cst.CSTNode) -> Span:
        """Where the node numbered `ordinal` among its `anchor` kind is."""
        ...


_STORE_TYPES = frozenset({ast.Name, ast.Attribute, ast.Subscript})
_KIND_OF: dict[type, Anchor] = {
    ast.Call: Anchor.CALL,
    ast.Import: Anchor.IMPORT,
    ast.ImportFrom: Anchor.IMPORT,
    ast.If: Anchor.IF,
    ast.FunctionDef: Anchor.FUNCTION,
    ast.AsyncFunctionDef: Anchor.FUNCTION,
    ast.ClassDef: Anchor.CLASS,
}


# Fields that lead to no node the walk numbers: names and flags (str, int), and the
# context and operator singletons (`Load`, `Add`) that hang off most expressions: the walk
# no longer pops and inspects them (netbox: 1.41 s -> 1.29 s); a `Name` or a `Constant` has
# nothing left to visit. (On Python 3.12+ `TypeAlias.name` is a stored `Name`, which the
# extractor does not number either: such files now line up instead of falling back.)
_LEAVES = frozenset({"ctx", "op", "ops", "id", "attr", "name", "names", "arg", "module", "level", "kind",
                     "conversion", "is_async", "simple", "type_comment", "tag", "lineno"})
_BRANCHES: dict[type, tuple[str, ...]] = {ast.Constant: ()}  # a Constant's `value` is a Python value


def _branches(kind: type) -> tuple[str, ...]:
    return tuple(name for name in kind._fields if name not in _LEAVES)  # type: ignore[attr-defined]


def _source_order(node: ast.AST) -> tuple[int, int, int, int]:
    # Start first; of two nodes starting together the outer (longer) one comes first,
    # as a pre-order walk reaches it: `f(x)(y)` before `f(x)`.
    return (node.lineno, node.col_offset, -node.end_lineno, -node.end_col_offset)  # type: ignore[attr-defined,operator]


class AstPositions:
    """Positions read from CPython's `ast` of the same source."""

    def __init__(self, source: bytes, text: str) -> None:
        tree = ast.parse(source)  # SyntaxError, ValueError, RecursionError, MemoryError
        nodes: list[list[ast.AST]] = [[] for _ in Anchor]
        kind_of, store_types, targets = _KIND_OF, _STORE_TYPES, nodes[Anchor.TARGET]
        AST, Store, fields_of = ast.AST, ast.Store, _BRANCHES
        # `ast.walk`, without its generators: the order does not matter, all are sorted.
        stack: list[ast.AST] = [tree]
        pop, push, extend = stack.pop, stack.append, stack.extend
        while stack:
            node = pop()
            if not isinstance(node, AST):  # None keys of `{**d}`
                continue
            kind = type(node)
            anchor = kind_of.get(kind)
            if anchor is not None:
                nodes[anchor].append(node)
            elif kind in store_types and type(node.ctx) is Store:  # type: ignore[attr-defined]
                targets.append(node)
            branches = fields_of.get(kind)
            if branches is None:
                branches = fields_of[kind] = _branches(kind)
            for name in branches:
                child = getattr(node, name)
                if type(child) is list:
                    extend(child)
                elif isinstance(child, AST):
                    push(child)
        for found in nodes:
            found.sort(key=_source_order)
        self.nodes = nodes
        self._ascii = source.isascii()
        self._text = text
        self._lines: list[str] | None = None

    def count(self, anchor: Anchor) -> int:
        return len(self.nodes[anchor])

    def span(self, anchor: Anchor, ordinal: int, node: cst.CSTNode) -> Span:
        if anchor is Anchor.FUNCTION_NAME or anchor is Anchor.CLASS_NAME:
            return self._name_span(anchor, ordinal, node)
        found = self.nodes[anchor][ordinal]
        if anchor is Anchor.IF:
            found = found.test  # type: ignore[attr-defined]
        return self._span(found)

    def _span(self, node: ast.AST) -> Span:
        line, end_line = node.lineno, node.end_lineno  # type: ignore[attr-defined]
        col, end_col = node.col_offset, node.end_col_offset  # type: ignore[attr-defined]
        if not self._ascii:
            col, end_col = self._column(line, col), self._column(end_line, end_col)
        return (line, col + 1, end_line, end_col + 1)  # type: ignore[operator]

    def _column(self, line: int, offset: int) -> int:
        """The character column of UTF-8 byte `offset` on `line` (`ast` counts bytes)."""
        if self._lines is None:
            self._lines = split_lines(self._text)
        text = self._lines[line - 1]
        if text.isascii():
            return offset
        return len(text.encode("utf-8")[:offset].decode("utf-8", "replace"))

    def _name_span(self, anchor: Anchor, ordinal: int, node: cst.CSTNode) -> Span:
        # `ast` starts a definition at `async`/`def`/`class`, as LibCST does; the name
        # follows the keywords and the whitespace LibCST kept between them.
        definition = self.nodes[Anchor.FUNCTION if anchor is Anchor.FUNCTION_NAME else Anchor.CLASS][ordinal]
        line, col, _, _ = self._span(definition)
        if isinstance(node, cst.FunctionDef):
            if node.asynchronous is not None:
                line, col = _advance(line, col, "async" + node.asynchronous.whitespace_after.value)
            line, col = _advance(line, col, "def" + node.whitespace_after_def.value)
        elif isinstance(node, cst.ClassDef):
            line, col = _advance(line, col, "class" + node.whitespace_after_class.value)
        name = node.name.value  # type: ignore[attr-defined]
        return (line, col, line, col + len(name))


def _advance(line: int, col: int, text: str) -> tuple[int, int]:
    """The position after `text` written from (line, col); whitespace may hold a `\\` line break."""
    parts = LINE_BREAK.split(text)
    if len(parts) == 1:
        return line, col + len(text)
    return line + len(parts) - 1, len(parts[-1]) + 1


class MetadataPositions:
    """Positions from LibCST's `PositionProvider`: for files `ast` cannot read."""

    def __init__(self, module: cst.Module) -> None:
        self._spans = _provided_positions(module)

    def span(self, anchor: Anchor, ordinal: int, node: cst.CSTNode) -> Span:
        if anchor is Anchor.IF:
            node = node.test  # type: ignore[attr-defined]
        elif anchor is Anchor.FUNCTION_NAME or anchor is Anchor.CLASS_NAME:
            node = node.name  # type: ignore[attr-defined]
        found = self._spans[node]
        return (found.start.line, found.start.column + 1, found.end.line, found.end.column + 1)


def _provided_positions(module: cst.Module) -> Mapping[cst.CSTNode, CodeRange]:
    """`PositionProvider`'s positions of every node of `module`.

    Its own code generation, called directly: `MetadataWrapper.resolve` walks the whole
    tree once more with an empty visitor before it (polar's 70 files of Python 3.12+
    syntax: 3.4 s instead of 4.5 s, against a parse of 2.2 s). Through the wrapper where
    a LibCST lacks the provider's internals.
    """
    provider = PositionProvider()
    try:
        provider._gen_impl(module)
        return provider._computed
    except AttributeError:
        return MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)


def noqa_comments(text: str, module: cst.Module) -> tuple[tuple[int, tuple[str, ...] | None], ...]:
    """(line, codes) of each `# noqa` comment, in source order; codes None for a bare one."""
    if NOQA_COMMENT.search(text) is None:  # most files: no need to find the comments
        return ()
    found: list[tuple[int, tuple[str, ...] | None]] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                match = NOQA_COMMENT.search(token.string)
                if match:
                    found.append((token.start[0], noqa_codes(match)))
    except (tokenize.TokenError, SyntaxError):
        # Python's tokenizer refuses what LibCST's accepted: read the tree's comments.
        return _tree_noqa_comments(module)
    return tuple(found)


class _CommentLines(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[int, tuple[str, ...] | None]] = []

    def visit_Comment(self, node: cst.Comment) -> None:
        match = NOQA_COMMENT.search(node.value)
        if match:
            self.found.append((self.get_metadata(PositionProvider, node).start.line, noqa_codes(match)))


def _tree_noqa_comments(module: cst.Module) -> tuple[tuple[int, tuple[str, ...] | None], ...]:
    collector = _CommentLines()
    MetadataWrapper(module, unsafe_skip_copy=True).visit(collector)
    return tuple(collector.found)
