"""`build` and `dist` are skipped as build output, but a Python package of that name
(`app/build/__init__.py`: an app's "build" domain) is code the worker runs."""

from __future__ import annotations

from pathlib import Path

from forklint.discover import discover


def _tree(root: Path, files: list[str], pyproject: str = '[project]\nname = "app"\n') -> None:
    (root / "pyproject.toml").write_text(pyproject)
    for name in files:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x = 1\n")


def _files(root: Path) -> list[str]:
    [project] = discover([root])
    return sorted(p.relative_to(root.resolve()).as_posix() for p in project.files)


def test_a_package_named_build_is_read_and_build_output_is_not(tmp_path: Path) -> None:
    _tree(tmp_path, ["app/__init__.py", "app/build/__init__.py", "app/build/tasks.py", "build/lib/app/tasks.py",
                     "dist/app/tasks.py"])
    assert _files(tmp_path) == ["app/__init__.py", "app/build/__init__.py", "app/build/tasks.py"]


def test_an_exclude_the_user_writes_still_skips_the_package(tmp_path: Path) -> None:
    _tree(tmp_path, ["app/__init__.py", "app/build/__init__.py", "app/build/tasks.py"],
          '[project]\nname = "app"\n\n[tool.forklint]\nextend-exclude = ["build"]\n')
    assert _files(tmp_path) == ["app/__init__.py"]
