"""One plan → new source: each kind of fix as LibCST node edits, never text surgery.

Every fixed source must re-parse with LibCST and `compile()`, or the fix is dropped
(FixError) rather than half-applied.
"""

from __future__ import annotations

from typing import Callable, Sequence

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from ..extract import parse_module
from .names import bound_in_class, bound_names, free_names, fresh_name, module_names, top_level_bindings
from .placement import import_block_end, insert_at, module_level_index
from .plan import AddHandler, AppendBody, FixError, FixPlan, Hoist, HoistClass, Insert, MoveImport, MoveToHook, Position

# re.<function>(pattern, ...): the positional parameters after the pattern.
_RE_FUNCTIONS = {
    "match": ("string", "flags"), "search": ("string", "flags"), "fullmatch": ("string", "flags"),
    "findall": ("string", "flags"), "finditer": ("string", "flags"),
    "sub": ("repl", "string", "count", "flags"), "subn": ("repl", "string", "count", "flags"),
    "split": ("string", "maxsplit", "flags"),
}


def apply_plan(source: bytes, plan: FixPlan, path: str = "<fix>") -> bytes:
    """The source with `plan` applied; raises FixError when it cannot be done safely."""
    try:
        module = parse_module(source)
    except cst.ParserSyntaxError as error:
        raise FixError(f"cannot parse {path}: {error.message}") from error
    applier = _APPLIERS.get(type(plan))
    if applier is None:
        raise FixError(f"{plan.kind} fixes are not applied automatically")
    fixed = applier(module, plan)
    result = fixed.bytes
    _check_compiles(result, path)
    return result


def _check_compiles(source: bytes, path: str) -> None:
    try:
        parse_module(source)
        compile(source, path, "exec", dont_inherit=True)
    except (cst.ParserSyntaxError, SyntaxError, ValueError) as error:
        raise FixError(f"the fixed {path} would not compile ({error}); fix dropped") from error


