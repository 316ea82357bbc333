#!/usr/bin/env python
"""Reproduce the Redash RQ case end to end, before and after ``forklint --fix``.

The seed: Redash's RQ work horses each ran ``sqlalchemy.orm.configure_mappers()``
(and, with a stock ``rq worker``, each imported the job module and every model) because
the worker parent never did; doing it once in the parent gave 4x less CPU per job.

This script runs the same experiment on ``examples/eventlog``:

1. start a private ``redis-server`` on a free loopback port;
2. "before": a copy of the example, unchanged. Measure a boot run (empty queue: W
   burst workers start and stop), then enqueue N ``record_event`` jobs and measure W
   burst workers (``python run_worker.py``) draining them;
3. "after": another copy, fixed by ``forklint --fix`` (which must leave
   ``forklint <copy>`` clean), measured the same way;
4. print wall time and CPU time (user+sys of the workers *and* their work horses,
   from ``wait4``), and the before/after ratio of CPU per job with boot subtracted.

Usage: python benchmarks/seed_repro.py [--jobs 1000] [--workers 4] [--plot out.png]
       [--manual-fix]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "eventlog"
QUEUE = "events"
# forklint's exit code for usage errors (an unknown option such as --fix, not yet built).
USAGE_ERROR = 2


@dataclass(frozen=True)
class RunCost:
    """What one run of W burst workers cost."""

    wall_s: float
    cpu_s: float  # user+sys of the workers and every work horse they forked and reaped


@dataclass(frozen=True)
class VariantResult:
    """Boot and job runs of one variant of the app."""

    name: str
    jobs: int
    workers: int
    boot: RunCost
    total: RunCost

    @property
    def work_wall_s(self) -> float:
        """Wall time spent on jobs: the job run minus the boot run."""
        return self.total.wall_s - self.boot.wall_s

    @property
    def per_job_cpu_ms(self) -> float:
        """CPU per job, boot subtracted (as the seed subtracted its 14.7 s boot)."""
        return (self.total.cpu_s - self.boot.cpu_s) / self.jobs * 1000


# ---- redis-server ----------------------------------------------------------------------


def free_port() -> int:
    """A loopback TCP port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis(workdir: Path) -> tuple[subprocess.Popen[bytes], int]:
    """Start a throwaway redis-server (no persistence) and wait until it answers PING."""
    exe = shutil.which("redis-server")
    if exe is None:
        sys.exit("redis-server not found on PATH: apt-get install redis-server")
    import redis  # the client the app uses anyway

    for _attempt in range(5):  # another process may grab the port between probe and bind
        port = free_port()
        proc = subprocess.Popen(
            [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=port)
        deadline = time.monotonic() + 10
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                client.ping()
                return proc, port
            except redis.ConnectionError:
                time.sleep(0.05)
        stop_process(proc)
    sys.exit("could not start redis-server")


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    """Terminate a child we started, and reap it."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ---- the app -----------------------------------------------------------------------------


def copy_example(dest: Path) -> Path:
    """A fresh copy of examples/eventlog (no bytecode or databases from earlier runs)."""
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns("__pycache__", "*.db"))
    return dest


def app_env(port: int, db_path: Path) -> dict[str, str]:
    """Environment for the app's scripts: where Redis and the SQLite file are."""
    env = dict(os.environ)
    env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    env["EVENTLOG_DB"] = str(db_path)
    # The app must run from its own directory, not from whatever the caller had on the path.
    env.pop("PYTHONPATH", None)
    return env


def enqueue(app_dir: Path, env: dict[str, str], jobs: int) -> None:
    """Create the schema and enqueue ``jobs`` record_event jobs with the app's own producer."""
    subprocess.run([sys.executable, "enqueue.py", str(jobs)], cwd=app_dir, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def run_workers(app_dir: Path, env: dict[str, str], workers: int, log_dir: Path,
                timeout_s: float = 3600) -> RunCost:
    """Run ``workers`` burst workers at once until all exit; return wall and CPU time.

    CPU comes from ``wait4`` on each worker: a process's rusage as seen by its parent
    includes the children it reaped, and an RQ worker reaps every work horse it forks.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    procs: list[subprocess.Popen[bytes]] = []
    cpu_s = 0.0
    start = time.perf_counter()
    try:
        for i in range(workers):
            with open(log_dir / f"worker{i}.log", "wb") as log:
                procs.append(subprocess.Popen([sys.executable, "run_worker.py"], cwd=app_dir,
                                              env=env, stdout=log, stderr=subprocess.STDOUT))
        pending = {proc.pid: proc for proc in procs}
        deadline = time.monotonic() + timeout_s
        while pending:
            if time.monotonic() > deadline:
                raise RuntimeError(f"workers still running after {timeout_s:.0f} s; logs in {log_dir}")
            for pid, proc in list(pending.items()):
                # WNOHANG polling rather than a blocking wait, so a hung worker hits the deadline.
                done_pid, status, usage = os.wait4(pid, os.WNOHANG)
                if done_pid == 0:
                    continue
                # Tell Popen the child is reaped, so it never waits for it again.
                proc.returncode = os.waitstatus_to_exitcode(status)
                cpu_s += usage.ru_utime + usage.ru_stime
                del pending[pid]
            time.sleep(0.01)
        wall_s = time.perf_counter() - start
    finally:
        for proc in procs:
            stop_process(proc)
    failed = [p.returncode for p in procs if p.returncode != 0]
    if failed:
        raise RuntimeError(f"worker exit codes {failed}; logs in {log_dir}")
    return RunCost(wall_s=wall_s, cpu_s=cpu_s)


def count_events(db_path: Path) -> int:
    """Rows in the events table."""
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT count(*) FROM events").fetchone()[0]


def measure(name: str, app_dir: Path, port: int, jobs: int, workers: int) -> VariantResult:
    """Boot run and job run of one copy of the app, each on a fresh database and Redis."""
    import redis

    client = redis.Redis(port=port)
    costs: dict[str, RunCost] = {}
    for run, count in (("boot", 0), ("jobs", jobs)):
        client.flushdb()
        db_path = app_dir / f"{run}.db"
        env = app_env(port, db_path)
        enqueue(app_dir, env, count)
        print(f"  {name}: {run} run, {count} jobs, {workers} workers ...", flush=True)
        costs[run] = run_workers(app_dir, env, workers, app_dir / "logs" / run)
        # Every job must have committed its row: a fast run that failed its jobs proves nothing.
        rows = count_events(db_path)
        left = client.llen(f"rq:queue:{QUEUE}")
        if rows != count or left:
            raise RuntimeError(f"{name} {run}: {rows} rows for {count} jobs, {left} jobs left "
                               f"in the queue; see {app_dir / 'logs' / run}")
    return VariantResult(name, jobs, workers, boot=costs["boot"], total=costs["jobs"])


# ---- the fix ------------------------------------------------------------------------------


def forklint(*args: str) -> subprocess.CompletedProcess[str]:
    """Run this checkout's forklint (``python -m forklint``) in a subprocess."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "forklint", *args], env=env,
                          capture_output=True, text=True)


def fix_unavailable(result: subprocess.CompletedProcess[str]) -> bool:
    """Whether forklint is not runnable yet, or does not know ``--fix`` yet."""
    return result.returncode == USAGE_ERROR or "No module named" in result.stderr


def fix_by_hand(app_dir: Path) -> None:
    """What ``forklint --fix`` should do: preload the job module and configure the mappers
    in the worker parent, right before ``.work()``."""
    script = app_dir / "run_worker.py"
    lines = script.read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if ".work(" in line)
    indent = lines[at][: len(lines[at]) - len(lines[at].lstrip())]
    lines[at:at] = [
        f"{indent}import eventlog.tasks  # noqa: F401  preload: horses inherit the import\n",
        f"{indent}from sqlalchemy.orm import configure_mappers\n",
        f"{indent}configure_mappers()  # once here, not in every work horse\n",
    ]
    script.write_text("".join(lines))


