"""`flake8 --select FRK` reports what forklint reports, using the whole project."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli

pytest.importorskip("flake8")

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
LOCATION = re.compile(r"^(?:\./)?(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<code>FRK\d+) ")


def locations(output: str) -> list[tuple[str, int, int, str]]:
    found = []
    for line in output.splitlines():
        match = LOCATION.match(line)
        assert match, line
        found.append((match["path"], int(match["line"]), int(match["col"]), match["code"]))
    return sorted(found)


def run(*command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *command], cwd=cwd, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"}
    )


@pytest.mark.parametrize("case", ["rq_enqueue_forms", "seed_redash"])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_flake8_reports_what_forklint_reports(tmp_path: Path, case: str, jobs: str) -> None:
    project = Path(shutil.copytree(FIXTURES / case, tmp_path / case))
    forklint = run_cli(".", cwd=project)  # in-process: flake8 is the real subprocess here
    flake8 = run("flake8", "--isolated", "--select", "FRK", "-j", jobs, ".", cwd=project)
    assert forklint.returncode == 1 and flake8.returncode == 1, flake8.stderr
    assert locations(flake8.stdout) == locations(forklint.stdout)


def test_flake8_needs_the_project_for_context(tmp_path: Path) -> None:
    """Given only tasks.py, the plugin still sees app.py enqueue its jobs."""
    project = Path(shutil.copytree(FIXTURES / "rq_enqueue_forms", tmp_path / "shop"))
    flake8 = run("flake8", "--isolated", "--select", "FRK", "shop/tasks.py", cwd=project)
    assert len(locations(flake8.stdout)) == 1  # six sites, one root cause


def test_flake8_checks_stdin_as_the_named_file(tmp_path: Path) -> None:
    project = Path(shutil.copytree(FIXTURES / "rq_enqueue_forms", tmp_path / "shop"))
    edited = (project / "shop" / "tasks.py").read_text().replace("def issue_refund", "\n\ndef issue_refund")
    flake8 = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select", "FRK", "--stdin-display-name", "shop/tasks.py", "-"],
        cwd=project, input=edited, capture_output=True, text=True,
    )
    assert [line for _, line, _, _ in locations(flake8.stdout)] == [10]
