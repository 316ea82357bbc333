"""Where a statement moved to module level goes: the one placement every hoist shares.

A hoisted constant or class goes right above the top-level statement that holds its
use, unless a name it reads is bound later (then just after that binding), and never
inside the leading imports. It may read only module-level names and builtins.
"""

from __future__ import annotations

from typing import Sequence

import libcst as cst

from .names import BUILTINS, enclosing_local_names, top_level_bindings
from .plan import FixError


def module_level_index(module: cst.Module, parents: Sequence[cst.CSTNode], free: set[str]) -> int:
    """The index in `module.body` to insert code that reads `free`, moved out of `parents`.

    `parents` are the nodes enclosing the moved code, outermost first (the module, then
    one of its statements, ...). Raises FixError when the code reads a name that is
    local to the enclosing functions or bound nowhere at module level.
    """
    bindings = top_level_bindings(module)
    local_names = enclosing_local_names(parents)
    missing = sorted(n for n in free if (n in local_names or n not in bindings) and n not in BUILTINS)
    if missing:
        raise FixError(f"it uses {', '.join(missing)}, which is not defined at module level")
    holder = next(i for i, s in enumerate(module.body) if any(p is s for p in parents))
    after = max([import_block_end(module) - 1] + [bindings[n] for n in free if n in bindings])
    return max(holder, after + 1)


def insert_at(module: cst.Module, index: int, statement: cst.BaseStatement, blank_after: int) -> cst.Module:
    """`module` with `statement` (its leading lines as given) at `index` of its body.

    The statement that follows, if it sits right below with no blank line, is pushed
    down by `blank_after` blank lines (PEP 8: one after a constant, two after a class).
    """
    body = list(module.body)
    following = body[index] if index < len(body) else None
    if following is not None and not any(line.comment is None for line in following.leading_lines):
        body[index] = following.with_changes(leading_lines=[*[cst.EmptyLine()] * blank_after, *following.leading_lines])
    body.insert(index, statement)
    return module.with_changes(body=body)


def import_block_end(module: cst.Module) -> int:
    """Index just after the docstring, `__future__` imports and the leading imports."""
    index = 0
    for i, stmt in enumerate(module.body):
        if isinstance(stmt, cst.SimpleStatementLine) and all(
            isinstance(s, (cst.Import, cst.ImportFrom)) or (i == 0 and isinstance(s, cst.Expr) and isinstance(s.value, (cst.SimpleString, cst.ConcatenatedString)))
            for s in stmt.body
        ):
            index = i + 1
        elif isinstance(stmt, cst.Try) and index == i and only_imports(stmt):
            index = i + 1
        else:
            break
    return index


def only_imports(stmt: cst.Try) -> bool:
    """Whether a `try` block holds only imports (an optional-dependency import, part of the imports)."""
    return all(
        isinstance(s, cst.SimpleStatementLine) and all(isinstance(x, (cst.Import, cst.ImportFrom)) for x in s.body)
        for s in stmt.body.body
    )
