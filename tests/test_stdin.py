"""`forklint - --stdin-filename PATH`: stdin's content as PATH, in the project around it."""

from __future__ import annotations

from pathlib import Path

from conftest import CliRun, run_cli

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SHOP = FIXTURES / "rq_enqueue_forms"


def run_forklint(*args: str, stdin: str, cwd: Path = SHOP) -> CliRun:
    return run_cli(*args, cwd=cwd, input=stdin)


def test_stdin_is_checked_with_the_project_around_it() -> None:
    # The job is a job because shop/app.py (on disk) enqueues it.
    edited = "def send_order_confirmation(order_id):\n\n    import requests\n"
    result = run_forklint("-", "--stdin-filename", "shop/tasks.py", "--format", "full", stdin=edited)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("shop/tasks.py:3:5: FRK104 [*] `import requests`")
    assert lines[2] == "3 |     import requests"  # the snippet comes from stdin, not the disk
    assert "1 finding in 1 file" in result.stderr


def test_stdin_reports_only_on_that_file() -> None:
    # app.py without the enqueue calls: tasks.py's findings are gone, and not reported anyway.
    result = run_forklint("--stdin-filename", "shop/app.py", stdin="def noop():\n    import requests\n")
    assert (result.returncode, result.stdout) == (0, ""), result.stderr


def test_stdin_file_need_not_exist() -> None:
    """An editor's new, unsaved module: its folder gives the project."""
    new_module = 'from rq.decorators import job\n\n\n@job("default")\ndef ping(url):\n    import requests\n'
    result = run_forklint("-", "--stdin-filename", "shop/new_module.py", stdin=new_module)
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("shop/new_module.py:6:5: FRK104 ")
    assert not (SHOP / "shop" / "new_module.py").exists()


def test_dash_without_stdin_filename_is_a_usage_error() -> None:
    result = run_forklint("-", stdin="")
    assert result.returncode == 2 and "--stdin-filename" in result.stderr
