"""Parse one file with LibCST and turn it into `ModuleFacts`.

This is the only module that reads LibCST trees for analysis: one parse, one walk,
plain data out. Everything downstream reads facts.

The walk reads node fields directly and descends only into the fields that can hold a
fact (`cst_fields.py`): no `CSTVisitor` dispatch, which rebuilds every node it visits,
and no `PositionProvider`, which generates the whole tree's code again to learn where
nodes are. Positions come from `positions.py`: the walk numbers the nodes it keeps in
source order and fills their positions in when it is done.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable

import libcst as cst

from .cst_fields import CHILD_FIELDS
from .facts import (
    OTHER,
    Assign,
    Attr,
    Call,
    Class,
    Const,
    Dotted,
    Either,
    Event,
    Function,
    Import,
    Item,
    Lambda,
    Mapping,
    ModuleFacts,
    Operation,
    ParseError,
    Pos,
    Seq,
    Val,
)
from .positions import NUMBERED, Anchor, AstPositions, MetadataPositions, Misaligned, Positions, noqa_comments
from .sources import decode

_IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError"}


def parse_source(path: str, source: bytes) -> ModuleFacts | ParseError:
    """Parse `source` (the bytes of `path`) into facts, or say where it does not parse."""
    try:
        module = parse_module(source)
    except cst.ParserSyntaxError as error:
        return _syntax_error(path, error)
    except (UnicodeDecodeError, SyntaxError, ValueError) as error:
        return ParseError(path, f"cannot parse: {error}", 1, 1)
    except RecursionError:
        return ParseError(path, _TOO_DEEP, 1, 1)
    is_package = path.endswith("__init__.py") or path.endswith("__init__.pyi")
    text = decode(source)
    try:
        walk = _Walk(path)
        walk.walk(module)
        try:
            positions: Positions = AstPositions(source, text)
            walk.check_numbering(positions)  # type: ignore[arg-type]
            walk.place(positions)
        except (SyntaxError, ValueError, MemoryError, RecursionError, Misaligned):
            # Syntax newer than this Python's `ast`, nesting its compiler refuses, or
            # numbering that does not line up.
            walk.place(MetadataPositions(module))
        return walk.result(is_package, noqa_comments(text, module))
    except RecursionError:
        # Walks recurse once per nesting level: a long `a + b + ...` chain (generated
        # code) or deeply nested brackets exceed Python's limit.
        return ParseError(path, _TOO_DEEP, 1, 1)


def parse_module(source: bytes) -> cst.Module:
    """LibCST's parse of `source`, its nodes made without checking their invariants: the
    one way forklint parses (facts, fixes, `--add-noqa`'s check of what it writes).

    Every node's `__post_init__` runs `_validate()`, which checks what hand-built trees
    can get wrong (a `Name` with no value, missing whitespace between keywords). The
    parser's trees come from source it has just accepted, so the checks only cost: 12 %
    of the parse on netbox (LibCST's own comment on `__post_init__` says as much), and
    where a check is wrong they refuse valid code (`1 if y else(lambda: 2)` raises
    TypeError: LibCST issue 1061). Nodes a fix builds are checked as usual.
    """
    with _unvalidated():
        return cst.parse_module(source)


def _skip_validation(node: cst.CSTNode) -> None:
    """`CSTNode.__post_init__` while the parser builds a tree: no checks."""


@contextmanager
def _unvalidated() -> Iterator[None]:
    # Process-wide, and on only while a parse runs: forklint parses on one thread per
    # process. A LibCST without the hook parses as usual.
    checked = cst.CSTNode.__dict__.get("__post_init__")
    if checked is None:
        yield
        return
    cst.CSTNode.__post_init__ = _skip_validation  # type: ignore[method-assign]
    try:
        yield
    finally:
        cst.CSTNode.__post_init__ = checked  # type: ignore[method-assign]


_TOO_DEEP = "cannot parse: the code is nested too deeply (a very long expression chain or deeply nested brackets)"


_ERROR_AT = re.compile(r"error at (\d+):(\d+): (.*)", re.DOTALL)


def _syntax_error(path: str, error: cst.ParserSyntaxError) -> ParseError:
    """Where the parser stopped, with a short reason (not a list of 40 tokens)."""
    line, col, reason = error.raw_line, error.raw_column + 1, error.message
    found = _ERROR_AT.search(error.message)
    if found:  # the native parser puts the real position in its message
        line, col, reason = int(found.group(1)), int(found.group(2)) + 1, found.group(3)
    if reason.startswith("expected one of") and reason.count(",") > 3:
        reason = "invalid syntax (a syntax error, or Python 2 code)"
    return ParseError(path, f"cannot parse: {reason}", max(line, 1), max(col, 1))


@dataclass
class _Scope:
    kind: str  # "module" | "class" | "function"
    qualname: str
    calls: list[Call] = field(default_factory=list)
    imports: list[Import] = field(default_factory=list)
    assigns: list[Assign] = field(default_factory=list)
    returns: list[Val] = field(default_factory=list)
    reads: list[Val] = field(default_factory=list)
    global_names: list[str] = field(default_factory=list)
    local_defs: list[str] = field(default_factory=list)
    lazy_globals: list[tuple[str, Pos]] = field(default_factory=list)
    compared: list[str] = field(default_factory=list)
    methods: list[str] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)
    loops: int = 0  # how many loops (or comprehensions) of this scope we are inside


# Per node type, the fields the walk descends into (types this LibCST lacks are left out).
_FIELDS: dict[type, tuple[str, ...]] = {
    getattr(cst, name): fields for name, fields in CHILD_FIELDS.items() if hasattr(cst, name)
}
_SEQUENCES = (tuple, list)
_TARGET_TYPES = (cst.Name, cst.Attribute, cst.Subscript)


class _Walk:
    """One pass over a module that builds its facts.

    It reaches nodes in source order (`_FIELDS` is LibCST's visiting order) and acts on
    the same nodes at the same moments as a `CSTVisitor` with `visit_*` methods would,
    so facts come out in the same order. Positions are not known during the walk:
    each `Pos` is made empty and filled in by `place` once every kept node is numbered.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.scopes: list[_Scope] = [_Scope("module", "")]
        self.functions: list[Function] = []
        self.classes: list[Class] = []
        self.events: list[Event] = []
        self.type_checking = 0
        self.guarded = 0
        self.main_only = 0
        self._statement_calls: set[int] = set()  # ids of calls that are whole statements
        self._blocks: list[int] = []  # the blocks we are inside (see `Assign.block`)
        self._block_count = 0
        self._lambdas: list[int] = []  # the lambdas whose bodies we are inside, innermost last
        self._lambda_numbers: dict[int, int] = {}  # lambda node id → its number
        # Source-order numbers of the kept nodes, by node identity, and how many of
        # each kind were reached; the positions waiting for them.
        self._ordinals: dict[int, int] = {}
        self._counts = [0] * len(Anchor)
        self._unplaced: list[tuple[Pos, Anchor, cst.CSTNode]] = []
        # Assignment targets that are numbered when the walk reaches them, so that a
        # walrus nested in a target (`a[(i := 0)], b = ...`) keeps source order.
        self._targets: set[int] = set()
        self._calls: dict[tuple[int, bool, int, int, int], Call] = {}  # see `call`
        self._handlers: dict[type, Callable[[cst.CSTNode], None]] = {
            cst.Call: self._on_call,  # type: ignore[dict-item]
            cst.Name: self._on_name,  # type: ignore[dict-item]
            cst.Attribute: self._on_target_candidate,
            cst.Subscript: self._on_target_candidate,
            cst.Expr: self._on_expr,  # type: ignore[dict-item]
            cst.IndentedBlock: self._on_block,
            cst.SimpleStatementSuite: self._on_block,
            cst.Assign: self._on_assign,  # type: ignore[dict-item]
            cst.AugAssign: self._on_aug_assign,  # type: ignore[dict-item]
            cst.AnnAssign: self._on_ann_assign,  # type: ignore[dict-item]
            cst.WithItem: self._on_with_item,  # type: ignore[dict-item]
            cst.NamedExpr: self._on_named_expr,  # type: ignore[dict-item]
            cst.CompFor: self._on_comp_for,  # type: ignore[dict-item]
            cst.For: self._on_for,  # type: ignore[dict-item]
            cst.While: self._on_while,  # type: ignore[dict-item]
            cst.Return: self._on_return,  # type: ignore[dict-item]
            cst.Global: self._on_global,  # type: ignore[dict-item]
            cst.Import: self._on_import,  # type: ignore[dict-item]
            cst.ImportFrom: self._on_import_from,  # type: ignore[dict-item]
            cst.If: self._on_if,  # type: ignore[dict-item]
            cst.Try: self._on_try,  # type: ignore[dict-item]
            cst.FunctionDef: self._on_function,  # type: ignore[dict-item]
            cst.Lambda: self._on_lambda,  # type: ignore[dict-item]
            cst.Comparison: self._on_comparison,  # type: ignore[dict-item]
            cst.ClassDef: self._on_class,  # type: ignore[dict-item]
        }

    # -- the walk ----------------------------------------------------------------------

    def walk(self, node: cst.CSTNode) -> None:
        handler = self._handlers.get(type(node))
        if handler is not None:
            handler(node)
        else:
            self.children(node)

    def children(self, node: cst.CSTNode) -> None:
        for name in _FIELDS.get(type(node), ()):
            child = getattr(node, name)
            if type(child) in _SEQUENCES:
                for item in child:
                    self.walk(item)
            elif child is not None:  # a node (`walk` ignores anything else it is given)
                self.walk(child)

    def count_only(self, node: cst.CSTNode) -> None:
        """Number the kept nodes under `node` without taking facts from them: parts a
        definition does not analyse (return annotations, type parameters) and guards
        that are tests only (`if TYPE_CHECKING:`), which `ast` still holds."""
        kind = type(node)
        if kind is cst.Call:
            self._number(node, Anchor.CALL)
        elif kind is cst.NamedExpr or kind is cst.CompFor:
            self._mark_targets(node.target)  # type: ignore[attr-defined]
        elif id(node) in self._targets:
            self._number(node, Anchor.TARGET)
        for name in _FIELDS.get(kind, ()):
            child = getattr(node, name)
            if type(child) in _SEQUENCES:
                for item in child:
                    self.count_only(item)
            elif child is not None:
                self.count_only(child)

    # -- positions ---------------------------------------------------------------------

    def _number(self, node: cst.CSTNode, anchor: Anchor) -> None:
        self._ordinals[id(node)] = self._counts[anchor]
        self._counts[anchor] += 1

    def pos(self, anchor: Anchor, node: cst.CSTNode) -> Pos:
        """The position of `node`, filled in by `place` when the walk is done."""
        # Facts are frozen; a `Pos` is made without fields and given them in `place`,
        # before any fact is compared, hashed or leaves this module.
        pos = Pos.__new__(Pos)
        self._unplaced.append((pos, anchor, node))
        return pos

    def check_numbering(self, positions: AstPositions) -> None:
        """Raise Misaligned unless the walk reached as many nodes of each kind as `ast` holds."""
        for anchor in NUMBERED:
            if self._counts[anchor] != positions.count(anchor):
                raise Misaligned(anchor.name)

    def place(self, positions: Positions) -> None:
        """Give every position made during the walk its line and columns."""
        ordinals = self._ordinals
        try:
            spans = [positions.span(anchor, ordinals[id(node)], node) for _, anchor, node in self._unplaced]
        except (KeyError, IndexError) as error:
            raise Misaligned(str(error)) from None
        for (pos, _, _), (line, col, end_line, end_col) in zip(self._unplaced, spans):
            pos.__dict__.update(line=line, col=col, end_line=end_line, end_col=end_col)
        self._unplaced = []

    # -- helpers -------------------------------------------------------------------

    @property
    def scope(self) -> _Scope:
        return self.scopes[-1]

    def _at_module_level(self) -> bool:
        return len(self.scopes) == 1

    def _event(self, kind: str, index: int, name: str = "") -> None:
        if self._at_module_level():
            self.events.append(Event(kind, index, self.main_only > 0, name))

    def _qualname(self, name: str) -> str:
        outer = self.scope.qualname
        return f"{outer}.{name}" if outer else name

    def value(self, node: cst.BaseExpression | None) -> Val:
        """Turn an expression into the small value language of `facts`."""
        # Exact type tests, most frequent first: these node classes have no subclasses,
        # and `isinstance` against LibCST's abstract bases costs far more.
        kind = type(node)
        if kind is cst.Name:
            name = node.value  # type: ignore[union-attr]
            if name in _CONSTANT_NAMES:
                return Const(_CONSTANT_NAMES[name])
            return Dotted(name)
        if kind is cst.Attribute:
            base = self.value(node.value)  # type: ignore[union-attr]
            if isinstance(base, Dotted):
                return Dotted(f"{base.name}.{node.attr.value}")  # type: ignore[union-attr]
            return Attr(base, node.attr.value)  # type: ignore[union-attr]
        if kind is cst.Call:
            return self.call(node)  # type: ignore[arg-type]
        if kind is cst.SimpleString or kind is cst.ConcatenatedString:
            evaluated = _string_value(node)  # type: ignore[arg-type]
            return Const(evaluated) if evaluated is not None else OTHER
        if node is None:
            return OTHER
        if kind is cst.Integer:
            text = node.value  # type: ignore[union-attr]
            return Const(int(text.replace("_", ""), 0) if text[:2].lower() in ("0x", "0o", "0b") else int(text.replace("_", "")))
        if kind is cst.Float:
            return Const(float(node.value.replace("_", "")))  # type: ignore[union-attr]
        if kind is cst.List or kind is cst.Tuple or kind is cst.Set:
            return Seq(tuple(self.value(el.value) for el in node.elements))  # type: ignore[union-attr]
        if kind is cst.Dict:
            items = []
            others = []
            for el in node.elements:  # type: ignore[union-attr]
                if type(el) is cst.DictElement:
                    key = self.value(el.key)
                    if isinstance(key, Const) and isinstance(key.value, str):
                        items.append((key.value, self.value(el.value)))
                    else:  # `{Kind.A: handle_a}`: dispatch tables keyed by enums
                        others.append(self.value(el.value))
            return Mapping(tuple(items), tuple(others))
        if kind is cst.Subscript:
            base = self.value(node.value)  # type: ignore[union-attr]
            if isinstance(base, Dotted):
                return Dotted(f"{base.name}[]")
            index = None
            if len(node.slice) == 1 and type(node.slice[0].slice) is cst.Index:  # type: ignore[union-attr]
                key = self.value(node.slice[0].slice.value)  # type: ignore[union-attr]
                index = key.value if isinstance(key, Const) and type(key.value) is int else None
            return Item(base, index)
        if kind is cst.Await:
            return self.value(node.expression)  # type: ignore[union-attr]
        if kind is cst.IfExp:
            return Either((self.value(node.body), self.value(node.orelse)))  # type: ignore[union-attr]
        if kind is cst.BooleanOperation:
            which = "or" if type(node.operator) is cst.Or else "and"  # type: ignore[union-attr]
            return Either((self.value(node.left), self.value(node.right)), which)  # type: ignore[union-attr]
        if kind is cst.BinaryOperation:
            return Operation(_OPERATORS.get(type(node.operator), "?"), (self.value(node.left), self.value(node.right)))  # type: ignore[union-attr]
        if kind is cst.FormattedString:
            parts: list[Val] = []
            for part in node.parts:  # type: ignore[union-attr]
                if type(part) is cst.FormattedStringText:
                    parts.append(Const(part.value))
                elif type(part) is cst.FormattedStringExpression:
                    parts.append(self.value(part.expression))
            return Operation("f", tuple(parts))
        if kind is cst.NamedExpr:
            return self.value(node.value)  # type: ignore[union-attr]
        if kind is cst.Lambda:
            return Lambda(self._lambda_number(node))  # type: ignore[arg-type]
        return OTHER

    def call(self, node: cst.Call) -> Call:
        # A call nested in another (`f(g(x))`) or assigned (`x = g()`) is built as a value
        # of the outer fact, then again when the walk reaches it: with the same context,
        # the same `Call` (one object, one position to place, nothing for `shared`).
        in_loop = self.scope.loops > 0
        lambda_ = self._lambdas[-1] if self._lambdas else 0
        key = (id(node), in_loop, len(self.scopes), self._blocks[-1] if self._blocks else 0, lambda_)
        built = self._calls.get(key)
        if built is not None:
            return built
        args: list[Val] = []
        kwargs: list[tuple[str, Val]] = []
        for arg in node.args:
            if arg.keyword is not None:
                kwargs.append((arg.keyword.value, self.value(arg.value)))
            elif not arg.star:
                args.append(self.value(arg.value))
        func = self.value(node.func)
        source = _render(func)
        built = self._calls[key] = Call(
            func, tuple(args), tuple(kwargs), self.pos(Anchor.CALL, node), source, in_loop,
            id(node) in self._statement_calls, tuple(self._blocks), any(arg.star for arg in node.args), lambda_)
        return built

    # -- calls -------------------------------------------------------------------------

    def _on_call(self, node: cst.Call) -> None:
        self._number(node, Anchor.CALL)
        call = self.call(node)
        if self._at_module_level():
            self._event("call", len(self.scope.calls))
        self.scope.calls.append(call)
        self.children(node)

    def _on_expr(self, node: cst.Expr) -> None:
        if isinstance(node.value, cst.Call):
            self._statement_calls.add(id(node.value))
        else:
            self.scope.reads.extend(self.value(part) for part in _read_parts(node.value))
        self.children(node)

    # -- lambdas and comparisons -----------------------------------------------------

    def _lambda_number(self, node: cst.Lambda) -> int:
        number = self._lambda_numbers.get(id(node))
        if number is None:
            number = self._lambda_numbers[id(node)] = len(self._lambda_numbers) + 1
        return number

    def _on_lambda(self, node: cst.Lambda) -> None:
        self.walk(node.params)  # defaults run where the lambda is written
        self._lambdas.append(self._lambda_number(node))
        self.walk(node.body)
        self._lambdas.pop()

    def _on_comparison(self, node: cst.Comparison) -> None:
        for side in (node.left, *(target.comparator for target in node.comparisons)):
            if type(side) is cst.SimpleString or type(side) is cst.ConcatenatedString:
                text = _string_value(side)  # type: ignore[arg-type]
                if isinstance(text, str):
                    self.scope.compared.append(text)
        self.children(node)

    # -- imports ---------------------------------------------------------------------

    def _add_import(self, imp: Import) -> None:
        if self._at_module_level():
            self._event("import", len(self.scope.imports))
        self.scope.imports.append(imp)

    def _on_import(self, node: cst.Import) -> None:
        self._number(node, Anchor.IMPORT)
        pos = self.pos(Anchor.IMPORT, node)
        for alias in node.names:
            module = _dotted_text(alias.name)
            asname = _alias_name(alias)
            self._add_import(Import(module, 0, None, asname, pos, self.type_checking > 0, self.guarded > 0))

    def _on_import_from(self, node: cst.ImportFrom) -> None:
        self._number(node, Anchor.IMPORT)
        pos = self.pos(Anchor.IMPORT, node)
        module = _dotted_text(node.module) if node.module is not None else ""
        level = len(node.relative)
        if isinstance(node.names, cst.ImportStar):
            self._add_import(Import(module, level, "*", None, pos, self.type_checking > 0, self.guarded > 0))
            return
        for alias in node.names:
            name = _dotted_text(alias.name)
            self._add_import(Import(module, level, name, _alias_name(alias), pos, self.type_checking > 0, self.guarded > 0))

    # -- guards: TYPE_CHECKING, __main__, try/except ImportError --------------------

    def _on_if(self, node: cst.If) -> None:
        self._number(node, Anchor.IF)
        test = node.test
        if _is_type_checking(test):
            self.count_only(test)
            self.type_checking += 1
            self.walk(node.body)
            self.type_checking -= 1
            if node.orelse is not None:
                self.walk(node.orelse)
            return
        if self._at_module_level() and _is_main_guard(test):
            self.count_only(test)
            self.main_only += 1
            self.walk(node.body)
            self.main_only -= 1
            if node.orelse is not None:
                self.walk(node.orelse)
            return
        if self.scope.kind == "function":
            name = _none_test(test)
            if name is not None and name in self.scope.global_names:
                self.scope.lazy_globals.append((name, self.pos(Anchor.IF, node)))
        self.scope.reads.extend(self.value(part) for part in _read_parts(test))
        self.children(node)

    def _on_try(self, node: cst.Try) -> None:
        catches_import = any(_catches_import_error(h.type) for h in node.handlers)
        if catches_import:
            self.guarded += 1
        self.walk(node.body)
        if catches_import:
            self.guarded -= 1
        for handler in node.handlers:
            self.walk(handler)
        if node.orelse is not None:
            self.walk(node.orelse)
        if node.finalbody is not None:
            self.walk(node.finalbody)

    # -- definitions -----------------------------------------------------------------

    def _on_function(self, node: cst.FunctionDef) -> None:
        self._number(node, Anchor.FUNCTION)
        # Decorators and parameter defaults run in the enclosing scope, at definition.
        for decorator in node.decorators:
            self.walk(decorator)
        type_parameters = getattr(node, "type_parameters", None)
        if type_parameters is not None:
            self.count_only(type_parameters)
        self.walk(node.params)
        if node.returns is not None:
            self.count_only(node.returns)
        qualname = self._qualname(node.name.value)
        outer = self.scope
        if outer.kind == "class":
            outer.methods.append(node.name.value)
        elif outer.kind == "function":
            outer.local_defs.append(node.name.value)
        self._event("def", -1, qualname)
        class_name = outer.qualname if outer.kind == "class" else None
        decorators = tuple(self.value(d.decorator) for d in node.decorators)
        self.scopes.append(_Scope("function", qualname))
        self.walk(node.body)
        scope = self.scopes.pop()
        params = node.params
        names = [p.name.value for p in (*params.posonly_params, *params.params)]
        if isinstance(params.star_arg, cst.Param):
            names.append(params.star_arg.name.value)
        names += [p.name.value for p in params.kwonly_params]
        if params.star_kwarg is not None:
            names.append(params.star_kwarg.name.value)
        every = [*params.posonly_params, *params.params, *params.kwonly_params]
        annotations = tuple(
            (p.name.value, annotation_value(p.annotation.annotation, self.value)) for p in every if p.annotation is not None
        )
        defaults = tuple((p.name.value, self.value(p.default)) for p in every if p.default is not None)
        self.functions.append(
            Function(
                qualname=scope.qualname,
                name_pos=self.pos(Anchor.FUNCTION_NAME, node),
                pos=self.pos(Anchor.FUNCTION, node),
                decorators=decorators,
                params=tuple(names),
                class_name=class_name,
                is_async=node.asynchronous is not None,
                calls=tuple(scope.calls),
                imports=tuple(scope.imports),
                assigns=tuple(scope.assigns),
                returns=tuple(scope.returns),
                global_names=tuple(scope.global_names),
                local_defs=tuple(scope.local_defs),
                lazy_globals=tuple(scope.lazy_globals),
                annotations=annotations,
                defaults=defaults,
                reads=tuple(scope.reads),
                compared=tuple(dict.fromkeys(scope.compared)),
            )
        )

    def _on_class(self, node: cst.ClassDef) -> None:
        self._number(node, Anchor.CLASS)
        for decorator in node.decorators:
            self.walk(decorator)
        type_parameters = getattr(node, "type_parameters", None)
        if type_parameters is not None:
            self.count_only(type_parameters)
        for arg in (*node.bases, *node.keywords):
            self.walk(arg)
        qualname = self._qualname(node.name.value)
        if self.scope.kind == "function":
            self.scope.local_defs.append(node.name.value)
        self._event("class", -1, qualname)
        self.scopes.append(_Scope("class", qualname))
        self.walk(node.body)
        scope = self.scopes.pop()
        self.classes.append(
            Class(
                qualname=scope.qualname,
                name_pos=self.pos(Anchor.CLASS_NAME, node),
                pos=self.pos(Anchor.CLASS, node),
                bases=tuple(self.value(b.value) for b in node.bases),
                keywords=tuple((k.keyword.value, self.value(k.value)) for k in node.keywords if k.keyword),
                decorators=tuple(self.value(d.decorator) for d in node.decorators),
                assigns=tuple(scope.assigns),
                calls=tuple(scope.calls),
                methods=tuple(scope.methods),
                fields=tuple(scope.fields),
            )
        )

    # -- loops: a call in one may run many times ---------------------------------------

    def _on_for(self, node: cst.For) -> None:
        self._mark_targets(node.target)
        self._assign(node.target, Item(self.value(node.iter)))
        self.scope.loops += 1
        self.children(node)
        self.scope.loops -= 1

    def _on_while(self, node: cst.While) -> None:
        self.scope.reads.extend(self.value(part) for part in _read_parts(node.test))
        self.scope.loops += 1
        self.children(node)
        self.scope.loops -= 1

    def _on_comp_for(self, node: cst.CompFor) -> None:
        self._mark_targets(node.target)
        self._assign(node.target, Item(self.value(node.iter)))
        # A comprehension's filters are tests like an `if`'s: `[r for r in rows if r.vcs in REGISTRY.git_based]`.
        self.scope.reads.extend(self.value(part) for cond in node.ifs for part in _read_parts(cond.test))
        self.scope.loops += 1
        self.children(node)
        self.scope.loops -= 1

    # -- blocks: where an assignment reaches for sure ------------------------------------

    def _on_block(self, node: cst.CSTNode) -> None:
        self._block_count += 1
        self._blocks.append(self._block_count)
        self.children(node)
        self._blocks.pop()

    # -- assignments ---------------------------------------------------------------------

    def _mark_targets(self, target: cst.BaseExpression) -> None:
        """Note the names, attributes and subscripts `target` assigns to (`ast`'s Store)."""
        if isinstance(target, (cst.Tuple, cst.List)):
            for el in target.elements:
                self._mark_targets(el.value)
        elif isinstance(target, _TARGET_TYPES):
            self._targets.add(id(target))

    def _on_name(self, node: cst.Name) -> None:
        if id(node) in self._targets:
            self._number(node, Anchor.TARGET)

    def _on_target_candidate(self, node: cst.CSTNode) -> None:
        if id(node) in self._targets:
            self._number(node, Anchor.TARGET)
        self.children(node)

    def _assign(self, target: cst.BaseExpression, value: Val) -> None:
        if isinstance(target, (cst.Tuple, cst.List)):
            # `a, b = x, y` pairs up; `a, b = pair` binds items of the value.
            elements = [el for el in target.elements if not isinstance(el, cst.StarredElement)]
            if len(elements) != len(target.elements):
                return
            for index, el in enumerate(elements):
                paired = isinstance(value, Seq) and len(value.items) == len(elements)
                self._assign(el.value, value.items[index] if paired else Item(value, index))  # type: ignore[union-attr]
            return
        dotted = self.value(target)
        if isinstance(dotted, Dotted):
            if self._at_module_level():
                self._event("assign", len(self.scope.assigns))
            self.scope.assigns.append(Assign(dotted.name, value, self.pos(Anchor.TARGET, target), tuple(self._blocks)))

    def _on_named_expr(self, node: cst.NamedExpr) -> None:
        self._mark_targets(node.target)
        self._assign(node.target, self.value(node.value))
        self.children(node)

    def _on_assign(self, node: cst.Assign) -> None:
        value = self.value(node.value)
        for target in node.targets:
            self._mark_targets(target.target)
            self._assign(target.target, value)
        self.children(node)

    def _on_aug_assign(self, node: cst.AugAssign) -> None:
        self._mark_targets(node.target)  # numbered like any target, though not a fact
        self.children(node)

    def _on_ann_assign(self, node: cst.AnnAssign) -> None:
        if self.scope.kind == "class" and isinstance(node.target, cst.Name):
            self.scope.fields.append(node.target.value)
        self._mark_targets(node.target)
        if node.value is not None:
            self._assign(node.target, self.value(node.value))
        self.children(node)

    def _on_with_item(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._mark_targets(node.asname.name)
            self._assign(node.asname.name, self.value(node.item))
        self.children(node)

    def _on_return(self, node: cst.Return) -> None:
        if node.value is not None:
            self.scope.returns.append(self.value(node.value))
        self.children(node)

    def _on_global(self, node: cst.Global) -> None:
        self.scope.global_names.extend(n.name.value for n in node.names)

    # -- result -------------------------------------------------------------------------

    def result(self, is_package: bool, noqa: tuple[tuple[int, tuple[str, ...] | None], ...]) -> ModuleFacts:
        # Definitions were appended when they finished; events refer to them by the
        # order they started, so renumber: sort by start position.
        functions = sorted(self.functions, key=lambda f: (f.pos.line, f.pos.col))
        classes = sorted(self.classes, key=lambda c: (c.pos.line, c.pos.col))
        module = self.scopes[0]
        return ModuleFacts(
            path=self.path,
            is_package=is_package,
            imports=tuple(module.imports),
            assigns=tuple(module.assigns),
            calls=tuple(module.calls),
            functions=tuple(functions),
            classes=tuple(classes),
            events=tuple(self.events),
            noqa=noqa,
            reads=tuple(module.reads),
            compared=tuple(dict.fromkeys(module.compared)),
        )


_CONSTANT_NAMES = {"True": True, "False": False, "None": None}


def annotation_value(node: cst.BaseExpression | None, value: Callable[[cst.BaseExpression], Val], depth: int = 0) -> Val:
    """A parameter's annotation as the values it admits: a class stands for an instance
    of it, `Optional[A]`, `Union[A, B]` and `A | B` for either, `Type[A]` / `type[A]` for
    the class itself (`Operation("type", (A,))`), and a string for the annotation it
    spells (`"Type[Submission]"`, written so to break an import cycle). Other generics
    (`List[A]`) admit no instance of `A`: nothing. `value` turns a name into a value."""
    kind = type(node)
    if kind is cst.Name or kind is cst.Attribute:
        return value(node)  # type: ignore[arg-type]
    if (kind is cst.SimpleString or kind is cst.ConcatenatedString) and depth < 2:
        text = _string_value(node)  # type: ignore[arg-type]
        try:
            parsed = cst.parse_expression(text) if isinstance(text, str) else None
        except cst.ParserSyntaxError:
            parsed = None
        return annotation_value(parsed, value, depth + 1) if parsed is not None else OTHER
    if kind is cst.BinaryOperation and type(node.operator) is cst.BitOr:  # type: ignore[union-attr]
        return Either((annotation_value(node.left, value, depth), annotation_value(node.right, value, depth)))  # type: ignore[union-attr]
    if kind is cst.Subscript:
        generic = value(node.value)  # type: ignore[union-attr]
        name = generic.name.rpartition(".")[2] if isinstance(generic, Dotted) else ""
        items = [annotation_value(el.slice.value, value, depth) for el in node.slice  # type: ignore[union-attr]
                 if type(el.slice) is cst.Index]
        if name in ("Optional", "Union"):
            return Either(tuple(items))
        if name in ("Type", "type") and len(items) == 1:
            inner = items[0]
            options = inner.options if isinstance(inner, Either) else (inner,)
            types = tuple(Operation("type", (option,)) for option in options)
            return types[0] if len(types) == 1 else Either(types)
    return OTHER


def _string_value(node: cst.SimpleString | cst.ConcatenatedString | cst.FormattedString) -> str | bytes | None:
    """`node.evaluated_value`, without compiling the literal when it needs no decoding."""
    kind = type(node)
    if kind is cst.SimpleString:
        text = node.value  # type: ignore[union-attr]
        # A str literal without escapes is its text between the quotes (`\r` is left to
        # the compiler, which turns `\r\n` in a triple-quoted literal into `\n`).
        if "\\" not in text and "\r" not in text:
            first = text[0]
            if first == '"' or first == "'" or ((first == "r" or first == "u" or first == "R" or first == "U") and text[1] in "'\""):
                start = 1 if first in "rRuU" else 0
                quotes = 3 if text.startswith(text[start] * 3, start) and len(text) - start >= 6 else 1
                return text[start + quotes : -quotes]
        return node.evaluated_value  # type: ignore[union-attr]
    if kind is cst.ConcatenatedString:
        # As LibCST's `ConcatenatedString.evaluated_value`, with the fast parts.
        left, right = node.left, node.right  # type: ignore[union-attr]
        if type(left) is cst.FormattedString or type(right) is cst.FormattedString:
            return None
        left_value, right_value = _string_value(left), _string_value(right)
        if right_value is None:
            return None
        if isinstance(left_value, bytes) and isinstance(right_value, bytes):
            return left_value + right_value
        if isinstance(left_value, str) and isinstance(right_value, str):
            return left_value + right_value
        return None
    return None


_OPERATORS = {
    cst.Divide: "/", cst.Add: "+", cst.Modulo: "%", cst.Multiply: "*", cst.Subtract: "-",
    cst.FloorDivide: "//", cst.BitOr: "|",
}


def _read_parts(node: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The attributes and subscripts a test or an expression statement reads, outside any
    call (calls are facts of their own): `key in SEARCH.index`, `not self.flags["x"]`."""
    kind = type(node)
    if kind is cst.Attribute or kind is cst.Subscript:
        return [node]
    if kind is cst.Comparison:
        return [p for part in (node.left, *(c.comparator for c in node.comparisons)) for p in _read_parts(part)]  # type: ignore[union-attr]
    if kind is cst.UnaryOperation:
        return _read_parts(node.expression)  # type: ignore[union-attr]
    if kind is cst.BooleanOperation:
        return [*_read_parts(node.left), *_read_parts(node.right)]  # type: ignore[union-attr]
    return []


def _dotted_text(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted_text(node.value)}.{node.attr.value}"
    return ""


def _alias_name(alias: cst.ImportAlias) -> str | None:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return None


def _render(value: Val) -> str:
    """A short rendering of a callee for messages (`Queue(...).enqueue`), without
    generating code from the tree, which would cost a walk of the node."""
    if isinstance(value, Dotted):
        return value.name.replace("[]", "[...]")
    if isinstance(value, Call):
        return f"{_render(value.func)}(...)"
    if isinstance(value, Attr):
        return f"{_render(value.value)}.{value.attr}"
    return "<expression>"


def _is_type_checking(test: cst.BaseExpression) -> bool:
    if isinstance(test, cst.Name):
        return test.value == "TYPE_CHECKING"
    return isinstance(test, cst.Attribute) and test.attr.value == "TYPE_CHECKING"


def _is_main_guard(test: cst.BaseExpression) -> bool:
    if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1):
        return False
    sides = [test.left, test.comparisons[0].comparator]
    names = [s for s in sides if isinstance(s, cst.Name) and s.value == "__name__"]
    strings = [s for s in sides if isinstance(s, cst.SimpleString) and _string_value(s) == "__main__"]
    return bool(names and strings)


def _none_test(test: cst.BaseExpression) -> str | None:
    """The name tested in `if x is None:` or `if not x:`, else None."""
    if (
        isinstance(test, cst.Comparison)
        and isinstance(test.left, cst.Name)
        and len(test.comparisons) == 1
        and isinstance(test.comparisons[0].operator, cst.Is)
        and isinstance(test.comparisons[0].comparator, cst.Name)
        and test.comparisons[0].comparator.value == "None"
    ):
        return test.left.value
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not) and isinstance(test.expression, cst.Name):
        return test.expression.value
    return None


def _catches_import_error(handler_type: cst.BaseExpression | None) -> bool:
    if handler_type is None:
        return False
    if isinstance(handler_type, cst.Name):
        return handler_type.value in _IMPORT_ERRORS
    if isinstance(handler_type, cst.Tuple):
        return any(_catches_import_error(el.value) for el in handler_type.elements)
    return False
