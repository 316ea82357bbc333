#!/usr/bin/env python
"""Cold-run CPU of forklint at two (or more) revisions, side by side, on the same trees.

An issue may say "a cold run may not get more than 10 % slower from this": this measures
it. Each revision is checked out once into a detached worktree under the system's temp
folder and run from there (`python -m forklint --no-cache`, its own code on `PYTHONPATH`,
the packages of this interpreter). Runs are interleaved (A, B, A, B, ...) so that a busy
machine slows both alike, and each figure is the best of `--repeats` runs of the CPU time
(user + sys) of the run and its worker processes.

Usage: python benchmarks/compare_revisions.py REV REV [REV...] --app DIR [--app DIR]
       [--repeats N] [--cores 1|all]

A benchmark, not a test: each cold run of a 1,000-file app takes tens of seconds.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from speed import as_installed  # noqa: E402  (forklint run as installed: with bytecode)

REPO = Path(__file__).resolve().parent.parent


def checkout(rev: str) -> Path:
    """A detached worktree of `rev`, made once and kept for later runs."""
    sha = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short=12", rev],
                         check=True, capture_output=True, text=True).stdout.strip()
    where = Path(tempfile.gettempdir()) / f"forklint-rev-{sha}"
    if not (where / "forklint").is_dir():
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(where), sha],
                       check=True, capture_output=True)
    # The catalogue is the package `forklint.catalogue_data`, mapped onto `rules/` only by
    # an install: without this link, the revision would read the installed catalogue.
    data = where / "forklint" / "catalogue_data"
    if not data.exists():
        data.symlink_to(where / "rules", target_is_directory=True)
    return where


def cold_cpu(code: Path, app: Path, one_core: bool) -> float:
    """CPU seconds of one cold run (the run and the workers it forks)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as cache:
        command = [sys.executable, "-m", "forklint", "--no-cache", "--cache-dir", cache, "--exit-zero", str(app)]
        if one_core:
            command = ["taskset", "-c", "0", *command]
        subprocess.run(command, env=as_installed(code), cwd=app, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revs", nargs="+", help="git revisions; the first is the base of the ratios")
    parser.add_argument("--app", action="append", type=Path, required=True, help="a tree to lint (repeatable)")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--cores", choices=("1", "all"), default="1")
    args = parser.parse_args()
    if len(args.revs) < 2:
        parser.error("give at least two revisions")
    codes = {rev: checkout(rev) for rev in args.revs}
    print(f"{'app':<16}" + "".join(f"{rev[:12]:>14}" for rev in args.revs) + "   ratios to the first (CPU s, best of "
          f"{args.repeats}, {'one core' if args.cores == '1' else 'all cores'})")
    for app in args.app:
        best = {rev: float("inf") for rev in args.revs}
        for _ in range(args.repeats):
            for rev in args.revs:
                best[rev] = min(best[rev], cold_cpu(codes[rev], app.resolve(), args.cores == "1"))
        base = best[args.revs[0]]
        ratios = "  ".join(f"{best[rev] / base:.2f}x" for rev in args.revs[1:])
        print(f"{app.name:<16}" + "".join(f"{best[rev]:>13.2f}s" for rev in args.revs) + f"   {ratios}")


if __name__ == "__main__":
    main()
