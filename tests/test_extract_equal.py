"""The lean extractor gives the same facts as the previous one (`CSTVisitor` +
`PositionProvider`, kept as `benchmarks/extract_reference.py`).

Every file of fixtures/ and examples/ compares equal here; the ecosystem corpus is
compared by `benchmarks/extract_compare.py` (it is not in CI). The small cases below
are the shapes where positions from `ast` could go wrong.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from forklint import extract
from forklint.facts import ModuleFacts

ROOT = Path(__file__).resolve().parent.parent


def _load(name: str):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[name] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


reference = _load("extract_reference")
compare = _load("extract_compare")

TREES = sorted(p for base in ("fixtures", "examples") for p in (ROOT / base).iterdir() if p.is_dir())


@pytest.mark.parametrize("tree", TREES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_file_of_the_fixtures_gives_equal_facts(tree: Path) -> None:
    files = compare.python_files([str(tree)])
    differing = [path for path in files if compare.compare_file(path)[1] not in ("equal", "equal-fallback")]
    assert not differing


def both(source: str, path: str = "m.py") -> tuple[object, object]:
    data = source.encode()
    return reference.parse_source(path, data), extract.parse_source(path, data)


SHAPES = {
    "non-ascii columns": 'x = "é" + f("ü")  ; y = g("日本")\nz = "√"; h()\n',
    "decorated and async defs": "@a.b(c())\n@d\nasync  def  f(x=g(), *, y: h() = 1) -> k():\n    return await m()\n",
    "def name after a line continuation": "def \\\n  f():\n    pass\nclass \\\n C(B): pass\n",
    "class keywords, nested defs": "class A(B, metaclass=M(), **kw):\n    x: int = f()\n    def m(self):\n        def n(): return o()\n        return n\n",
    "targets of every kind": (
        "a, (b, *c) = d = e()\n"
        "x[(i := 0)], y.z = f(), g()\n"
        "for p, q in r(): s(p)\n"
        "with t() as (u, v), w(k := 1) as o: pass\n"
        "aug += 1\n"
        "ann: int\n"
        "[j for j in js if (jj := j)]\n"
        "del dd[0]\n"
    ),
    "comprehensions before their element": "x = [[a() for a in b()] for c in d() if e(c)]\ny = {k(): v() for k, v in w()}\n",
    "f-strings with calls": 'x = f"{a()} and {b(1)!r:>{c()}}" f"{d()}"\ny = f"""\n  {e(\n  )}"""\n',
    "guards": (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import a\nelif x():\n    import b\n"
        "try:\n    import c\nexcept (ImportError, ValueError):\n    c = None\n"
        "_g = None\n"
        "def get():\n    global _g\n    if _g is None:\n        _g = make()\n    if not _g: pass\n    return _g\n"
        "if __name__ == '__main__':\n    main()\n"
    ),
    "loops and blocks": "while w():\n    if x: y = f()\n    else:\n        y = g()\nelse:\n    h()\n",
    "lambda and call chains": "x = (lambda a=f(): g(a))()\ny = q()(r())[0](s())\nz = (t)(u)\n",
    "lambdas passed on, compared literals": (
        "def f(s):\n    if s[-1] == 'x' or 'y' in s:\n        sig.connect(lambda n=g(): h(n == 'z'), weak=False)\n"
        "    return sorted(s, key=lambda v: k(lambda: m(v)))\n"
    ),
    "parenthesised": "x = (f())\n(y) = ((g)())\nif (a is None): pass\n",
    "semicolons and suites": "import a; import b as c; from .d import (e, f as g)\nif x: h(); i = 1\n",
    "match statements": "match f():\n    case {'a': b} if g(b):\n        h()\n    case C(d=e):\n        i = e\n",
    "crlf line ends": "x = f()\r\ndef g():\r\n    return h()\r\n",
    "comments": "x = f()  # noqa: FRK101\ny = '# noqa'\nz = g(  # noqa\n  1)\n",
}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_shapes_give_equal_facts(name: str) -> None:
    old, new = both(SHAPES[name])
    assert isinstance(new, ModuleFacts)
    assert new == old


ENCODED_SHAPES = {
    "carriage returns alone": b"x = f()\rdef g():\r    return h()\r",
    "byte order mark": "\ufeffx = f('\u00e9')\ny = g()\n".encode("utf-8"),
    "latin-1 cookie": "# -*- coding: latin-1 -*-\nx = f('\u00e9') ; y = g()\n".encode("latin-1"),
    "form feed": b"x = f()\n\x0c\ndef g():\n    return h()\n",
    "tabs": b"if x:\n\ty = f()\n\tz = g(); w = k()\n",
    "deep brackets": ("x = " + "(" * 150 + "f()" + ")" * 150 + "\n").encode(),
}


@pytest.mark.parametrize("name", sorted(ENCODED_SHAPES))
def test_encodings_and_line_ends_give_equal_facts(name: str) -> None:
    data = ENCODED_SHAPES[name]
    assert extract.parse_source("m.py", data) == reference.parse_source("m.py", data)


def test_a_syntax_error_is_reported_the_same() -> None:
    old, new = both("def f(:\n    pass\n")
    assert new == old


def test_syntax_this_python_cannot_read_takes_positions_from_libcst() -> None:
    # `ast` of Python 3.11 refuses a 3.12 type statement; LibCST reads it.
    old, new = both("type Alias = list[int]\nx = f()\ndef g[T](a: T = h()) -> T:\n    return k(a)\n")
    assert isinstance(new, ModuleFacts)
    assert new == old


def test_numbering_that_does_not_line_up_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    # If `ast` and the walk disagree on how many calls there are, the positions come
    # from LibCST instead of being paired with the wrong nodes.
    source = "x = f(g())\ny = h()\n"
    original = extract.AstPositions.count
    monkeypatch.setattr(extract.AstPositions, "count", lambda self, anchor: original(self, anchor) + 1)
    old, new = both(source)
    assert new == old


def test_noqa_comments_the_old_visitor_skipped_are_read() -> None:
    # The previous visitor never entered a def's leading lines or the whitespace after
    # its opening bracket, so these comments were lost; they are real comments.
    source = "import os\n# noqa: FRK101\ndef f(  # noqa: FRK102\n    x,\n):\n    return g()  # noqa\n"
    old, new = both(source)
    assert isinstance(old, ModuleFacts) and isinstance(new, ModuleFacts)
    assert new.noqa == ((2, ("FRK101",)), (3, ("FRK102",)), (6, None))
    assert old.noqa == ((6, None),)
    assert replace(new, noqa=old.noqa) == old


def test_a_noqa_inside_a_string_is_not_a_comment() -> None:
    _, new = both('x = "# noqa"\ny = """\n# noqa: FRK101\n"""\n')
    assert isinstance(new, ModuleFacts)
    assert new.noqa == ()


def test_the_extractors_parse_skips_node_checks_and_leaves_them_on(monkeypatch: pytest.MonkeyPatch) -> None:
    import libcst as cst

    def refuse(self: cst.CSTNode) -> None:
        raise cst.CSTValidationError("checked")

    monkeypatch.setattr(cst.Name, "_validate", refuse)
    assert isinstance(extract.parse_source("m.py", b"f(x)\n"), ModuleFacts)  # the parser's trees: no checks
    assert not isinstance(extract.parse_source("m.py", b"x = (\n"), ModuleFacts)  # a syntax error
    with pytest.raises(cst.CSTValidationError):  # nodes built by hand (a fix's) are checked
        cst.Name("y")


def test_valid_code_a_wrong_libcst_check_refuses_is_read() -> None:
    # LibCST's check of `IfExp` raises TypeError on this valid line (its issue 1061).
    assert isinstance(extract.parse_source("m.py", b"x = 1 if y else(lambda: 2)\n"), ModuleFacts)
