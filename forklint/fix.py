"""Apply fix plans as LibCST edits: the only stage that writes files.

Every fixed source must re-parse with LibCST and `compile()`, or the fix is dropped
and reported. Fixes are applied one per file per pass, then the project is linted
again, until nothing applicable is left (bounded): later fixes see earlier ones.
Writes are atomic and refuse to overwrite a file that changed during the run.
"""

from __future__ import annotations

import builtins
import difflib
import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Sequence

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from .diagnostics import Diagnostic, Edit, Fix, FixPlan

# One fix per file per pass: a file with N fixes needs N passes (each a re-lint,
# mostly from cached facts).
MAX_PASSES = 200
_BUILTINS = frozenset(dir(builtins))

# re.<function>(pattern, ...): the positional parameters after the pattern.
_RE_FUNCTIONS = {
    "match": ("string", "flags"), "search": ("string", "flags"), "fullmatch": ("string", "flags"),
    "findall": ("string", "flags"), "finditer": ("string", "flags"),
    "sub": ("repl", "string", "count", "flags"), "subn": ("repl", "string", "count", "flags"),
    "split": ("string", "maxsplit", "flags"),
}


class FixError(Exception):
    """A plan that cannot be applied to this source (it is dropped, not half-applied)."""


# --- one plan → new source ------------------------------------------------------------


def apply_plan(source: bytes, plan: FixPlan, path: str = "<fix>") -> bytes:
    """The source with `plan` applied; raises FixError when it cannot be done safely."""
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        raise FixError(f"cannot parse {path}: {error.message}") from error
    appliers: dict[str, Callable[[cst.Module, FixPlan], cst.Module]] = {
        "hoist": _hoist,
        "insert": _insert,
        "append-body": _append_body,
        "add-handler": _add_handler,
        "move-import": _move_import,
        "move-to-hook": _move_to_hook,
        "hoist-class": _hoist_class,
    }
    if plan.kind not in appliers:
        raise FixError(f"{plan.kind} fixes are not applied automatically")
    fixed = appliers[plan.kind](module, plan)
    result = fixed.bytes
    _check_compiles(result, path)
    return result


def _check_compiles(source: bytes, path: str) -> None:
    try:
        cst.parse_module(source)
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


def _locate(module: cst.Module, line: int, col: int, kinds: tuple[type[cst.CSTNode], ...], end: tuple[int, int] | None = None):
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    locator = _Locator(line, col, kinds, end)
    wrapper.visit(locator)
    if not locator.found:
        raise FixError(f"nothing to fix at {line}:{col} any more")
    node = locator.found[0]
    return wrapper.module, node, locator.parents[id(node)]


