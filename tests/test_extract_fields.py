"""The lean walk's table of child fields matches the LibCST installed.

`forklint/cst_fields.py` lists, per node type, the fields the walk descends into, in
the order LibCST's own visitors visit them (which is source order). It is written out
rather than derived at import time to keep startup cheap; this test derives it again
from LibCST's `_visit_and_replace_children`, so an upgrade that adds or reorders a
field fails here instead of silently changing facts.
"""

from __future__ import annotations

import inspect
import re

import libcst as cst
from libcst._nodes.base import CSTNode

from forklint.cst_fields import CHILD_FIELDS, is_walked


def derive_child_fields() -> dict[str, tuple[str, ...]]:
    """Per LibCST node class name, its visited fields in visit order, the walked ones."""
    table: dict[str, tuple[str, ...]] = {}
    for name in sorted(dir(cst)):
        cls = getattr(cst, name)
        if not (isinstance(cls, type) and issubclass(cls, CSTNode)) or "_visit_and_replace_children" not in cls.__dict__:
            continue
        fields: list[str] = []
        for found in re.findall(r'self,\s*"(\w+)"', inspect.getsource(cls._visit_and_replace_children)):
            if found not in fields and is_walked(found):
                fields.append(found)
        if fields:
            table[name] = tuple(fields)
    return table


def test_the_table_matches_libcst() -> None:
    assert CHILD_FIELDS == derive_child_fields()


def test_the_table_can_fail() -> None:
    # The derivation reads real fields: a node type with children has them listed.
    derived = derive_child_fields()
    assert derived["Call"] == ("func", "args")
    assert derived["IfExp"] == ("body", "test", "orelse")  # not dataclass field order
