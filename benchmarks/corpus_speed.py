#!/usr/bin/env python
"""Cold forklint beside the bare LibCST parse, per app of the ecosystem corpus (issue 16).

For each app of benchmarks/ecosystem/corpus.toml (the trees `ecosystem.py` reads: sdists
unpacked under benchmarks/.cache/ecosystem/src/, git apps under `--git-trees`), in one
run, side by side, pinned to one core (`taskset -c 0`), CPU seconds (user + sys):

  parse   bare `libcst.parse_module` of the files forklint reads there, in one process
          (the floor; interpreter start-up and reading the files not counted)
  cold    `forklint` with an empty facts cache (start-up, discovery, extraction, writing
          the cache, linking, the analysis and the rules: the whole run)

and the cold run's peak RSS. With `--code DIR` given more than once (checkouts of
forklint: `compare_revisions.py` makes them), each app's cold run is taken with each, in
turn, right after its parse: "before" and "after" side by side. Rounds are interleaved
(parse, cold, next app; then again) and each figure is the median of `--repeats`. The
last line sums the corpus: its ratio is the whole corpus's cold CPU over its parse CPU.

Usage: python benchmarks/corpus_speed.py [--git-trees DIR] [--only a,b] [--repeats N]
                                         [--code DIR --code DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import ecosystem  # noqa: E402  (the corpus, its pins and where its trees are)
from speed import PARSE_SCRIPT, as_installed  # noqa: E402  (the same floor and environment as speed.py)


def files_read(target: Path) -> list[Path]:
    """The files forklint reads under `target` (its default excludes hold for the floor too)."""
    from forklint.discover import discover

    return [f for project in discover([target]) for f in project.files]


def parse_cpu(listing: Path) -> float:
    out = subprocess.run(["taskset", "-c", "0", sys.executable, "-c", PARSE_SCRIPT, str(listing)],
                         capture_output=True, text=True, check=True).stdout
    return float(out.split()[1])


def cold_cpu(tree: Path, root: str, code: Path | None) -> tuple[float, float]:
    """CPU seconds and peak RSS (MB) of one cold run, pinned, from the app's folder."""
    env = as_installed(code)
    with tempfile.TemporaryDirectory(prefix="forklint-corpus-cold-") as cache:
        command = ["taskset", "-c", "0", sys.executable, "-m", "forklint", "--exit-zero", "--cache-dir", cache, root]
        process = subprocess.Popen(command, cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, _, usage = os.wait4(process.pid, 0)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--git-trees", type=Path, default=ecosystem.DEFAULT_GIT_TREES)
    parser.add_argument("--only", help="comma-separated app names")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--code", type=Path, action="append", default=[],
                        help="a forklint checkout to run (repeatable; default: the one Python imports)")
    args = parser.parse_args()
    codes: list[Path | None] = [c.resolve() for c in args.code] or [None]
    apps = ecosystem.load_corpus(ecosystem.CORPUS_DIR)
    if args.only:
        apps = [a for a in apps if a.name in args.only.split(",")]
    listings: dict[str, tuple[Path, str, Path, int, int]] = {}
    for app in apps:
        tree, why = ecosystem.tree_of(app, args.git_trees)
        if tree is None:
            print(f"{app.name}: skipped ({why})", file=sys.stderr)
            continue
        files = files_read(tree / app.root)
        listing = Path(tempfile.mkdtemp(prefix="forklint-corpus-floor-")) / "files.txt"
        listing.write_text("".join(f"{p}\n" for p in files))
        lines = sum(p.read_bytes().count(b"\n") for p in files)
        listings[app.name] = (tree, app.root, listing, len(files), lines)
    parses: dict[str, list[float]] = {name: [] for name in listings}
    colds: dict[tuple[str, int], list[tuple[float, float]]] = {(n, i): [] for n in listings for i in range(len(codes))}
    for _ in range(args.repeats):
        for name, (tree, root, listing, _, _) in listings.items():
            parses[name].append(parse_cpu(listing))
            for i, code in enumerate(codes):
                colds[(name, i)].append(cold_cpu(tree, root, code))
            print(f"  {name}: parse {parses[name][-1]:.2f} s, cold " + ", ".join(
                f"{colds[(name, i)][-1][0]:.2f} s {colds[(name, i)][-1][1]:.0f} MB" for i in range(len(codes))),
                file=sys.stderr, flush=True)
    print(f"load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    labels = [str(code) if code else "forklint" for code in codes]
    print("| app | files | lines | parse CPU s | " + " | ".join(
        f"cold CPU s, cold / parse, peak RSS MB ({label})" for label in labels) + " |")
    print("|---|---:|---:|---:|" + "---:|" * len(codes))
    total_parse = 0.0
    total_cold = [0.0] * len(codes)
    for name, (_, _, _, files, lines) in listings.items():
        parse = statistics.median(parses[name])
        total_parse += parse
        cells = []
        for i in range(len(codes)):
            cold = statistics.median(c for c, _ in colds[(name, i)])
            total_cold[i] += cold
            cells.append(f"{cold:.2f}, {cold / parse:.2f}x, {max(r for _, r in colds[(name, i)]):.0f}")
        print(f"| {name} | {files} | {lines:,} | {parse:.2f} | " + " | ".join(cells) + " |")
    files = sum(v[3] for v in listings.values())
    lines = sum(v[4] for v in listings.values())
    print(f"| **corpus** | {files} | {lines:,} | {total_parse:.2f} | " + " | ".join(
        f"{cold:.2f}, **{cold / total_parse:.2f}x**" for cold in total_cold) + " |")


if __name__ == "__main__":
    main()
