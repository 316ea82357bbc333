"""How fast forklint is, beside the floor (bare LibCST parsing) and other linters.

Run:  python benchmarks/speed.py            (downloads a few sdists once; ~10-20 min)
      python benchmarks/speed.py --repeats 5 --fixit-repeats 1

On one tree of real code, in one run, side by side (the machine is noisy: read the
ratios), each command both unpinned and pinned to one core with `taskset -c 0`:

  parse      bare `libcst.parse_module` of every file, in one process (the floor)
  cold       `forklint` with an empty facts cache
  warm       `forklint` again, the tree unchanged
  one-file   one file edited and passed explicitly, warm cache (the pre-commit case)
  fixit      `fixit lint` (Fixit 2, default rules)
  flake8     `flake8 -j1`
  ruff       `ruff check --select ALL`

Fixit, flake8 and ruff are installed into their own virtualenv under
benchmarks/.cache/ (Fixit pins an older click than forklint's).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
# Pinned sdists: a realistic mix of Celery/RQ-style libraries and a large framework.
# (SQLAlchemy's sdist alone is 580k lines of mostly tests: Fixit would need an hour.)
SDISTS = ["celery==5.4.0", "kombu==5.4.2", "rq==2.0.0", "flask==3.0.3", "jinja2==3.1.4",
          "dramatiq==1.17.1", "huey==2.5.2", "sentry-sdk==2.19.0"]
TOOLS = ["fixit==2.1.0", "flake8==7.1.1", "ruff==0.8.4"]

PARSE_SCRIPT = """
import sys, time, libcst
from pathlib import Path
files = [p for p in Path(sys.argv[1]).rglob("*.py")]
sources = [p.read_bytes() for p in files]
start = time.perf_counter()
for source in sources:
    try:
        libcst.parse_module(source)
    except Exception:
        pass
