"""Every fixture project gives exactly the findings in its expected.txt."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "expected.txt").is_file())


@pytest.mark.parametrize("case", CASES)
def test_fixture(case: str) -> None:
    folder = FIXTURES / case
    expected = [line for line in (folder / "expected.txt").read_text().splitlines() if line.strip()]
    result = run_cli(".", cwd=folder)
    assert result.returncode == (1 if expected else 0), result.stderr
    found = []
    for line in result.stdout.splitlines():
        location, _, message = line.partition(": FRK")
        code, _, text = message.partition(" ")
        found.append(f"{location}: FRK{code}")
        assert text.strip(), f"empty message: {line}"
    assert found == expected
