"""`forklint workers`: how forklint reads a project's workers, before any rule runs."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def test_a_launch_line_names_the_parent_and_sets_the_fork_model() -> None:
    done = run_cli("workers", "--format", "json", "--no-cache", ".", cwd=FIXTURES / "launch_celery_compose_per_job")
    assert done.returncode == 0, done.stderr
    (reading,) = json.loads(done.stdout)
    assert (reading["framework"], reading["fork_model"], reading["parent_known"]) == ("celery", "per-job", True)
    assert reading["launch"].endswith("(docker-compose.yml:8)")
    assert reading["jobs"] == ["shop.tasks.sales_report"]


def test_text_names_parent_launch_and_jobs() -> None:
    done = run_cli("workers", "--no-cache", ".", cwd=FIXTURES / "rq_worker_class_cli")
    assert done.stdout.splitlines() == [
        ".: rq, per-job (RQ work horse: RQ's Worker forks a new work horse for every job)",
        "  parent: a settings module passed to `rq worker -c` (it runs in the worker's parent)",
        "  launch: rq worker -w shop.workers.MetricsWorker high default (Procfile:2)",
        "  jobs (1): record_sale",
    ]


def test_a_project_without_jobs_says_so(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    (tmp_path / "app.py").write_text("x = 1\n")
    assert run_cli("workers", "--no-cache", ".", cwd=tmp_path).stdout == "no jobs found\n"