class _Locator(cst.CSTVisitor):
    """Finds nodes by their 1-based start position."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, line: int, col: int, kinds: tuple[type[cst.CSTNode], ...], end: tuple[int, int] | None) -> None:
        super().__init__()
        self.line, self.col, self.kinds, self.end = line, col, kinds, end
        self.found: list[cst.CSTNode] = []
        self.stack: list[cst.CSTNode] = []
        self.parents: dict[int, list[cst.CSTNode]] = {}

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, self.kinds):
            span = self.get_metadata(PositionProvider, node)
            end = (span.end.line, span.end.column + 1)
            if (span.start.line, span.start.column + 1) == (self.line, self.col) and self.end in (None, end):
                self.found.append(node)
                self.parents[id(node)] = list(self.stack)
        self.stack.append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.stack.pop()


def _locate(module: cst.Module, at: Position, kinds: tuple[type[cst.CSTNode], ...], end: Position | None = None):
    """The module (as visited), the first node of `kinds` starting at `at` (and ending at `end`), its parents."""
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    locator = _Locator(at.line, at.col, kinds, (end.line, end.col) if end else None)
    wrapper.visit(locator)
    if not locator.found:
        raise FixError(f"nothing to fix at {at.line}:{at.col} any more")
    node = locator.found[0]
    return wrapper.module, node, locator.parents[id(node)]


def _statement(code: str, blank_before: bool = False) -> cst.BaseStatement:
    stmt = cst.parse_statement(code)
    if blank_before:
        stmt = stmt.with_changes(leading_lines=[cst.EmptyLine()])
    return stmt


def _hoist(module: cst.Module, plan: Hoist) -> cst.Module:
    module, call, parents = _locate(module, plan.call.start, (cst.Call,), plan.call.end)
    assert isinstance(call, cst.Call)
    if not any(isinstance(p, (cst.FunctionDef, cst.ClassDef)) for p in parents):
        raise FixError("already at module level")
    function = plan.api.rpartition(".")[2]
    if plan.api.startswith(("re.", "regex.")) and function in _RE_FUNCTIONS:
        hoisted, replacement = _split_re_call(call, function)
    else:
        hoisted, replacement = call, None
    index = module_level_index(module, parents, free_names(hoisted))
    name = fresh_name(plan.name_hint or "HOISTED", module_names(module))
    if replacement is None:
        replacement = cst.Name(name)
    else:
        replacement = replacement.with_changes(func=cst.Attribute(cst.Name(name), cst.Name(function)))
    code = cst.Module([]).code_for_node(hoisted)
    new_stmt = _statement(f"{name} = {code}")

    class Replace(cst.CSTTransformer):
        def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
            return replacement if original is call else updated

    module = module.visit(Replace())
    # Group with constants just above; otherwise keep the spacing of what follows.
    following = module.body[index] if index < len(module.body) else None
    previous = module.body[index - 1] if index > 0 else None
    blank = sum(1 for line in getattr(following, "leading_lines", ()) if line.comment is None)
    after_constant = isinstance(previous, cst.SimpleStatementLine) and not any(
        isinstance(s, (cst.Import, cst.ImportFrom)) for s in previous.body
    )
    spacing = 0 if after_constant else max(1, min(blank, 2))
    return insert_at(module, index, new_stmt.with_changes(leading_lines=[cst.EmptyLine()] * spacing), blank_after=1)


def _split_re_call(call: cst.Call, function: str) -> tuple[cst.Call, cst.Call]:
    """`re.sub(P, r, s, flags=F)` → (`re.compile(P, F)`, `<X>.sub(r, s)`)."""
    params = _RE_FUNCTIONS[function]
    positional = [a for a in call.args if a.keyword is None and not a.star]
    if any(a.star for a in call.args) or not positional:
        raise FixError("the pattern is not a plain first argument")
    pattern, rest = positional[0], positional[1:]
    flags = None
    if len(rest) >= len(params):
        flags, rest = rest[len(params) - 1], rest[: len(params) - 1]
    keywords = [a for a in call.args if a.keyword is not None]
    for arg in keywords:
        if arg.keyword.value == "flags":  # type: ignore[union-attr]
            flags = arg
        elif arg.keyword.value == "pattern":  # type: ignore[union-attr]
            raise FixError("the pattern is a keyword argument")
    keywords = [a for a in keywords if a.keyword.value != "flags"]  # type: ignore[union-attr]
    compile_args = [pattern.with_changes(comma=cst.MaybeSentinel.DEFAULT)]
    if flags is not None:
        compile_args[0] = compile_args[0].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        compile_args.append(flags.with_changes(keyword=None, equal=cst.MaybeSentinel.DEFAULT, comma=cst.MaybeSentinel.DEFAULT))
    func = call.func
    if isinstance(func, cst.Attribute):
        compile_func: cst.BaseExpression = func.with_changes(attr=cst.Name("compile"))
    else:
        raise FixError("re function imported by name; hoist by hand")
    hoisted = cst.Call(func=compile_func, args=compile_args)
    args = [*rest, *keywords]
    if args:
        args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return hoisted, call.with_changes(args=args)


def _hoist_class(module: cst.Module, plan: HoistClass) -> cst.Module:
    """Move a class defined in a function, unchanged, to module level."""
    module, name, parents = _locate(module, plan.name, (cst.Name,))
    cls = parents[-1] if parents else None
    if not isinstance(cls, cst.ClassDef) or cls.name is not name:
        raise FixError("the class is not there any more")
    if not any(isinstance(p, cst.FunctionDef) for p in parents):
        raise FixError("already at module level")
    if cls.name.value in top_level_bindings(module):
        raise FixError(f"{cls.name.value} is already defined at module level")
    free = free_names(cls) - set(bound_in_class(cls)) - {cls.name.value}
    index = module_level_index(module, parents[:-1], free)
    module = _remove_statement(module, cls)
    # LibCST keeps indentation relative to the enclosing block: the class moves as is.
    comments = [line for line in cls.leading_lines if line.comment is not None]
    moved = cls.with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine(), *comments])
    return insert_at(module, index, moved, blank_after=2)


def _insert(module: cst.Module, plan: Insert) -> cst.Module:
    if plan.before_line is None:
        body = list(module.body)
        new = _new_statements(module, body, len(body), plan.statements)
        return module.with_changes(body=[*body, *new])
    line = plan.before_line
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    module = wrapper.module
    target: list[tuple[cst.CSTNode, cst.BaseStatement]] = []

    class Find(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            if isinstance(node, (cst.Module, cst.IndentedBlock)):
                for stmt in node.body:
                    span = positions[stmt]
                    if span.start.line <= line <= span.end.line:
                        target.append((node, stmt))
            return True

    module.visit(Find())
    if not target:
        raise FixError(f"no statement at line {line} any more")
    block, stmt = target[-1]  # the innermost block holding the line

    class AddBefore(cst.CSTTransformer):
        def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
            if original is block:
                body = list(updated.body)  # type: ignore[attr-defined]
                index = next(i for i, s in enumerate(block.body) if s is stmt)  # type: ignore[attr-defined]
                new = _new_statements(module, body, index, plan.statements)
                if not new:
                    raise FixError("already applied")
                return updated.with_changes(body=[*body[:index], *new, *body[index:]])
            return updated

    return module.visit(AddBefore())


def _new_statements(module: cst.Module, body: list, index: int, statements: Sequence[str]) -> list[cst.BaseStatement]:
    """The statements not already there: imports anywhere in the module, others just above."""
    existing_module = {cst.Module([]).code_for_node(s).strip() for s in _all_simple_statements(module)}
    above = {cst.Module([]).code_for_node(s).strip() for s in body[:index]}
    new = []
    for code in statements:
        is_import = code.startswith(("import ", "from "))
        if (is_import and code in existing_module) or code in above:
            continue
        new.append(_statement(code))
    return new


def _all_simple_statements(module: cst.Module) -> list[cst.SimpleStatementLine]:
    found: list[cst.SimpleStatementLine] = []

    class Collect(cst.CSTVisitor):
        def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
            found.append(node)

    module.visit(Collect())
    return found


def _append_body(module: cst.Module, plan: AppendBody) -> cst.Module:
    module, fn, _ = _locate(module, plan.function, (cst.Name,))
    owner: list[cst.FunctionDef] = []

    class Find(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
            if node.name is fn:
                owner.append(node)

    module.visit(Find())
    if not owner or not isinstance(owner[0].body, cst.IndentedBlock):
        raise FixError("the hook function is not there any more")
    target = owner[0]

    class Append(cst.CSTTransformer):
        def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
            if original is not target:
                return updated
            body = list(updated.body.body)  # type: ignore[union-attr]
            index = len(body) - 1 if body and _is_return(body[-1]) else len(body)
            new = _new_statements(module, body, index, plan.statements)
            if not new:
                raise FixError("already applied")
            return updated.with_changes(body=updated.body.with_changes(body=[*body[:index], *new, *body[index:]]))

    return module.visit(Append())


def _is_return(stmt: cst.BaseStatement) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and any(isinstance(s, cst.Return) for s in stmt.body)


def _add_handler(module: cst.Module, plan: AddHandler) -> cst.Module:
    taken = module_names(module)
    name = fresh_name("forklint_warm_up", taken).lower()
    imports = [s for s in plan.statements if s.startswith(("import ", "from "))]
    calls = [s for s in plan.statements if s not in imports]
    body = "\n".join(f"    {c}" for c in calls) or "    pass"
    handler = cst.parse_statement(
        f"@worker_init.connect\ndef {name}(**kwargs):\n"
        f"    # Runs once in the worker's parent, before the pool forks: children inherit it.\n{body}\n"
    ).with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine()])
    statements = list(module.body)
    index = import_block_end(module)
    wanted = [*imports, "from celery.signals import worker_init"]
    new_imports = _new_statements(module, statements, index, wanted)
    return module.with_changes(body=[*statements[:index], *new_imports, *statements[index:], handler])


def _move_import(module: cst.Module, plan: MoveImport) -> cst.Module:
    module, node, parents = _locate(module, plan.statement, (cst.SimpleStatementLine,))
    assert isinstance(node, cst.SimpleStatementLine)
    if not all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in node.body):
        raise FixError("the import shares its line with other statements")
    if not any(isinstance(p, cst.FunctionDef) for p in parents):
        raise FixError("already at module level")
    code = cst.Module([]).code_for_node(node.with_changes(leading_lines=[])).strip()
    bindings = top_level_bindings(module)
    for name in bound_names(node):
        if name in bindings and code not in {cst.Module([]).code_for_node(s).strip() for s in module.body}:
            raise FixError(f"{name} is already bound at module level")
    module = _remove_statement(module, node)
    body = list(module.body)
    index = import_block_end(module)
    new = _new_statements(module, body, index, [code])
    return module.with_changes(body=[*body[:index], *new, *body[index:]])


def _statement_holding(module: cst.Module, at: Position) -> tuple[cst.Module, cst.SimpleStatementLine, list[cst.CSTNode]]:
    module, call, parents = _locate(module, at, (cst.Call,))
    statement = next((p for p in reversed(parents) if isinstance(p, cst.SimpleStatementLine)), None)
    if statement is None or len(statement.body) != 1 or not isinstance(statement.body[0], cst.Expr) or statement.body[0].value is not call:
        raise FixError("the call is not a statement of its own")
    return module, statement, parents


def _remove_statement(module: cst.Module, statement: cst.CSTNode) -> cst.Module:
    class Remove(cst.CSTTransformer):
        def leave_IndentedBlock(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
            if not any(s is statement for s in original.body):
                return updated
            first = original.body[0] is statement
            body = [s for s, o in zip(updated.body, original.body) if o is not statement]
            if first and body:  # no blank line at the top of the block
                kept = [line for line in body[0].leading_lines if line.comment is not None]
                body[0] = body[0].with_changes(leading_lines=kept)
            return updated.with_changes(body=body or [cst.SimpleStatementLine([cst.Pass()])])

    return module.visit(Remove())


def _move_to_hook(module: cst.Module, plan: MoveToHook) -> cst.Module:
    """Take the call statement out of a child hook; run it in the parent's hook (or a new one)."""
    module, statement, _ = _statement_holding(module, plan.call)
    code = cst.Module([]).code_for_node(statement.with_changes(leading_lines=[])).strip()
    module = _remove_statement(module, statement)
    common = {"path": plan.path, "applicability": plan.applicability, "description": plan.description}
    if plan.hook is None:
        return _add_handler(module, AddHandler(**common, statements=(code,)))
    return _append_body(module, AppendBody(**common, function=plan.hook, statements=(code,)))


_APPLIERS: dict[type, Callable[[cst.Module, FixPlan], cst.Module]] = {
    Hoist: _hoist,  # type: ignore[dict-item]
    HoistClass: _hoist_class,  # type: ignore[dict-item]
    Insert: _insert,  # type: ignore[dict-item]
    AppendBody: _append_body,  # type: ignore[dict-item]
    AddHandler: _add_handler,  # type: ignore[dict-item]
    MoveImport: _move_import,  # type: ignore[dict-item]
    MoveToHook: _move_to_hook,  # type: ignore[dict-item]
}