def apply_fix(app_dir: Path, manual_allowed: bool) -> str:
    """Fix ``app_dir`` with ``forklint --fix``; return how it was fixed.

    Falls back to the hand edit only when the caller allowed it and forklint cannot fix
    yet, so the default path always measures what forklint really writes.
    """
    before = forklint(str(app_dir))
    if not fix_unavailable(before):
        print("  forklint findings before the fix:")
        print("    " + (before.stdout.strip() or "(none)").replace("\n", "\n    "))
        for code in ("FRK101", "FRK107"):
            if code not in before.stdout:
                print(f"  warning: forklint did not report {code} on the unfixed app")
    fixed = forklint("--fix", str(app_dir))
    if fix_unavailable(fixed):
        if not manual_allowed:
            sys.exit("forklint --fix is not available yet (exit %d: %s).\nRerun with --manual-fix "
                     "to apply the same edit by hand." % (fixed.returncode, fixed.stderr.strip()[-300:]))
        fix_by_hand(app_dir)
        check = forklint(str(app_dir))
        if not fix_unavailable(check) and check.returncode != 0:
            print(f"  note: after the hand fix forklint still exits {check.returncode}:\n"
                  f"    {check.stdout.strip()}")
        return "hand edit (--manual-fix)"
    if fixed.returncode not in (0, 1):
        sys.exit(f"forklint --fix failed (exit {fixed.returncode}):\n{fixed.stdout}{fixed.stderr}")
    check = forklint(str(app_dir))
    if check.returncode != 0:
        sys.exit(f"forklint still reports findings after --fix (exit {check.returncode}):\n"
                 f"{check.stdout}{check.stderr}")
    return "forklint --fix"


