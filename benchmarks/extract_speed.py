"""CPU seconds and peak memory of fact extraction, side by side, on one core.

For each tree, in one run: a bare `libcst.parse_module` of every file, the previous
extractor (`benchmarks/extract_reference.py`: `CSTVisitor` + `PositionProvider`) and
the lean one (`forklint/extract.py`); then the lean one under several garbage-collector
settings. Each measurement runs in its own process (so peak memory is its own), pinned
to one core, with the files read into memory first (no disk time).

    taskset -c 0 /work/venv/bin/python benchmarks/extract_speed.py --repeat 3 /work/eco-git/netbox /work/eco-git/redash

CPU seconds are the process's user+system time over the loop; peak is the maximum
resident set size during it, less the resident size before it.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODES = ("parse", "old", "new")
# name → what is done to the collector before the loop
GC_SETTINGS = {
    "default": "thresholds (700, 10, 10), as Python starts",
    "threshold": "gc.set_threshold(100_000, 50, 100), as engine.PARSE_GC_THRESHOLD",
    "freeze": "gc.freeze() after setup, default thresholds",
    "freeze+threshold": "gc.freeze() and gc.set_threshold(100_000, 50, 100)",
    "disabled": "gc.disable()",
}


def _rss_kb() -> int:
    with open("/proc/self/statm") as stream:
        return int(stream.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)


def measure(tree: str, mode: str, setting: str) -> dict[str, float]:
    """Run in a child process: extract every file of `tree` once, report CPU s and peak MB."""
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import libcst as cst

    from extract_compare import load_reference, python_files
    from forklint.extract import parse_source

    reference = load_reference()
    sources = [(str(p), p.read_bytes()) for p in python_files([tree])]
    sources = [(p, s) for p, s in sources if b"\0" not in s]
    if mode == "parse":
        def run(path: str, source: bytes) -> object:
            try:
                return cst.parse_module(source)
            except Exception:  # noqa: BLE001 - a file that does not parse costs its attempt
                return None
    elif mode == "old":
        run = reference.parse_source
    else:
        run = parse_source
    if setting in ("threshold", "freeze+threshold"):
        gc.set_threshold(100_000, 50, 100)
    if setting.startswith("freeze"):
        gc.collect()
        gc.freeze()
    if setting == "disabled":
        gc.disable()
    base = _rss_kb()
    start = time.process_time()
    for path, source in sources:
        run(path, source)
    cpu = time.process_time() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"files": len(sources), "cpu": cpu, "peak_mb": max(peak - base, 0) / 1024}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("trees", nargs="+")
    parser.add_argument("--child", nargs=3, metavar=("TREE", "MODE", "GC"), help=argparse.SUPPRESS)
    parser.add_argument("--no-gc-study", action="store_true", help="only parse / old / new with default GC")
    parser.add_argument("--repeat", type=int, default=1, help="rounds, interleaved; the least CPU of each is kept")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(*args.child)))
        return 0
    cpus = os.sched_getaffinity(0)
    print(f"CPUs this run may use: {sorted(cpus)}" + ("" if len(cpus) == 1 else "  (run under `taskset -c 0` for one core)"))
    for tree in args.trees:
        runs = [(mode, "default") for mode in MODES]
        if not args.no_gc_study:
            runs += [("new", setting) for setting in GC_SETTINGS if setting != "default"]
        results: dict[tuple[str, str], dict[str, float]] = {}
        # Rounds are interleaved so that a busy moment of the machine hits every
        # configuration alike; the least CPU of the rounds is the least disturbed.
        for _ in range(args.repeat):
            for mode, setting in runs:
                out = subprocess.run(
                    [sys.executable, __file__, tree, "--child", tree, mode, setting],
                    check=True, capture_output=True, text=True,
                ).stdout
                found = json.loads(out.strip().splitlines()[-1])
                if (mode, setting) not in results or found["cpu"] < results[(mode, setting)]["cpu"]:
                    results[(mode, setting)] = found
        parse_cpu = results[("parse", "default")]["cpu"]
        print(f"\n{tree} ({results[('parse', 'default')]['files']:.0f} files)")
        print(f"  {'extractor':<10} {'GC':<18} {'CPU s':>7} {'/ parse':>8} {'peak MB':>8}")
        for (mode, setting), found in results.items():
            print(f"  {mode:<10} {setting:<18} {found['cpu']:7.2f} {found['cpu'] / parse_cpu:7.2f}x {found['peak_mb']:8.0f}")
        old, new = results[("old", "default")]["cpu"], results[("new", "default")]["cpu"]
        print(f"  old / new: {old / new:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
