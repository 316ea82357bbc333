"""The simulated parent: import order, cycles and aliases."""

from __future__ import annotations

from pathlib import Path

from forklint.config import Config
from forklint.extract import parse_source
from forklint.prefork import module_closure
from forklint.project import Project


def project(*modules: tuple[list[str], str]) -> Project:
    parsed = [(names, parse_source(f"{names[0]}.py", source.encode()), f"{names[0]}.py") for names, source in modules]
    return Project(Path("."), Config(root=Path(".")), parsed)  # type: ignore[arg-type]


def test_import_cycles_load_each_module_once_in_order() -> None:
    p = project((["a"], "import b\nX = 1\n"), (["b"], "import a\nY = 2\n"))
    assert module_closure(p, "a") == ["a", "b"]


def test_aliases_that_point_at_each_other_do_not_loop() -> None:
    # A script folder's short names can alias another file's canonical name (seen in
    # Celery's sdist, which recursed until Python gave up).
    p = project((["a.b", "c"], "import c.d\n"), (["c.d", "a"], "import a.b\n"))
    assert module_closure(p, "a.b") == ["a.b", "c.d"]
