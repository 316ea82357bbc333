"""What the parent shares with its children: Dramatiq's stock CLI, the start method the
project's Python picks, and what Django runs in a worker's parent (the system checks)."""

from __future__ import annotations

import pytest
from test_launch_lines import _project

DRAMATIQ_ACTOR = "import dramatiq\n\n\n@dramatiq.actor\ndef add(x, y):\n    return x + y\n"
# A project script that imports the app and starts dramatiq's workers itself.
DRAMATIQ_SCRIPT = ("import shop.tasks  # noqa: F401\nfrom dramatiq.cli import main\n\n"
                   "if __name__ == '__main__':\n    main()\n")


def _fork_kind(tmp_path, files: dict[str, str]) -> str:
    from forklint.frameworks import find_jobs

    [job] = find_jobs(_project(tmp_path, {"shop/__init__.py": "", **files}))
    return job.fork.kind


@pytest.mark.parametrize("files", [
    {},  # no launch line: the stock `dramatiq` CLI (or django_dramatiq's rundramatiq, which execs it)
    {"Procfile": "worker: dramatiq shop.tasks -p 2\n"},
    {"Procfile": "worker: python manage.py rundramatiq -p 2\n"},
])
def test_the_stock_dramatiq_cli_shares_nothing_with_its_workers(tmp_path, files: dict[str, str]) -> None:
    # dramatiq/cli.py main() starts the worker processes before it imports the broker or
    # any module; each worker_process imports them itself: nothing can move before the fork.
    assert _fork_kind(tmp_path, {"shop/tasks.py": DRAMATIQ_ACTOR, **files}) == "none"


def test_a_project_script_that_imports_the_app_then_runs_dramatiq_main_forks_it(tmp_path) -> None:
    from forklint.frameworks import find_jobs
    from forklint.prefork import Parents

    project = _project(tmp_path, {"shop/__init__.py": "", "shop/tasks.py": DRAMATIQ_ACTOR, "run_worker.py": DRAMATIQ_SCRIPT})
    [add] = find_jobs(project)
    assert add.fork.kind == "per-child"
    parent = Parents(project, [add]).for_job(add)
    assert parent.loads_module("shop.tasks")
    [place] = parent.places
    assert (place.kind, place.module.name, place.line) == ("worker-script", "run_worker", 5)


@pytest.mark.parametrize(("files", "kind"), [
    ({".python-version": "3.14\n"}, "none"),
    ({"pyproject.toml": '[project]\nname = "x"\nrequires-python = ">=3.14"\n'}, "none"),
    ({"Dockerfile": "FROM python:3.14-slim\nCOPY . /app\n"}, "none"),
    ({".python-version": "3.12.4\n"}, "per-child"),
    ({"pyproject.toml": '[project]\nname = "x"\nrequires-python = ">=3.10"\n'}, "per-child"),
    # Sources that disagree: one of them still runs on a Python that forks by default.
    ({".python-version": "3.14\n", "Dockerfile": "FROM python:3.12\n"}, "per-child"),
])
def test_a_dramatiq_script_on_python_3_14_starts_its_workers_with_forkserver(tmp_path, files, kind: str) -> None:
    assert _fork_kind(tmp_path, {"shop/tasks.py": DRAMATIQ_ACTOR, "run_worker.py": DRAMATIQ_SCRIPT, **files}) == kind


def test_an_explicit_fork_start_method_forks_on_python_3_14(tmp_path) -> None:
    script = DRAMATIQ_SCRIPT.replace("    main()", "    import multiprocessing\n    multiprocessing.set_start_method('fork')\n    main()")
    assert _fork_kind(tmp_path, {"shop/tasks.py": DRAMATIQ_ACTOR, "run_worker.py": script, ".python-version": "3.14\n"}) == "per-child"


POOL_SCRIPT = ("from multiprocessing import Pool\n\n\ndef square(x):\n    return x * x\n\n\n"
               "def main():\n    with Pool(4) as pool:\n        pool.map(square, range(10))\n")


@pytest.mark.parametrize(("files", "kind"), [
    ({}, "per-child"),
    ({".python-version": "3.14\n"}, "none"),
    ({"pyproject.toml": '[project]\nname = "x"\nrequires-python = "~=3.14"\n'}, "none"),
    ({"pyproject.toml": '[project]\nname = "x"\nrequires-python = ">=3.9,<3.15"\n'}, "per-child"),
])
def test_a_pool_on_python_3_14_does_not_fork_by_default(tmp_path, files, kind: str) -> None:
    assert _fork_kind(tmp_path, {"shop/pool.py": POOL_SCRIPT, **files}) == kind


def test_a_fork_context_forks_on_python_3_14(tmp_path) -> None:
    script = POOL_SCRIPT.replace("from multiprocessing import Pool", "import multiprocessing").replace(
        "Pool(4)", "multiprocessing.get_context('fork').Pool(4)")
    assert _fork_kind(tmp_path, {"shop/pool.py": script, ".python-version": "3.14\n"}) == "per-child"