print(time.perf_counter() - start)
"""


def sh(cmd: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, **kwargs)


def build_tree() -> Path:
    """Unpack the pinned sdists into one tree (once).

    The tree lives outside this repository: Fixit and ruff honour the enclosing git
    repository's .gitignore, which ignores benchmarks/.cache/.
    """
    tree = Path(tempfile.gettempdir()) / "forklint-speed-tree"
    if tree.is_dir():
        return tree
    downloads = CACHE / "speed-sdists"
    downloads.mkdir(parents=True, exist_ok=True)
    for spec in SDISTS:
        result = sh([sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps", "-q", "-d", str(downloads), spec])
        if result.returncode:
            sys.exit(f"pip download {spec} failed:\n{result.stderr}")
    staging = Path(tempfile.mkdtemp(dir=tree.parent))
    for archive in sorted(downloads.iterdir()):
        if archive.name.endswith((".tar.gz", ".tgz")):
            with tarfile.open(archive) as tar:
                tar.extractall(staging, filter="data")
        elif archive.suffix == ".zip":
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(staging)
    staging.rename(tree)
    return tree


def tools_venv() -> Path:
    venv = CACHE / "speed-tools"
    if not (venv / "bin" / "fixit").exists():
        sh([sys.executable, "-m", "venv", str(venv)])
        result = sh([str(venv / "bin" / "pip"), "install", "-q", *TOOLS])
        if result.returncode:
            sys.exit(f"installing {TOOLS} failed:\n{result.stderr}")
    return venv / "bin"


def timed(cmd: list[str], pin: bool, cwd: Path | None = None) -> float:
    if pin:
        cmd = ["taskset", "-c", "0", *cmd]
    start = time.perf_counter()
    result = sh(cmd, cwd=cwd)
    elapsed = time.perf_counter() - start
    if result.returncode not in (0, 1):
        print(f"  ! {' '.join(cmd)} exited {result.returncode}: {result.stderr.strip()[-300:]}", file=sys.stderr)
    return elapsed


def parse_floor(tree: Path, pin: bool) -> float:
    cmd = [sys.executable, "-c", PARSE_SCRIPT, str(tree)]
    if pin:
        cmd = ["taskset", "-c", "0", *cmd]
    return float(sh(cmd).stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--fixit-repeats", type=int, default=1, help="Fixit is slow: fewer runs")
    parser.add_argument("--no-fixit", action="store_true")
    args = parser.parse_args()

    tree = build_tree()
    tools = tools_venv()
    files = list(tree.rglob("*.py"))
    lines = sum(p.read_bytes().count(b"\n") for p in files)
    print(f"tree: {len(files)} files, {lines:,} lines ({', '.join(SDISTS)}); cores: {os.cpu_count()}")
    # A typical file, as pre-commit would pass: the median size.
    edited = sorted(files, key=lambda p: p.stat().st_size)[len(files) // 2]
    edited_lines = edited.read_bytes().count(b"\n")
    print(f"one-file case: {edited.relative_to(tree)} ({edited_lines} lines)")
    forklint = [sys.executable, "-m", "forklint", "--exit-zero"]
    original = edited.read_bytes()

    def cold(pin: bool) -> float:
        cache = tempfile.mkdtemp(prefix="forklint-cold-")
        try:
            return timed([*forklint, "--cache-dir", cache, str(tree)], pin)
        finally:
            shutil.rmtree(cache)

    warm_cache = tempfile.mkdtemp(prefix="forklint-warm-")
    sh([*forklint, "--cache-dir", warm_cache, str(tree)])

    def one_file(pin: bool) -> float:
        edited.write_bytes(original + f"\n# edited {time.time()}\n".encode())
        try:
            return timed([*forklint, "--cache-dir", warm_cache, str(edited)], pin)
        finally:
            edited.write_bytes(original)

    rows = {
        "parse (LibCST floor)": (lambda pin: parse_floor(tree, pin), args.repeats),
        "forklint cold": (cold, args.repeats),
        "forklint warm": (lambda pin: timed([*forklint, "--cache-dir", warm_cache, str(tree)], pin), args.repeats),
        "forklint one changed file": (one_file, args.repeats),
        "flake8 -j1": (lambda pin: timed([str(tools / "flake8"), "-j1", "--isolated", str(tree)], pin), args.repeats),
        "ruff --select ALL": (lambda pin: timed([str(tools / "ruff"), "check", "--isolated", "--no-cache", "--select", "ALL", "--exit-zero", str(tree)], pin), args.repeats),
    }
    if not args.no_fixit:
        rows["fixit lint"] = (lambda pin: timed([str(tools / "fixit"), "lint", str(tree)], pin), args.fixit_repeats)

    medians: dict[tuple[str, bool], float] = {}
    for pin in (False, True):
        for name, (measure, repeats) in rows.items():
            runs = [measure(pin) for _ in range(repeats)]
            medians[(name, pin)] = statistics.median(runs)
            print(f"  {'1 core ' if pin else '2 cores'}  {name:28} {medians[(name, pin)]:8.2f} s  ({', '.join(f'{r:.2f}' for r in runs)})", flush=True)
    shutil.rmtree(warm_cache)

    print(f"\n{'':28} {'2 cores':>9} {'1 core':>9}   ratio to the parse floor (1 core)")
    floor = medians[("parse (LibCST floor)", True)]
    for name in rows:
        print(f"{name:28} {medians[(name, False)]:8.2f}s {medians[(name, True)]:8.2f}s   {medians[(name, True)] / floor:6.2f}x")

    def ratio(a: str, b: str) -> float:
        return medians[(a, True)] / medians[(b, True)]

    print("\ntargets (1 core):")
    print(f"  cold <= 1.5x bare parse:        {ratio('forklint cold', 'parse (LibCST floor)'):.2f}x")
    if not args.no_fixit:
        print(f"  >= 20x faster than Fixit:       {ratio('fixit lint', 'forklint cold'):.1f}x")
    print(f"  faster than flake8 -j1:         {ratio('flake8 -j1', 'forklint cold'):.2f}x (flake8 / forklint cold)")
    print(f"  warm within 1.5x of ruff ALL:   {ratio('forklint warm', 'ruff --select ALL'):.2f}x")
    print(f"  one changed file < 1 s:         {medians[('forklint one changed file', True)]:.2f} s")


if __name__ == "__main__":
    main()
