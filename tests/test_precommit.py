"""The `forklint` pre-commit hook, run by real pre-commit on a staged change.

The hook is taken from .pre-commit-hooks.yaml and run as a `repo: local` hook with
`language: system` (the forklint installed here), so the test needs no network and
no virtualenv: it checks our manifest's entry and file types, and that forklint,
given only the changed files, still reads the rest of the project.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")  # a dependency of pre-commit
pytest.importorskip("pre_commit")

REPO = Path(__file__).resolve().parent.parent

APP = '''"""The web side: enqueues the jobs."""
from redis import Redis
from rq import Queue

from shop import legacy, tasks

queue = Queue("default", connection=Redis())


def on_order_placed(order_id):
    return queue.enqueue(tasks.send_confirmation, order_id)


def on_export(day):
    return queue.enqueue(legacy.export_day, day)
'''

TASKS_GOOD = '''import requests


def send_confirmation(order_id):
    requests.post("https://mail.example.com/confirm", json={"order_id": order_id}, timeout=10)
'''

TASKS_BAD = '''def send_confirmation(order_id):
    import requests

    requests.post("https://mail.example.com/confirm", json={"order_id": order_id}, timeout=10)
'''

# Committed before the hook existed: never passed to the hook, so never reported by it.
LEGACY = '''def export_day(day):
    import pandas

    return pandas.DataFrame({"day": [day]})
'''


def local_hook_config() -> str:
    """Our `forklint` hook as a local system hook (JSON is YAML)."""
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "forklint")
    assert hook["entry"].split()[0] == "forklint" and hook["language"] == "python"
    local = {**hook, "language": "system"}
    local.pop("minimum_pre_commit_version", None)
    return json.dumps({"repos": [{"repo": "local", "hooks": [local]}]}, indent=2)


def test_hook_fails_on_a_staged_import_in_a_job_and_passes_once_fixed(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",  # our `forklint`
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
        "NO_COLOR": "1",
    }
    repo = tmp_path / "repo"

    def sh(*command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True)

    def hook() -> subprocess.CompletedProcess[str]:
        return sh(sys.executable, "-m", "pre_commit", "run", "forklint", "--color", "never")

    (repo / "shop").mkdir(parents=True)
    (repo / "pyproject.toml").write_text('[project]\nname = "shop"\nversion = "0"\n')
    (repo / "shop" / "__init__.py").write_text("")
    (repo / "shop" / "app.py").write_text(APP)
    (repo / "shop" / "tasks.py").write_text(TASKS_GOOD)
    (repo / "shop" / "legacy.py").write_text(LEGACY)
    (repo / ".pre-commit-config.yaml").write_text(local_hook_config())
    assert sh("git", "init", "-q").returncode == 0
    sh("git", "add", "-A")
    assert sh("git", "commit", "-q", "--no-verify", "-m", "shop").returncode == 0

    (repo / "shop" / "tasks.py").write_text(TASKS_BAD)
    sh("git", "add", "shop/tasks.py")
    failed = hook()
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "shop/tasks.py:2:5: FRK104 [*] `import requests`" in failed.stdout  # app.py, unstaged, makes it a job
    assert "legacy.py" not in failed.stdout  # only the files pre-commit passes are reported

    (repo / "shop" / "tasks.py").write_text('"""Jobs: their imports at the top, done once."""\n' + TASKS_GOOD)
    sh("git", "add", "shop/tasks.py")
    passed = hook()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout
    # The whole project still has legacy.py's finding: the hook left it alone on purpose.
    assert "shop/legacy.py:2:5: FRK104" in sh("forklint", ".").stdout
