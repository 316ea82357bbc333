"""--add-noqa writes `# noqa: FRKxxx` comments; FRK100 reports the ones that silence nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import CliRun, run_cli

REPO = Path(__file__).resolve().parent.parent


def run_forklint(*args: str, cwd: Path) -> CliRun:
    return run_cli(*args, cwd=cwd)


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """A copy of the rq_enqueue_forms fixture: six FRK104 findings in shop/tasks.py."""
    return Path(shutil.copytree(REPO / "fixtures" / "rq_enqueue_forms", tmp_path / "shop_project"))


def test_add_noqa_merges_keeps_newlines_and_silences(shop: Path) -> None:
    tasks = shop / "shop" / "tasks.py"
    source = tasks.read_text()
    source = source.replace("def issue_refund(order_id, amount_cents):\n    import requests\n",
                            "def issue_refund(order_id, amount_cents):\n    import requests  # noqa:E501 long\n")
    source = source.replace("def send_cart_reminder(cart_id):\n    import requests\n",
                            "def send_cart_reminder(cart_id):\n    import requests  # why: legacy\n")
    tasks.write_bytes(source.replace("\n", "\r\n").encode())
    mode = tasks.stat().st_mode

    result = run_forklint("--add-noqa", ".", cwd=shop)
    assert (result.returncode, result.stdout) == (0, "")
    assert "added 6 noqa comments in 1 file" in result.stderr
    written = tasks.read_bytes()
    assert written.count(b"\r\n") == source.count("\n") and b"\n" not in written.replace(b"\r\n", b"")
    lines = written.decode().split("\r\n")
    assert lines[9] == "    import requests  # noqa: FRK104"
    assert lines[17] == "    import requests  # noqa:E501, FRK104 long"
    assert lines[29] == "    import requests  # why: legacy  # noqa: FRK104"
    assert tasks.stat().st_mode == mode
    assert [p.name for p in tasks.parent.iterdir() if p.name.endswith(".tmp")] == []

    again = run_forklint(".", cwd=shop)
    assert (again.returncode, again.stdout) == (0, "")
    assert "(6 suppressed by noqa)" in again.stderr
    assert run_forklint("--add-noqa", ".", cwd=shop).stderr.startswith("forklint: added 0 noqa comments")


def test_add_noqa_puts_job_level_findings_on_the_def_line(tmp_path: Path) -> None:
    project = Path(shutil.copytree(REPO / "examples" / "eventlog", tmp_path / "eventlog"))
    assert run_forklint("--add-noqa", ".", cwd=project).returncode == 0
    line = (project / "eventlog" / "tasks.py").read_text().splitlines()[9]
    assert line.startswith("def record_event(") and line.endswith("  # noqa: FRK101, FRK107")
    assert run_forklint(".", cwd=project).returncode == 0


def test_add_noqa_skips_a_line_that_ends_inside_a_string(shop: Path) -> None:
    tasks = shop / "shop" / "tasks.py"
    tasks.write_text(tasks.read_text().replace(
        "def sync_product(sku):\n    import requests\n",
        'def sync_product(sku):\n    import requests; doc = """\n    text"""\n',
    ))
    before = tasks.read_text().splitlines()[44:46]
    result = run_forklint("--add-noqa", ".", cwd=shop)
    assert result.returncode == 1
    assert "added 5 noqa comments in 1 file; 1 on lines that cannot take a comment" in result.stderr
    assert result.stdout.startswith("shop/tasks.py:45:5: FRK104 ")
    assert tasks.read_text().splitlines()[44:46] == before


def test_unused_noqa_is_off_unless_selected(shop: Path) -> None:
    tasks = shop / "shop" / "tasks.py"
    source = tasks.read_text()
    source = source.replace("log = logging.getLogger(__name__)", "log = logging.getLogger(__name__)  # noqa: FRK104, E501")
    source = source.replace("def issue_refund(order_id, amount_cents):\n    import requests\n",
                            "def issue_refund(order_id, amount_cents):\n    import requests  # noqa: FRK104, FRK101\n")
    source = source.replace("def send_cart_reminder(cart_id):\n    import requests\n",
                            "def send_cart_reminder(cart_id):\n    import requests  # noqa: FRK104\n")
    tasks.write_text(source + "\nHELPER = 1  # noqa: FRK107, FRK100\nOTHER = 2  # noqa\n")

    assert "FRK100" not in run_forklint(".", cwd=shop).stdout
    assert "FRK100" not in run_forklint("--select", "FRK1", ".", cwd=shop).stdout

    only = run_forklint("--select", "FRK100", ".", cwd=shop)
    assert only.stdout.splitlines() == [
        "shop/tasks.py:4:36: FRK100 unused noqa code FRK104: no FRK104 finding on this line; "
        "remove it from the comment",
        "shop/tasks.py:18:22: FRK100 unused noqa code FRK101: no FRK101 finding on this line; "
        "remove it from the comment",
    ]
    assert "(1 suppressed by noqa)" in only.stderr  # HELPER's comment silences its own FRK100

    both = run_forklint("--select", "FRK,FRK100", ".", cwd=shop)
    assert [line.split(" ")[:2] for line in both.stdout.splitlines()] == [
        ["shop/tasks.py:4:36:", "FRK100"],
        ["shop/tasks.py:10:5:", "FRK104"],
        ["shop/tasks.py:18:22:", "FRK100"],
    ]
    # The six `import requests` sites are one finding; a noqa silences its own site only,
    # so the finding counts the three other jobs whose sites have no noqa.
    grouped = next(line for line in both.stdout.splitlines() if line.split(" ")[1] == "FRK104")
    assert grouped.endswith("the same for 3 more jobs (build_daily_report, sync_product, refresh_exchange_rates)")

    pyproject = shop / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[tool.forklint]\nselect = ["FRK100"]\n')
    assert len(run_forklint(".", cwd=shop).stdout.splitlines()) == 2


@pytest.mark.parametrize(("comment", "codes"), [
    ("# noqa", None),
    ("#noqa:FRK104", ("FRK104",)),
    ("# NOQA: frk104, E501 FRK1", ("FRK104", "E501", "FRK1")),
    ("# noqa: see below", None),  # not codes: a bare noqa, as flake8 reads it
])
def test_one_parser_reads_every_noqa_comment(comment: str, codes: tuple[str, ...] | None) -> None:
    from forklint.noqa import NOQA_COMMENT, noqa_codes

    match = NOQA_COMMENT.search(f"x = 1  {comment}")
    assert match is not None and match.start() == 7
    assert noqa_codes(match) == codes
