"""The real processes: `python -m forklint` and the installed `forklint` script.

Every other CLI test runs in-process (`conftest.run_cli`); these check that a real
process prints, exits and fails the same way.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ENV = {**os.environ, "NO_COLOR": "1"}


def _script() -> str:
    beside = Path(sys.executable).parent / "forklint"
    found = str(beside) if beside.is_file() else shutil.which("forklint")
    if found is None:
        pytest.skip("the `forklint` script is not installed: pip install -e '.[test]'")
    return found


@pytest.mark.parametrize("how", ["python -m forklint", "forklint"])
def test_a_real_process_prints_what_the_in_process_run_prints(how: str) -> None:
    command = [sys.executable, "-m", "forklint"] if how == "python -m forklint" else [_script()]
    project = FIXTURES / "seed_redash"
    done = subprocess.run([*command, "."], cwd=project, capture_output=True, text=True, env=ENV)
    in_process = run_cli(".", cwd=project)
    assert done.returncode == 1, done.stderr
    assert (done.returncode, done.stdout, done.stderr) == (in_process.returncode, in_process.stdout, in_process.stderr)


def test_an_error_in_a_real_process_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.forklint]\nfrobnicate = 1\n")
    (tmp_path / "a.py").write_text("x = 1\n")
    env = {k: v for k, v in ENV.items() if k != "FORKLINT_DEBUG"}
    done = subprocess.run([sys.executable, "-m", "forklint", "."], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("forklint: error: ") and "frobnicate" in done.stderr


def test_a_real_process_ends_at_once_with_its_output_written(tmp_path: Path) -> None:
    """The command exits without freeing what the run built (`os._exit`): the report
    file, stdout and stderr are complete, and the exit code is the run's."""
    project = FIXTURES / "seed_redash"
    report = tmp_path / "report.json"
    done = subprocess.run([sys.executable, "-m", "forklint", "--format", "json", "-o", str(report), "."],
                          cwd=project, capture_output=True, text=True, env=ENV)
    in_process = run_cli("--format", "json", ".", cwd=project)
    assert done.returncode == in_process.returncode == 1, done.stderr
    assert report.read_text() == in_process.stdout and done.stderr == in_process.stderr
    clean = subprocess.run([sys.executable, "-m", "forklint", "--select", "FRK108", "."], cwd=project,
                           capture_output=True, text=True, env=ENV)
    assert (clean.returncode, clean.stdout) == (0, "") and clean.stderr.startswith("forklint: 0 findings")
