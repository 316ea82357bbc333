"""A finding is reported where the user looks: at the job when only the job's paths are
checked (the chain shows where the work is), at the work when its own file is checked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CASE = Path(__file__).resolve().parent.parent / "fixtures" / "findings_at_job"


def findings(*paths: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-m", "forklint", *paths], cwd=CASE, capture_output=True, text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert result.returncode in (0, 1), result.stderr
    return result.stdout.splitlines()


@pytest.mark.parametrize("paths", [("app",), ("app/jobs.py",)])
def test_work_outside_the_checked_paths_is_reported_at_the_job(paths: tuple[str, ...]) -> None:
    [line] = findings(*paths)
    assert line.startswith("app/jobs.py:13:5: FRK103 ")
    assert "publish (app/jobs.py:14) → slugify (lib/text.py:6)" in line  # the chain shows where
    assert "the work is in lib/text.py:6, lib/text.py:10" in line
    assert "[*]" not in line  # its fix would edit a file not asked about


def test_the_helper_is_reported_when_its_own_file_is_checked() -> None:
    assert [line.split(" [*]")[0] for line in findings("lib")] == [
        "lib/text.py:6:12: FRK103", "lib/text.py:10:12: FRK103",
    ]


def test_a_job_that_repeats_nothing_elsewhere_gets_nothing() -> None:
    assert not any(":18:" in line for line in findings("app"))
