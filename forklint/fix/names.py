"""Which names a module binds and a piece of code reads: what decides whether code can move.

A hoisted call or class may only use names bound at module level (or builtins), and a
new module-level name must clash with no name spelled anywhere in the module.
"""

from __future__ import annotations

import builtins
from typing import Sequence

import libcst as cst

BUILTINS = frozenset(dir(builtins))


def module_names(module: cst.Module) -> set[str]:
    """Every name spelled anywhere in the module (a new name must clash with none)."""
    names: set[str] = set()

    class Collect(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            names.add(node.value)

    module.visit(Collect())
    return names


def top_level_bindings(module: cst.Module) -> dict[str, int]:
    """Name → index of the last module-level statement that binds it."""
    bound: dict[str, int] = {}
    for index, stmt in enumerate(module.body):
        for name in bound_names(stmt):
            bound[name] = index
    return bound


def bound_names(stmt: cst.CSTNode) -> list[str]:
    """The names a statement binds in its scope (looking into `if` and `try` blocks)."""
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
                names.extend(bound_names(node))

            def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
                names.append(node.name.value)
                return False

        stmt.visit(Collect())
    return names


def free_names(node: cst.CSTNode) -> set[str]:
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


def enclosing_local_names(parents: Sequence[cst.CSTNode]) -> set[str]:
    """Parameters and names bound inside the functions among `parents` (not visible at module level)."""
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
                    names.update(free_names(n.target))

                def visit_FunctionDef(self, n: cst.FunctionDef) -> bool:
                    names.add(n.name.value)
                    return n is node

                def visit_ImportAlias(self, n: cst.ImportAlias) -> None:
                    names.add(n.asname.name.value if n.asname else cst.Module([]).code_for_node(n.name).split(".")[0])  # type: ignore[union-attr]

                def visit_For(self, n: cst.For) -> None:
                    names.update(free_names(n.target))

                def visit_AsName(self, n: cst.AsName) -> None:
                    names.update(free_names(n.name))

            node.visit(Assigned())
    return names


def fresh_name(hint: str, taken: set[str]) -> str:
    """`hint` as an UPPER_CASE identifier that is not in `taken` (`_2`, `_3`, ... appended)."""
    base = "".join(c if c.isalnum() else "_" for c in hint.upper()).strip("_") or "HOISTED"
    if base[0].isdigit():
        base = "_" + base
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    return name


def bound_in_class(cls: cst.ClassDef) -> list[str]:
    """The names a class body binds (its methods and attributes)."""
    names: list[str] = []
    for stmt in cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ():
        names.extend(bound_names(stmt))
    return names
