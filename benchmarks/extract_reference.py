"""The previous extractor (a `CSTVisitor` with `PositionProvider`), kept only as the
reference the lean extractor in `forklint/extract.py` is compared against
(`benchmarks/extract_compare.py`, `tests/test_extract_equal.py`, and the timing in
`benchmarks/extract_speed.py`). It is not on the lint path.
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from forklint.facts import (
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
from forklint.extract import (  # the helpers the lean extractor kept as they were
    _OPERATORS,
    _TOO_DEEP,
    _alias_name,
    _catches_import_error,
    _dotted_text,
    _none_test,
    _read_parts,
    _render,
    _Scope,
    _is_type_checking,
    _syntax_error,
    annotation_value,
)
from forklint.noqa import NOQA_COMMENT, noqa_codes

def parse_source(path: str, source: bytes) -> ModuleFacts | ParseError:
    """Parse `source` (the bytes of `path`) into facts, or say where it does not parse."""
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        return _syntax_error(path, error)
    except (UnicodeDecodeError, SyntaxError, ValueError) as error:
        return ParseError(path, f"cannot parse: {error}", 1, 1)
    except RecursionError:
        return ParseError(path, _TOO_DEEP, 1, 1)
    try:
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        collector = _Collector(path)
        wrapper.visit(collector)
        return collector.result(is_package=path.endswith("__init__.py") or path.endswith("__init__.pyi"))
    except RecursionError:
        # LibCST's tree walks recurse once per nesting level: a long `a + b + ...`
        # chain (generated code) or deeply nested brackets exceed Python's limit.
        return ParseError(path, _TOO_DEEP, 1, 1)


class _Collector(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        self.scopes: list[_Scope] = [_Scope("module", "")]
        self.functions: list[Function] = []
        self.classes: list[Class] = []
        self.events: list[Event] = []
        self.noqa: list[tuple[int, tuple[str, ...] | None]] = []
        self.type_checking = 0
        self.guarded = 0
        self.main_only = 0
        self._statement_calls: set[int] = set()  # ids of calls that are whole statements
        self._blocks: list[int] = []  # the blocks we are inside (see `Assign.block`)
        self._block_count = 0
        self._lambdas: list[int] = []
        self._lambda_numbers: dict[int, int] = {}
        # Pending definitions, finished in leave_*; keyed by node identity.
        self._pending: dict[int, dict[str, object]] = {}

    # -- helpers -------------------------------------------------------------------

    def pos(self, node: cst.CSTNode) -> Pos:
        span = self.get_metadata(PositionProvider, node)
        return Pos(span.start.line, span.start.column + 1, span.end.line, span.end.column + 1)

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
        if node is None:
            return OTHER
        if isinstance(node, cst.Name):
            if node.value in ("True", "False", "None"):
                return Const({"True": True, "False": False, "None": None}[node.value])
            return Dotted(node.value)
        if isinstance(node, cst.Attribute):
            base = self.value(node.value)
            if isinstance(base, Dotted):
                return Dotted(f"{base.name}.{node.attr.value}")
            return Attr(base, node.attr.value)
        if isinstance(node, cst.Call):
            return self.call(node)
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            evaluated = node.evaluated_value
            return Const(evaluated) if evaluated is not None else OTHER
        if isinstance(node, cst.Integer):
            return Const(int(node.value.replace("_", ""), 0) if node.value[:2].lower() in ("0x", "0o", "0b") else int(node.value.replace("_", "")))
        if isinstance(node, cst.Float):
            return Const(float(node.value.replace("_", "")))
        if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
            return Seq(tuple(self.value(el.value) for el in node.elements))
        if isinstance(node, cst.Dict):
            items = []
            others = []
            for el in node.elements:
                if isinstance(el, cst.DictElement):
                    key = self.value(el.key)
                    if isinstance(key, Const) and isinstance(key.value, str):
                        items.append((key.value, self.value(el.value)))
                    else:  # `{Kind.A: handle_a}`: dispatch tables keyed by enums
                        others.append(self.value(el.value))
            return Mapping(tuple(items), tuple(others))
        if isinstance(node, cst.Subscript):
            base = self.value(node.value)
            if isinstance(base, Dotted):
                return Dotted(f"{base.name}[]")
            index = None
            if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
                key = self.value(node.slice[0].slice.value)
                index = key.value if isinstance(key, Const) and type(key.value) is int else None
            return Item(base, index)
        if isinstance(node, cst.Await):
            return self.value(node.expression)
        if isinstance(node, cst.IfExp):
            return Either((self.value(node.body), self.value(node.orelse)))
        if isinstance(node, cst.BooleanOperation):
            return Either((self.value(node.left), self.value(node.right)), "or" if isinstance(node.operator, cst.Or) else "and")
        if isinstance(node, cst.BinaryOperation):
            return Operation(_OPERATORS.get(type(node.operator), "?"), (self.value(node.left), self.value(node.right)))
        if isinstance(node, cst.FormattedString):
            parts: list[Val] = []
            for part in node.parts:
                if isinstance(part, cst.FormattedStringText):
                    parts.append(Const(part.value))
                elif isinstance(part, cst.FormattedStringExpression):
                    parts.append(self.value(part.expression))
            return Operation("f", tuple(parts))
        if isinstance(node, cst.NamedExpr):
            return self.value(node.value)
        if isinstance(node, cst.Lambda):
            return Lambda(self._lambda_number(node))
        return OTHER

    def _lambda_number(self, node: cst.Lambda) -> int:
        return self._lambda_numbers.setdefault(id(node), len(self._lambda_numbers) + 1)

    def visit_Lambda_body(self, node: cst.Lambda) -> None:
        self._lambdas.append(self._lambda_number(node))

    def leave_Lambda_body(self, node: cst.Lambda) -> None:
        self._lambdas.pop()

    def visit_Comparison(self, node: cst.Comparison) -> None:
        if self._at_module_level() and _is_main_guard(node):
            return  # the lean walk only counts a `__main__` guard's test
        for side in (node.left, *(target.comparator for target in node.comparisons)):
            if isinstance(side, (cst.SimpleString, cst.ConcatenatedString)):
                text = side.evaluated_value
                if isinstance(text, str):
                    self.scope.compared.append(text)

    def call(self, node: cst.Call) -> Call:
        args: list[Val] = []
        kwargs: list[tuple[str, Val]] = []
        for arg in node.args:
            if arg.keyword is not None:
                kwargs.append((arg.keyword.value, self.value(arg.value)))
            elif not arg.star:
                args.append(self.value(arg.value))
        func = self.value(node.func)
        source = _render(func)
        return Call(func, tuple(args), tuple(kwargs), self.pos(node), source, self.scope.loops > 0,
                    id(node) in self._statement_calls, tuple(self._blocks),
                    any(arg.star for arg in node.args), self._lambdas[-1] if self._lambdas else 0)

    # -- comments --------------------------------------------------------------------

    def visit_Comment(self, node: cst.Comment) -> None:
        match = NOQA_COMMENT.search(node.value)
        if match:
            self.noqa.append((self.pos(node).line, noqa_codes(match)))

    # -- imports ---------------------------------------------------------------------

    def _add_import(self, imp: Import) -> None:
        if self._at_module_level():
            self._event("import", len(self.scope.imports))
        self.scope.imports.append(imp)

    def visit_Import(self, node: cst.Import) -> None:
        pos = self.pos(node)
        for alias in node.names:
            module = _dotted_text(alias.name)
            asname = _alias_name(alias)
            self._add_import(Import(module, 0, None, asname, pos, self.type_checking > 0, self.guarded > 0))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        pos = self.pos(node)
        module = _dotted_text(node.module) if node.module is not None else ""
        level = len(node.relative)
        if isinstance(node.names, cst.ImportStar):
            self._add_import(Import(module, level, "*", None, pos, self.type_checking > 0, self.guarded > 0))
            return
        for alias in node.names:
            name = _dotted_text(alias.name)
            self._add_import(Import(module, level, name, _alias_name(alias), pos, self.type_checking > 0, self.guarded > 0))

    # -- guards: TYPE_CHECKING, __main__, try/except ImportError --------------------

    def visit_If(self, node: cst.If) -> bool:
        test = node.test
        if _is_type_checking(test):
            self.type_checking += 1
            node.body.visit(self)
            self.type_checking -= 1
            if node.orelse is not None:
                node.orelse.visit(self)
            return False
        if self._at_module_level() and _is_main_guard(test):
            self.main_only += 1
            node.body.visit(self)
            self.main_only -= 1
            if node.orelse is not None:
                node.orelse.visit(self)
            return False
        if self.scope.kind == "function":
            name = _none_test(test)
            if name is not None and name in self.scope.global_names:
                self.scope.lazy_globals.append((name, self.pos(test)))
        self.scope.reads.extend(self.value(part) for part in _read_parts(test))
        return True

    def visit_Try(self, node: cst.Try) -> bool:
        catches_import = any(_catches_import_error(h.type) for h in node.handlers)
        if catches_import:
            self.guarded += 1
        node.body.visit(self)
        if catches_import:
            self.guarded -= 1
        for handler in node.handlers:
            handler.visit(self)
        if node.orelse is not None:
            node.orelse.visit(self)
        if node.finalbody is not None:
            node.finalbody.visit(self)
        return False

    # -- definitions -----------------------------------------------------------------

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        # Decorators and parameter defaults run in the enclosing scope, at definition.
        for decorator in node.decorators:
            decorator.visit(self)
        node.params.visit(self)
        qualname = self._qualname(node.name.value)
        outer = self.scope
        if outer.kind == "class":
            outer.methods.append(node.name.value)
        elif outer.kind == "function":
            outer.local_defs.append(node.name.value)
        self._event("def", -1, qualname)
        self._pending[id(node)] = {
            "class_name": outer.qualname if outer.kind == "class" else None,
            "decorators": tuple(self.value(d.decorator) for d in node.decorators),
        }
        self.scopes.append(_Scope("function", qualname))
        node.body.visit(self)
        self._finish_function(node)
        return False

    def _finish_function(self, original_node: cst.FunctionDef) -> None:
        scope = self.scopes.pop()
        extra = self._pending.pop(id(original_node))
        params = original_node.params
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
                name_pos=self.pos(original_node.name),
                pos=self.pos(original_node),
                decorators=extra["decorators"],  # type: ignore[arg-type]
                params=tuple(names),
                class_name=extra["class_name"],  # type: ignore[arg-type]
                is_async=original_node.asynchronous is not None,
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

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        for decorator in node.decorators:
            decorator.visit(self)
        for arg in (*node.bases, *node.keywords):
            arg.visit(self)
        qualname = self._qualname(node.name.value)
        if self.scope.kind == "function":
            self.scope.local_defs.append(node.name.value)
        self._event("class", -1, qualname)
        self.scopes.append(_Scope("class", qualname))
        node.body.visit(self)
        self._finish_class(node)
        return False

    def _finish_class(self, original_node: cst.ClassDef) -> None:
        scope = self.scopes.pop()
        self.classes.append(
            Class(
                qualname=scope.qualname,
                name_pos=self.pos(original_node.name),
                pos=self.pos(original_node),
                bases=tuple(self.value(b.value) for b in original_node.bases),
                keywords=tuple(
                    (k.keyword.value, self.value(k.value)) for k in original_node.keywords if k.keyword
                ),
                decorators=tuple(self.value(d.decorator) for d in original_node.decorators),
                assigns=tuple(scope.assigns),
                calls=tuple(scope.calls),
                methods=tuple(scope.methods),
                fields=tuple(scope.fields),
            )
        )

    # -- loops: a call in one may run many times ---------------------------------------

    def visit_For(self, node: cst.For) -> None:
        self._assign(node.target, Item(self.value(node.iter)))
        self.scope.loops += 1

    def leave_For(self, original_node: cst.For) -> None:
        self.scope.loops -= 1

    def visit_While(self, node: cst.While) -> None:
        self.scope.reads.extend(self.value(part) for part in _read_parts(node.test))
        self.scope.loops += 1

    def leave_While(self, original_node: cst.While) -> None:
        self.scope.loops -= 1

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._assign(node.target, Item(self.value(node.iter)))
        self.scope.reads.extend(self.value(part) for cond in node.ifs for part in _read_parts(cond.test))
        self.scope.loops += 1

    def leave_CompFor(self, original_node: cst.CompFor) -> None:
        self.scope.loops -= 1

    # -- statements inside any scope ---------------------------------------------------

    def visit_Expr(self, node: cst.Expr) -> None:
        if isinstance(node.value, cst.Call):
            self._statement_calls.add(id(node.value))
        else:
            self.scope.reads.extend(self.value(part) for part in _read_parts(node.value))

    def visit_Call(self, node: cst.Call) -> None:
        call = self.call(node)
        if self._at_module_level():
            self._event("call", len(self.scope.calls))
        self.scope.calls.append(call)

    # -- blocks: where an assignment reaches for sure ------------------------------------

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._block_count += 1
        self._blocks.append(self._block_count)

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        self._blocks.pop()

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self._block_count += 1
        self._blocks.append(self._block_count)

    def leave_SimpleStatementSuite(self, original_node: cst.SimpleStatementSuite) -> None:
        self._blocks.pop()

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
            self.scope.assigns.append(Assign(dotted.name, value, self.pos(target), tuple(self._blocks)))

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._assign(node.target, self.value(node.value))

    def visit_Assign(self, node: cst.Assign) -> None:
        value = self.value(node.value)
        for target in node.targets:
            self._assign(target.target, value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if self.scope.kind == "class" and isinstance(node.target, cst.Name):
            self.scope.fields.append(node.target.value)
        if node.value is not None:
            self._assign(node.target, self.value(node.value))

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._assign(node.asname.name, self.value(node.item))

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None:
            self.scope.returns.append(self.value(node.value))

    def visit_Global(self, node: cst.Global) -> None:
        self.scope.global_names.extend(n.name.value for n in node.names)

    # -- result -------------------------------------------------------------------------

    def result(self, is_package: bool) -> ModuleFacts:
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
            noqa=tuple(self.noqa),
            reads=tuple(module.reads),
            compared=tuple(dict.fromkeys(module.compared)),
        )


def _is_main_guard(test: cst.BaseExpression) -> bool:
    if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1):
        return False
    sides = [test.left, test.comparisons[0].comparator]
    names = [s for s in sides if isinstance(s, cst.Name) and s.value == "__name__"]
    strings = [s for s in sides if isinstance(s, cst.SimpleString) and s.evaluated_value == "__main__"]
    return bool(names and strings)