def _module_names(module: cst.Module) -> set[str]:
    """Every name spelled anywhere in the module (a new name must clash with none)."""
    names: set[str] = set()

    class Collect(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            names.add(node.value)

    module.visit(Collect())
    return names


def _top_level_bindings(module: cst.Module) -> dict[str, int]:
    """Name → index of the last module-level statement that binds it."""
    bound: dict[str, int] = {}
    for index, stmt in enumerate(module.body):
        for name in _bound_names(stmt):
            bound[name] = index
    return bound


def _bound_names(stmt: cst.CSTNode) -> list[str]:
    names: list[str] = []
    if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
        return [stmt.name.value]
    if isinstance(stmt, cst.SimpleStatementLine):
        for small in stmt.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    names.append(alias.asname.name.value if alias.asname else cst.Module([]).code_for_node(alias.name).split(".")[0])  # type: ignore[union-attr]
            elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                for alias in small.names:
                    names.append(alias.asname.name.value if alias.asname else cst.Module([]).code_for_node(alias.name))  # type: ignore[union-attr]
            elif isinstance(small, cst.Assign):
                for target in small.targets:
                    if isinstance(target.target, cst.Name):
                        names.append(target.target.value)
            elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                names.append(small.target.value)
    if isinstance(stmt, (cst.If, cst.Try)):
        class Collect(cst.CSTVisitor):
            def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
                names.extend(_bound_names(node))

            def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
                names.append(node.name.value)
                return False

        stmt.visit(Collect())
    return names


def _free_names(node: cst.CSTNode) -> set[str]:
    """Names an expression reads (not attribute names or keyword-argument names)."""
    names: set[str] = set()

    class Collect(cst.CSTVisitor):
        def visit_Name(self, n: cst.Name) -> None:
            names.add(n.value)

        def visit_Attribute(self, n: cst.Attribute) -> bool:
            n.value.visit(self)
            return False

        def visit_Arg(self, n: cst.Arg) -> bool:
            n.value.visit(self)
            return False

    node.visit(Collect())
    return names


def _import_block_end(module: cst.Module) -> int:
    """Index just after the docstring, `__future__` imports and the leading imports."""
    index = 0
    for i, stmt in enumerate(module.body):
        if isinstance(stmt, cst.SimpleStatementLine) and all(
            isinstance(s, (cst.Import, cst.ImportFrom)) or (i == 0 and isinstance(s, cst.Expr) and isinstance(s.value, (cst.SimpleString, cst.ConcatenatedString)))
            for s in stmt.body
        ):
            index = i + 1
        elif isinstance(stmt, cst.Try) and index == i and _only_imports(stmt):
            index = i + 1
        else:
            break
    return index


def _only_imports(stmt: cst.Try) -> bool:
    return all(
        isinstance(s, cst.SimpleStatementLine) and all(isinstance(x, (cst.Import, cst.ImportFrom)) for x in s.body)
        for s in stmt.body.body
    )


def _statement(code: str, blank_before: bool = False) -> cst.BaseStatement:
    stmt = cst.parse_statement(code)
    if blank_before:
        stmt = stmt.with_changes(leading_lines=[cst.EmptyLine()])
    return stmt


# --- hoist ------------------------------------------------------------------------------


def _hoist(module: cst.Module, plan: FixPlan) -> cst.Module:
    end = (plan.end_line, plan.end_col) if plan.end_line else None
    module, call, parents = _locate(module, plan.line, plan.col, (cst.Call,), end)
    assert isinstance(call, cst.Call)
    if not any(isinstance(p, (cst.FunctionDef, cst.ClassDef)) for p in parents):
        raise FixError("already at module level")
    function = plan.api.rpartition(".")[2]
    if plan.api.startswith(("re.", "regex.")) and function in _RE_FUNCTIONS:
        hoisted, replacement = _split_re_call(call, function)
    else:
        hoisted, replacement = call, None
    bindings = _top_level_bindings(module)
    local_names = _enclosing_local_names(parents)
    free = _free_names(hoisted)
    missing = sorted(n for n in free if (n in local_names or n not in bindings) and n not in _BUILTINS)
    if missing:
        raise FixError(f"it uses {', '.join(missing)}, which is not defined at module level")
    name = _fresh_name(plan.name_hint or "HOISTED", _module_names(module))
    # Right above the top-level statement that holds the use, unless something it
    # needs is bound later; never inside the leading imports.
    holder = next(i for i, s in enumerate(module.body) if any(p is s for p in parents))
    after = max([_import_block_end(module) - 1] + [bindings[n] for n in free if n in bindings])
    index = max(holder, after + 1)
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
    body = list(module.body)
    # Group with constants just above; otherwise keep the spacing of what follows.
    following = body[index] if index < len(body) else None
    previous = body[index - 1] if index > 0 else None
    blank = sum(1 for line in getattr(following, "leading_lines", ()) if line.comment is None)
    after_constant = isinstance(previous, cst.SimpleStatementLine) and not any(
        isinstance(s, (cst.Import, cst.ImportFrom)) for s in previous.body
    )
    spacing = 0 if after_constant else max(1, min(blank, 2))
    new_stmt = new_stmt.with_changes(leading_lines=[cst.EmptyLine()] * spacing)
    if following is not None and blank == 0:
        body[index] = following.with_changes(leading_lines=[cst.EmptyLine(), *following.leading_lines])
    body.insert(index, new_stmt)
    return module.with_changes(body=body)


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


def _enclosing_local_names(parents: Sequence[cst.CSTNode]) -> set[str]:
    names: set[str] = set()
    for node in parents:
        if isinstance(node, cst.FunctionDef):
            params = node.params
            for p in (*params.posonly_params, *params.params, *params.kwonly_params):
                names.add(p.name.value)
            for p in (params.star_arg, params.star_kwarg):
                if isinstance(p, cst.Param):
                    names.add(p.name.value)

            class Assigned(cst.CSTVisitor):
                def visit_AssignTarget(self, n: cst.AssignTarget) -> None:
                    names.update(_free_names(n.target))

                def visit_FunctionDef(self, n: cst.FunctionDef) -> bool:
                    names.add(n.name.value)
                    return n is node

                def visit_ImportAlias(self, n: cst.ImportAlias) -> None:
                    names.add(n.asname.name.value if n.asname else cst.Module([]).code_for_node(n.name).split(".")[0])  # type: ignore[union-attr]

                def visit_For(self, n: cst.For) -> None:
                    names.update(_free_names(n.target))

                def visit_AsName(self, n: cst.AsName) -> None:
                    names.update(_free_names(n.name))

            node.visit(Assigned())
    return names


def _fresh_name(hint: str, taken: set[str]) -> str:
    base = "".join(c if c.isalnum() else "_" for c in hint.upper()).strip("_") or "HOISTED"
    if base[0].isdigit():
        base = "_" + base
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    return name


# --- insert / append ---------------------------------------------------------------------


def _insert(module: cst.Module, plan: FixPlan) -> cst.Module:
    if plan.line == 0:
        body = list(module.body)
        new = _new_statements(module, body, len(body), plan.statements)
        return module.with_changes(body=[*body, *new])
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    module = wrapper.module
    target: list[tuple[cst.CSTNode, cst.BaseStatement]] = []

    class Find(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            if isinstance(node, (cst.Module, cst.IndentedBlock)):
                for stmt in node.body:
                    span = positions[stmt]
                    if span.start.line <= plan.line <= span.end.line:
                        target.append((node, stmt))
            return True

    module.visit(Find())
    if not target:
        raise FixError(f"no statement at line {plan.line} any more")
    block, stmt = target[-1]  # the innermost block holding the line

    class Insert(cst.CSTTransformer):
        def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
            if original is block:
                body = list(updated.body)  # type: ignore[attr-defined]
                index = next(i for i, s in enumerate(block.body) if s is stmt)  # type: ignore[attr-defined]
                new = _new_statements(module, body, index, plan.statements)
                if not new:
                    raise FixError("already applied")
                return updated.with_changes(body=[*body[:index], *new, *body[index:]])
            return updated

    return module.visit(Insert())


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


def _append_body(module: cst.Module, plan: FixPlan) -> cst.Module:
    module, fn, _ = _locate(module, plan.line, plan.col, (cst.Name,))
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


def _add_handler(module: cst.Module, plan: FixPlan) -> cst.Module:
    taken = _module_names(module)
    name = _fresh_name("forklint_warm_up", taken).lower()
    imports = [s for s in plan.statements if s.startswith(("import ", "from "))]
    calls = [s for s in plan.statements if s not in imports]
    body = "\n".join(f"    {c}" for c in calls) or "    pass"
    handler = cst.parse_statement(
        f"@worker_init.connect\ndef {name}(**kwargs):\n"
        f"    # Runs once in the worker's parent, before the pool forks: children inherit it.\n{body}\n"
    ).with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine()])
    statements = list(module.body)
    index = _import_block_end(module)
    wanted = [*imports, "from celery.signals import worker_init"]
    new_imports = _new_statements(module, statements, index, wanted)
    return module.with_changes(body=[*statements[:index], *new_imports, *statements[index:], handler])


