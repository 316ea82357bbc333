"""End to end: ``forklint --fix`` on the Redash-shaped example leaves a worker that still works.

Not a timing test (benchmarks/seed_repro.py measures the speed-up): this checks that the
fixed worker script, run as a real process against a real redis-server, still performs
every job. The fix adds code that runs in the worker parent before it forks, so a wrong
edit (a bad import, a warm-up that breaks the horses) shows up here as missing rows.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "eventlog"
JOBS = 20


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A private redis-server on a free loopback port, stopped after the test."""
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.skip("redis-server not installed: apt-get install redis-server")
    redis = pytest.importorskip("redis")
    port = _free_port()
    proc = subprocess.Popen(
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = redis.Redis(port=port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"redis-server did not start on port {port}")
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _forklint(*args: str) -> subprocess.CompletedProcess[str]:
    """This checkout's forklint, as a user runs it."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "forklint", *args], env=env,
                          capture_output=True, text=True)


def test_fixed_worker_performs_every_job(tmp_path: Path, redis_url: str) -> None:
    pytest.importorskip("rq")
    pytest.importorskip("sqlalchemy")
    app = shutil.copytree(EXAMPLE, tmp_path / "eventlog",
                          ignore=shutil.ignore_patterns("__pycache__", "*.db"))
    original = (app / "run_worker.py").read_text()

    fixed = _forklint("--fix", str(app))
    if fixed.returncode == 2 or "No module named" in fixed.stderr:
        pytest.xfail("forklint --fix not implemented")
    assert fixed.returncode in (0, 1), fixed.stdout + fixed.stderr
    worker_script = (app / "run_worker.py").read_text()
    assert worker_script != original, "forklint --fix did not edit the worker script"
    assert "configure_mappers()" in worker_script
    check = _forklint(str(app))
    assert check.returncode == 0, check.stdout + check.stderr

    db = tmp_path / "events.db"
    env = dict(os.environ, REDIS_URL=redis_url, EVENTLOG_DB=str(db))
    env.pop("PYTHONPATH", None)  # the app runs from its own directory only
    subprocess.run([sys.executable, "enqueue.py", str(JOBS)], cwd=app, env=env, check=True,
                   capture_output=True)
    worker = subprocess.run([sys.executable, "run_worker.py"], cwd=app, env=env,
                            capture_output=True, text=True, timeout=300)
    assert worker.returncode == 0, worker.stderr[-3000:]

    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT count(*), count(DISTINCT object_id) FROM events").fetchone()
    assert rows == (JOBS, JOBS), worker.stderr[-3000:]
