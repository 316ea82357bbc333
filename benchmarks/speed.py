"""How fast forklint is, beside the floor (bare LibCST parsing) and other linters.

Run:  python benchmarks/speed.py            (downloads a few sdists once; ~10-20 min)
      python benchmarks/speed.py --repeats 5 --fixit-repeats 1
      python benchmarks/speed.py --app ../netbox --cores 1 --repeats 1 --no-fixit

On a tree of real code (the pinned sdists below) and on each `--app` (a 1,000+-file
application, copied to a temporary folder first: the one-file case edits it), in one
run, side by side (the machine is noisy: read the ratios, and the CPU seconds beside
the wall clock), each command unpinned and/or pinned to one core with `taskset -c 0`:

  parse      bare `libcst.parse_module` of every file, in one process (the floor)
  cold       `forklint` with an empty facts cache
  warm       `forklint` again, the tree unchanged
  one-file   one file really edited (a line inserted above, an assignment added) and
             passed explicitly from the tree's folder, warm cache (the pre-commit case)
  fixit      `fixit lint` (Fixit 2, default rules)
  flake8     `flake8 -j1`
  ruff       `ruff check --select ALL --no-cache`

Each row reports the median wall time, the CPU time (user + sys, forklint's parse
workers included) and the peak RSS of the largest process. The closing table gives
issue 16's done-when ratios, one column per tree.

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
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
# Pinned sdists: a realistic mix of Celery/RQ-style libraries and a large framework.
# (SQLAlchemy's sdist alone is 580k lines of mostly tests: Fixit would need an hour.)
SDISTS = ["celery==5.4.0", "kombu==5.4.2", "rq==2.0.0", "flask==3.0.3", "jinja2==3.1.4",
          "dramatiq==1.17.1", "huey==2.5.2", "sentry-sdk==2.19.0"]
TOOLS = ["fixit==2.1.0", "flake8==7.1.1", "ruff==0.8.4"]

# The floor: parse the files forklint reads (listed one a line in argv[1]), nothing else.
PARSE_SCRIPT = """
import sys, time, libcst
from pathlib import Path
files = [Path(line) for line in Path(sys.argv[1]).read_text().splitlines()]
sources = [p.read_bytes() for p in files]
start, cpu = time.perf_counter(), time.process_time()
for source in sources:
    try:
        libcst.parse_module(source)
    except Exception:
        pass
print(time.perf_counter() - start, time.process_time() - cpu)
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


@dataclass
class Run:
    wall: float  # seconds
    cpu: float  # user + sys seconds, children (parse workers) included
    rss_mb: float  # peak resident set size of the largest process