# --- move an import to the top --------------------------------------------------------------


def _move_import(module: cst.Module, plan: FixPlan) -> cst.Module:
    module, node, parents = _locate(module, plan.line, plan.col, (cst.SimpleStatementLine,))
    assert isinstance(node, cst.SimpleStatementLine)
    if not all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in node.body):
        raise FixError("the import shares its line with other statements")
    if not any(isinstance(p, cst.FunctionDef) for p in parents):
        raise FixError("already at module level")
    code = cst.Module([]).code_for_node(node.with_changes(leading_lines=[])).strip()
    bindings = _top_level_bindings(module)
    for name in _bound_names(node):
        if name in bindings and code not in {cst.Module([]).code_for_node(s).strip() for s in module.body}:
            raise FixError(f"{name} is already bound at module level")
    module = _remove_statement(module, node)
    body = list(module.body)
    index = _import_block_end(module)
    new = _new_statements(module, body, index, [code])
    return module.with_changes(body=[*body[:index], *new, *body[index:]])


# --- edits, for JSON and SARIF ---------------------------------------------------------------


def edits_between(before: bytes, after: bytes) -> tuple[Edit, ...]:
    """Line-based replacements that turn `before` into `after`."""
    old = before.decode("utf-8", errors="replace").splitlines(keepends=True)
    new = after.decode("utf-8", errors="replace").splitlines(keepends=True)
    edits = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            edits.append(Edit(i1 + 1, 1, i2 + 1, 1, "".join(new[j1:j2])))
    return tuple(edits)


