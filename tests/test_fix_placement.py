"""Where a hoist puts code at module level: the one placement every hoist shares."""

from __future__ import annotations

import libcst as cst
import pytest

from forklint.fix import FixError
from forklint.fix.placement import import_block_end, module_level_index


def parents_of(module: cst.Module, function: str) -> list[cst.CSTNode]:
    """The enclosing nodes of code in `function`'s body, outermost first (as the locator gives them)."""
    fn = next(s for s in module.body if isinstance(s, cst.FunctionDef) and s.name.value == function)
    return [module, fn]


def test_above_the_statement_that_holds_the_use() -> None:
    module = cst.parse_module("import re\n\nX = 1\n\ndef f():\n    return re.compile('a')\n")
    assert module_level_index(module, parents_of(module, "f"), {"re"}) == 2


def test_after_a_name_it_reads_that_is_bound_later() -> None:
    source = "import re\n\ndef f():\n    return re.compile(FLAGS)\n\nFLAGS = re.I\n"
    module = cst.parse_module(source)
    assert module_level_index(module, parents_of(module, "f"), {"re", "FLAGS"}) == 3


def test_never_inside_the_leading_imports() -> None:
    module = cst.parse_module('"""Doc."""\nimport re\ntry:\n    import regex\nexcept ImportError:\n    regex = None\ndef f():\n    return re.compile("a")\n')
    assert import_block_end(module) == 3
    assert module_level_index(module, parents_of(module, "f"), {"re"}) == 3


def test_a_local_or_unbound_name_refuses_the_move() -> None:
    module = cst.parse_module("import re\n\ndef f(pattern):\n    return re.compile(pattern + SUFFIX)\n")
    with pytest.raises(FixError, match="SUFFIX, pattern"):
        module_level_index(module, parents_of(module, "f"), {"re", "pattern", "SUFFIX"})


def test_builtins_need_no_binding() -> None:
    module = cst.parse_module("import re\n\ndef f():\n    return re.compile(str(1))\n")
    assert module_level_index(module, parents_of(module, "f"), {"re", "str"}) == 1


def test_insert_at_separates_what_follows_right_below() -> None:
    from forklint.fix.placement import insert_at

    module = cst.parse_module("import re\ndef f():\n    pass\n")
    constant = cst.parse_statement("X = 1\n")
    assert insert_at(module, 1, constant, blank_after=2).code == "import re\nX = 1\n\n\ndef f():\n    pass\n"
    # What already has a blank line above keeps its own spacing.
    module = cst.parse_module("import re\n\ndef f():\n    pass\n")
    assert insert_at(module, 1, constant, blank_after=2).code == "import re\nX = 1\n\ndef f():\n    pass\n"