def as_installed(code: Path | None = None) -> dict[str, str]:
    """The environment forklint runs in here, as a user's install has it: with bytecode
    (pip compiles a package when it installs it). An environment that sets
    PYTHONDONTWRITEBYTECODE, as these machines do, compiles forklint's modules again on
    every run: +0.12 s of CPU a run, a fixed cost no user pays. `code`: a checkout to run
    instead of the installed forklint (`compare_revisions.py` makes them)."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    if code is not None:
        env["PYTHONPATH"] = str(code)
    return env


def timed(cmd: list[str], pin: bool, cwd: Path | None = None) -> Run:
    """Run `cmd` (pinned to core 0 with `pin`); its wall and CPU time and peak memory."""
    if pin:
        cmd = ["taskset", "-c", "0", *cmd]
    start = time.perf_counter()
    process = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               env=as_installed())
    stderr = process.stderr.read() if process.stderr else ""
    _, status, usage = os.wait4(process.pid, 0)  # this child's own usage, not every child's so far
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        print(f"  ! {' '.join(cmd)} exited {process.returncode}: {stderr.strip()[-300:]}", file=sys.stderr)
    return Run(elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def parse_floor(listing: Path, pin: bool) -> Run:
    cmd = [sys.executable, "-c", PARSE_SCRIPT, str(listing)]
    if pin:
        cmd = ["taskset", "-c", "0", *cmd]
    wall, cpu = map(float, sh(cmd).stdout.split())
    return Run(wall, cpu, 0.0)  # the parse itself, without interpreter start-up


def copy_app(app: Path) -> Path:
    """A copy of an application tree to edit (without any forklint cache in it)."""
    copy = Path(tempfile.mkdtemp(prefix=f"forklint-app-{app.name}-")) / app.name
    shutil.copytree(app, copy, symlinks=True, ignore=shutil.ignore_patterns(".forklint_cache", ".git"))
    return copy


def files_read(tree: Path) -> list[Path]:
    """The files forklint reads in `tree`: its default excludes (tests, migrations, ...)
    hold for the floor too, or the floor would parse files forklint never opens."""
    from forklint.discover import discover

    return [f for project in discover([tree]) for f in project.files]


def measure_tree(name: str, tree: Path, tools: Path, args: argparse.Namespace, fixit: bool) -> dict[tuple[str, bool], Run]:
    """Every row on one tree, for each core setting: the median run of each."""
    files = files_read(tree)
    lines = sum(p.read_bytes().count(b"\n") for p in files)
    print(f"\n{name}: {tree} — forklint reads {len(files)} files, {lines:,} lines")
    listing = Path(tempfile.mkdtemp(prefix="forklint-floor-")) / "files.txt"
    listing.write_text("".join(f"{p}\n" for p in files))
    # A typical file, as pre-commit would pass: the median size of the files forklint reads.
    edited = sorted(files, key=lambda p: p.stat().st_size)[len(files) // 2]
    edited_lines = edited.read_bytes().count(b"\n")
    print(f"  one-file case: {edited.relative_to(tree)} ({edited_lines} lines)")
    forklint = [sys.executable, "-m", "forklint", "--exit-zero"]
    original = edited.read_bytes()

    def cold(pin: bool) -> Run:
        cache = tempfile.mkdtemp(prefix="forklint-cold-")
        try:
            return timed([*forklint, "--cache-dir", cache, str(tree)], pin)
        finally:
            shutil.rmtree(cache)

    warm_cache = tempfile.mkdtemp(prefix="forklint-warm-")
    sh([*forklint, "--cache-dir", warm_cache, str(tree)])

    def one_file(pin: bool) -> Run:
        # A real edit: a line above shifts every position below, an assignment adds a fact.
        # Run from the tree's folder, as pre-commit runs from the repository's: a tree with
        # no root marker (netbox's `netbox/`) is then the project, not the file's folder.
        stamp = time.time_ns()
        edited.write_bytes(f"# edited {stamp}\n".encode() + original + f"\n_edited = {stamp}\n".encode())
        try:
            return timed([*forklint, "--cache-dir", warm_cache, str(edited.relative_to(tree))], pin, cwd=tree)
        finally:
            edited.write_bytes(original)

    rows = {
        "parse (LibCST floor)": (lambda pin: parse_floor(listing, pin), args.repeats),
        "forklint cold": (cold, args.repeats),
        "forklint warm": (lambda pin: timed([*forklint, "--cache-dir", warm_cache, str(tree)], pin), args.repeats),
        "forklint one changed file": (one_file, args.repeats),
        "flake8 -j1": (lambda pin: timed([str(tools / "flake8"), "-j1", "--isolated", str(tree)], pin), args.repeats),
        "ruff ALL --no-cache": (lambda pin: timed([str(tools / "ruff"), "check", "--isolated", "--no-cache", "--select", "ALL", "--exit-zero", str(tree)], pin), args.repeats),
    }
    if fixit:
        rows["fixit lint"] = (lambda pin: timed([str(tools / "fixit"), "lint", str(tree)], pin), args.fixit_repeats)

    medians: dict[tuple[str, bool], Run] = {}
    for pin in args.pins:
        for row, (measure, repeats) in rows.items():
            runs = [measure(pin) for _ in range(repeats)]
            middle = sorted(runs, key=lambda r: r.wall)[len(runs) // 2]
            medians[(row, pin)] = middle
            print(f"  {'1 core ' if pin else 'unpinned'}  {row:26} {middle.wall:8.2f} s wall {middle.cpu:8.2f} s CPU "
                  f"{middle.rss_mb:6.0f} MB  ({', '.join(f'{r.wall:.2f}' for r in runs)})", flush=True)
    shutil.rmtree(warm_cache)
    shutil.rmtree(listing.parent)
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--fixit-repeats", type=int, default=1, help="Fixit is slow: fewer runs")
    parser.add_argument("--no-fixit", action="store_true")
    parser.add_argument("--fixit-on-apps", action="store_true", help="also run Fixit on each --app (slow)")
    parser.add_argument("--app", type=Path, action="append", default=[],
                        help="a 1,000+-file application tree, measured beside the speed tree (repeatable)")
    parser.add_argument("--no-speed-tree", action="store_true", help="measure only the --app trees")
    parser.add_argument("--cores", choices=["1", "all", "both"], default="both",
                        help="pinned to one core, unpinned, or both (ratios read the pinned runs when there are)")
    args = parser.parse_args()
    args.pins = {"1": [True], "all": [False], "both": [False, True]}[args.cores]

    tools = tools_venv()
    print(f"usable cores: {len(os.sched_getaffinity(0))}; load average at the start: "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} (a shared machine inflates wall times)")
    trees: list[tuple[str, Path, bool]] = []
    if not args.no_speed_tree:
        trees.append(("speed tree", build_tree(), not args.no_fixit))
    copies = [copy_app(app.resolve()) for app in args.app]
    trees += [(app.name, copy, args.fixit_on_apps and not args.no_fixit) for app, copy in zip(args.app, copies)]
    results = {name: measure_tree(name, tree, tools, args, fixit) for name, tree, fixit in trees}
    for copy in copies:
        shutil.rmtree(copy.parent)

    pin = args.pins[-1]  # pinned when measured: one core is what the targets are stated for
    print(f"\ndone-when of issue 16 ({'one core' if pin else 'unpinned'}; load average at the end: "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())})")
    names = list(results)
    print(f"  {'':44}" + "".join(f"{name:>16}" for name in names))

    def line(label: str, value) -> None:
        cells = []
        for name in names:
            try:
                cells.append(f"{value(results[name]):>16}")
            except KeyError:
                cells.append(f"{'-':>16}")
        print(f"  {label:44}" + "".join(cells))

    def ratio(medians, a: str, b: str) -> str:
        return f"{medians[(a, pin)].wall / medians[(b, pin)].wall:.2f}x"

    line("cold / bare parse (target <= 1.5x)", lambda m: ratio(m, "forklint cold", "parse (LibCST floor)"))
    line("  same, CPU seconds", lambda m: f"{m[('forklint cold', pin)].cpu / m[('parse (LibCST floor)', pin)].cpu:.2f}x")
    line("warm / ruff ALL --no-cache (target <= 1.5x)", lambda m: ratio(m, "forklint warm", "ruff ALL --no-cache"))
    line("one changed file, wall (target < 1 s)", lambda m: f"{m[('forklint one changed file', pin)].wall:.2f} s")
    line("  same, CPU seconds", lambda m: f"{m[('forklint one changed file', pin)].cpu:.2f} s")
    line("peak RSS, forklint cold (target <= 300 MB)", lambda m: f"{m[('forklint cold', pin)].rss_mb:.0f} MB")
    line("peak RSS, forklint warm", lambda m: f"{m[('forklint warm', pin)].rss_mb:.0f} MB")
    line("Fixit / forklint cold (target >= 20x)", lambda m: ratio(m, "fixit lint", "forklint cold"))
    line("flake8 -j1 / forklint cold (target >= 1.5x)", lambda m: ratio(m, "flake8 -j1", "forklint cold"))


if __name__ == "__main__":
    main()