# ---- report ---------------------------------------------------------------------------------


def print_table(results: list[VariantResult]) -> None:
    """The before/after table, and the ratio the seed reported (4x)."""
    header = ("variant", "jobs", "workers", "boot s", "total s", "total-boot s", "boot CPU s",
              "CPU s", "per-job CPU ms")
    rows = [(r.name, str(r.jobs), str(r.workers), f"{r.boot.wall_s:.2f}", f"{r.total.wall_s:.2f}",
             f"{r.work_wall_s:.2f}", f"{r.boot.cpu_s:.2f}", f"{r.total.cpu_s:.2f}",
             f"{r.per_job_cpu_ms:.1f}") for r in results]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    line = "  ".join("-" * w for w in widths)
    print()
    print("  ".join(h.rjust(w) if i else h.ljust(w) for i, (h, w) in enumerate(zip(header, widths))))
    print(line)
    for row in rows:
        print("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))))
    print(line)
    print("CPU = user+sys of the workers and all their work horses; per-job CPU = (CPU - boot CPU) / jobs.")
    if len(results) == 2:
        before, after = results
        print(f"before/after per-job CPU (boot subtracted): {before.per_job_cpu_ms / after.per_job_cpu_ms:.1f}x"
              f"   wall (total-boot): {before.work_wall_s / after.work_wall_s:.1f}x   (seed: 4.1x wall)")


def plot(results: list[VariantResult], out: Path) -> None:
    """Bar chart of per-job CPU and job wall time, if matplotlib is installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("--plot: matplotlib is not installed (pip install matplotlib); no plot written")
        return
    names = [r.name for r in results]
    fig, (ax_cpu, ax_wall) = plt.subplots(1, 2, figsize=(8, 3.5))
    ax_cpu.bar(names, [r.per_job_cpu_ms for r in results], color=["tab:red", "tab:green"])
    ax_cpu.set_ylabel("CPU per job, ms (boot subtracted)")
    ax_wall.bar(names, [r.work_wall_s for r in results], color=["tab:red", "tab:green"])
    ax_wall.set_ylabel("wall s, total - boot")
    fig.suptitle(f"eventlog record_event: {results[0].jobs} jobs, {results[0].workers} RQ workers")
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    print(f"plot written to {out}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=1000, help="record_event jobs per run (default 1000)")
    parser.add_argument("--workers", type=int, default=4, help="concurrent burst workers (default 4)")
    parser.add_argument("--plot", type=Path, metavar="OUT.png", help="also write a bar chart")
    parser.add_argument("--manual-fix", action="store_true",
                        help="if forklint --fix is not available yet, apply its edit by hand")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (copies, logs, DBs)")
    args = parser.parse_args(argv)
    if args.jobs < 1 or args.workers < 1:
        parser.error("--jobs and --workers must be at least 1")

    workdir = Path(tempfile.mkdtemp(prefix="forklint-seed-"))
    redis_proc, port = start_redis(workdir)
    try:
        print(f"redis-server on 127.0.0.1:{port}; work dir {workdir}")
        before_dir = copy_example(workdir / "before")
        after_dir = copy_example(workdir / "after")
        how = apply_fix(after_dir, args.manual_fix)
        print(f"  'after' copy fixed by {how}")
        results = [measure("before", before_dir, port, args.jobs, args.workers),
                   measure("after", after_dir, port, args.jobs, args.workers)]
        print_table(results)
        if args.plot:
            plot(results, args.plot)
    finally:
        stop_process(redis_proc)
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