def unified_diff(path: str, before: bytes, after: bytes) -> str:
    old = before.decode("utf-8", errors="replace").splitlines(keepends=True)
    new = after.decode("utf-8", errors="replace").splitlines(keepends=True)
    return "".join(difflib.unified_diff(old, new, fromfile=f"a/{path}", tofile=f"b/{path}"))


def attach_fixes(diagnostics: list[Diagnostic], read: Callable[[str], bytes | None], with_edits: bool) -> list[Diagnostic]:
    """Give each diagnostic with a plan its `Fix`.

    Edits (for JSON and SARIF) are computed by applying the plan to the current source,
    which costs a parse per finding: only when asked. A plan that turns out not to
    apply then becomes display-only.
    """
    out = []
    for d in diagnostics:
        if d.plan is None:
            out.append(d)
            continue
        plan = d.plan
        edits: tuple[Edit, ...] = ()
        applicability = plan.applicability
        if with_edits and applicability != "display-only":
            source = read(plan.path)
            try:
                if source is None:
                    raise FixError("file unreadable")
                edits = edits_between(source, apply_plan(source, plan, plan.path))
            except FixError:
                applicability = "display-only"
        out.append(replace(d, fix=Fix(applicability, plan.description, plan.path, edits)))
    return out


# --- the loop ------------------------------------------------------------------------------------


@dataclass
class FixOutcome:
    originals: dict[Path, bytes] = field(default_factory=dict)  # as read at the start
    fixed: dict[Path, bytes] = field(default_factory=dict)  # current content of changed files
    applied: list[Diagnostic] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    converged: bool = True

    @property
    def changed(self) -> dict[Path, tuple[bytes, bytes]]:
        return {p: (self.originals[p], b) for p, b in self.fixed.items() if b != self.originals[p]}


def fix_loop(lint: Callable[[dict[Path, bytes]], list[Diagnostic]], unsafe: bool, root: Path | None = None) -> FixOutcome:
    """Lint, apply one applicable fix per file, lint again... until nothing applies."""
    outcome = FixOutcome()
    wanted = {"safe", "unsafe"} if unsafe else {"safe"}
    refused: set[tuple[str, int, int, str]] = set()
    for _ in range(MAX_PASSES):
        diagnostics = lint(outcome.fixed)
        by_path: dict[str, Diagnostic] = {}
        for d in diagnostics:
            key = (d.path, d.line, d.col, d.code)
            if d.plan is None or d.plan.applicability not in wanted or key in refused:
                continue
            by_path.setdefault(d.plan.path, d)
        if not by_path:
            return outcome
        for shown, d in sorted(by_path.items()):
            path = Path(shown).resolve()
            if path not in outcome.originals:
                try:
                    outcome.originals[path] = path.read_bytes()
                except OSError as error:
                    outcome.failures.append(f"{shown}: cannot read: {error}")
                    refused.add((d.path, d.line, d.col, d.code))
                    continue
            current = outcome.fixed.get(path, outcome.originals[path])
            try:
                outcome.fixed[path] = apply_plan(current, d.plan, shown)  # type: ignore[arg-type]
                outcome.applied.append(d)
            except FixError as error:
                outcome.failures.append(f"{d.path}:{d.line}:{d.col}: {d.code}: {error}")
                refused.add((d.path, d.line, d.col, d.code))
    outcome.converged = False
    return outcome


