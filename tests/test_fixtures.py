"""Every fixture project gives exactly the findings in its expected.txt."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "expected.txt").is_file())


def run_forklint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "forklint", *args], cwd=cwd, capture_output=True, text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )


@pytest.mark.parametrize("case", CASES)
def test_fixture(case: str) -> None:
    folder = FIXTURES / case
    expected = [line for line in (folder / "expected.txt").read_text().splitlines() if line.strip()]
    result = run_forklint(".", cwd=folder)
    assert result.returncode == (1 if expected else 0), result.stderr
    found = []
    for line in result.stdout.splitlines():
        location, _, message = line.partition(": FRK")
        code, _, text = message.partition(" ")
        found.append(f"{location}: FRK{code}")
        assert text.strip(), f"empty message: {line}"
    assert found == expected
