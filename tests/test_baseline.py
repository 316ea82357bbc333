"""--write-baseline / --baseline: accept today's findings, keep reporting new ones."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import CliRun, run_cli

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def run_forklint(*args: str, cwd: Path) -> CliRun:
    return run_cli(*args, cwd=cwd)


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """A copy of the rq_enqueue_forms fixture: six FRK104 findings in shop/tasks.py."""
    return Path(shutil.copytree(FIXTURES / "rq_enqueue_forms", tmp_path / "shop_project"))


def test_baseline_records_findings_by_line_text_not_number(shop: Path) -> None:
    written = run_forklint("--write-baseline", "forklint-baseline.json", ".", cwd=shop)
    assert written.returncode == 0 and written.stdout == ""
    assert "recorded 6 findings in forklint-baseline.json" in written.stderr
    data = json.loads((shop / "forklint-baseline.json").read_text())
    assert data["version"] == 1
    assert {(f["path"], f["code"]) for f in data["findings"]} == {("shop/tasks.py", "FRK104")}
    assert all(set(f) >= {"path", "code", "line_hash"} for f in data["findings"])

    clean = run_forklint("--baseline", "forklint-baseline.json", ".", cwd=shop)
    assert (clean.returncode, clean.stdout) == (0, "")
    assert "0 findings in 3 files (6 in the baseline)" in clean.stderr

    # Lines added above the findings move them; they stay baselined. A new one is reported.
    tasks = shop / "shop" / "tasks.py"
    source = tasks.read_text()
    source = source.replace('log = logging', '# a comment\n# another\nlog = logging')
    source = source.replace("def sync_product(sku):\n", "def sync_product(sku):\n    import boto3\n")
    tasks.write_text(source)
    moved = run_forklint("--baseline", "forklint-baseline.json", ".", cwd=shop)
    assert moved.returncode == 1
    assert [line.split(" ")[:2] for line in moved.stdout.splitlines()] == [["shop/tasks.py:47:5:", "FRK104"]]
    assert "`import boto3`" in moved.stdout
    assert "1 finding in 3 files (6 in the baseline)" in moved.stderr


def test_baseline_counts_identical_findings(shop: Path) -> None:
    """Six findings on six identical lines: baselining five leaves the sixth to report."""
    run_forklint("--write-baseline", "base.json", ".", cwd=shop)
    data = json.loads((shop / "base.json").read_text())
    assert len({f["line_hash"] for f in data["findings"]}) == 1  # all `import requests`
    data["findings"] = data["findings"][:5]
    (shop / "base.json").write_text(json.dumps(data))
    result = run_forklint("--baseline", "base.json", ".", cwd=shop)
    assert result.returncode == 1 and len(result.stdout.splitlines()) == 1


def test_baseline_paths_are_relative_to_the_baseline_file(shop: Path) -> None:
    run_forklint("--write-baseline", "base.json", ".", cwd=shop)
    result = run_forklint("--baseline", "shop_project/base.json", "shop_project", cwd=shop.parent)
    assert (result.returncode, result.stdout) == (0, "")


@pytest.mark.parametrize("content", ["not json", '{"findings": []}', '{"version": 1, "findings": [{"code": 1}]}'])
def test_a_bad_baseline_is_an_error(shop: Path, content: str) -> None:
    (shop / "base.json").write_text(content)
    result = run_forklint("--baseline", "base.json", ".", cwd=shop)
    assert result.returncode == 2
    assert result.stderr.startswith("forklint: error: base.json: ")