def write_atomically(path: Path, original: bytes, content: bytes) -> None:
    """Replace `path` with `content` unless it changed since it was read as `original`."""
    if path.read_bytes() != original:
        raise FixError(f"{path} changed on disk during the run; not overwritten")
    mode = path.stat().st_mode & 0o7777
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".forklint")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


# --- move a call from a child hook to the parent's hook ----------------------------------


def _statement_holding(module: cst.Module, line: int, col: int) -> tuple[cst.Module, cst.SimpleStatementLine, list[cst.CSTNode]]:
    module, call, parents = _locate(module, line, col, (cst.Call,))
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


def _move_to_hook(module: cst.Module, plan: FixPlan) -> cst.Module:
    """Take the call statement at (line, col) out of a child hook; run it in the parent's.

    `statements[0]` is `line:col` of the parent hook's name, or empty for a new
    `@worker_init.connect` handler in this module.
    """
    module, statement, _ = _statement_holding(module, plan.line, plan.col)
    code = cst.Module([]).code_for_node(statement.with_changes(leading_lines=[])).strip()
    target = plan.statements[0] if plan.statements else ""
    module = _remove_statement(module, statement)
    if not target:
        return _add_handler(module, FixPlan("add-handler", plan.path, plan.applicability, plan.description, statements=(code,)))
    line, col = (int(x) for x in target.split(":"))
    return _append_body(module, FixPlan("append-body", plan.path, plan.applicability, plan.description, line=line, col=col, statements=(code,)))


# --- hoist a class defined in a function -------------------------------------------------


def _hoist_class(module: cst.Module, plan: FixPlan) -> cst.Module:
    module, name, parents = _locate(module, plan.line, plan.col, (cst.Name,))
    cls = parents[-1] if parents else None
    if not isinstance(cls, cst.ClassDef) or cls.name is not name:
        raise FixError("the class is not there any more")
    if not any(isinstance(p, cst.FunctionDef) for p in parents):
        raise FixError("already at module level")
    bindings = _top_level_bindings(module)
    if cls.name.value in bindings:
        raise FixError(f"{cls.name.value} is already defined at module level")
    defined_inside = set(_bound_in_class(cls))
    local_names = _enclosing_local_names(parents[:-1])
    free = _free_names(cls) - defined_inside - {cls.name.value}
    missing = sorted(n for n in free if (n in local_names or n not in bindings) and n not in _BUILTINS)
    if missing:
        raise FixError(f"it uses {', '.join(missing)}, which is not defined at module level")
    holder = next(i for i, s in enumerate(module.body) if any(p is s for p in parents))
    after = max([_import_block_end(module) - 1] + [bindings[n] for n in free if n in bindings])
    index = max(holder, after + 1)
    module = _remove_statement(module, cls)
    # LibCST keeps indentation relative to the enclosing block: the class moves as is.
    comments = [line for line in cls.leading_lines if line.comment is not None]
    moved = cls.with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine(), *comments])
    body = list(module.body)
    following = body[index] if index < len(body) else None
    if following is not None and not any(line.comment is None for line in following.leading_lines):
        body[index] = following.with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine(), *following.leading_lines])
    body.insert(index, moved)
    return module.with_changes(body=body)


def _bound_in_class(cls: cst.ClassDef) -> list[str]:
    names: list[str] = []
    for stmt in cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ():
        names.extend(_bound_names(stmt))
    return names
