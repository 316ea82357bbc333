#!/usr/bin/env python
"""Run forklint (and ``--fix --unsafe-fixes``) over the sdists of real projects.

For each pinned project below this script

1. downloads its sdist once (``pip download --no-binary :all: --no-deps NAME==VERSION``)
   into ``benchmarks/.cache/sdists/`` and unpacks it under ``benchmarks/.cache/realworld/src/``;
2. runs ``forklint`` on the tree: it must exit 0 or 1 — never 2, never a traceback;
3. copies the tree, runs ``forklint --fix --unsafe-fixes`` on the copy and checks that
   every changed file parses (LibCST) and ``compile()``s, that a second ``--fix``
   changes nothing, and that no finding left afterwards still offers a fix (a fixed
   finding must be gone; one whose fix was refused is reported by ``--fix``);
4. prints a table (files, lines, findings per code, fixes applied, failures, seconds)
   and saves it, with the date, the machine and the command, as
   ``benchmarks/realworld.md``.

Usage: python benchmarks/realworld.py [--only NAME[,NAME...]] [--output benchmarks/realworld.md]
       [--per-child] [--timeout SECONDS]

This is a benchmark and a crash hunt, not a test: it needs the network the first time.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import sdists  # benchmarks/sdists.py, beside this script

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
WORK = CACHE / "realworld"

# Pinned: job runners, their integrations, and the libraries jobs use most.
PROJECTS: list[tuple[str, str]] = [
    ("rq", "2.6.0"),
    ("rq-scheduler", "0.14.0"),
    ("django-rq", "3.1"),
    ("flask-rq2", "18.3"),
    ("rq-dashboard", "0.8.4"),
    ("celery", "5.5.3"),
    ("kombu", "5.5.4"),
    ("billiard", "4.2.1"),
    ("flower", "2.0.1"),
    ("django-celery-beat", "2.8.1"),
    ("django-celery-results", "2.6.0"),
    ("celery-once", "3.0.1"),
    ("apache-airflow-providers-celery", "3.12.2"),
    ("dramatiq", "1.18.0"),
    ("dramatiq-dashboard", "0.4.0"),
    ("huey", "2.5.3"),
    ("arq", "0.26.3"),
    ("sentry-sdk", "2.35.0"),
    ("sqlalchemy", "2.0.43"),
    ("django", "5.2.5"),
    ("flask", "3.1.2"),
    ("jinja2", "3.1.6"),
]

SUMMARY = re.compile(r"forklint: (\d+) findings? in (\d+) files?")
APPLIED = re.compile(r"forklint: applied (\d+) fix(?:es)? in (\d+) files?")
FIXABLE = re.compile(r"; (\d+) fixable with --fix(?: \((\d+) more with --unsafe-fixes\))?")
FINDING = re.compile(r"^(?P<path>[^\n]+?):(?P<line>\d+):(?P<col>\d+): (?P<code>FRK\d+) (?P<fix>\[\*\] )?(?P<message>.*)$")
PRUNE = {".git", ".hg", ".tox", ".nox", "__pycache__", "node_modules", "build", "dist", ".eggs", "site-packages"}


@dataclass
class Result:
    name: str
    version: str
    files: int = 0
    lines: int = 0
    codes: Counter = field(default_factory=Counter)
    fixable: int = 0
    applied: int = 0
    changed_files: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    fix_seconds: float = 0.0
    findings: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


# --- fetch ----------------------------------------------------------------------------------


def fetch(name: str, version: str) -> Path:
    found = sdists.download(name, version)
    if found is None:
        raise RuntimeError(f"pip download {name}=={version} failed")
    return found


def unpack(archive: Path, name: str, version: str) -> Path:
    target = WORK / "src" / f"{name}-{version}"
    if not (target / ".unpacked").exists():
        sdists.unpack(archive, target)
        (target / ".unpacked").write_text("")
    return target


# --- measure ----------------------------------------------------------------------------------


def count_lines(tree: Path) -> tuple[int, int]:
    files = lines = 0
    for folder, dirs, names in os.walk(tree):
        dirs[:] = [d for d in dirs if d not in PRUNE and not d.endswith(".egg-info")]
        for name in names:
            if name.endswith((".py", ".pyi")):
                files += 1
                with open(os.path.join(folder, name), "rb") as handle:
                    lines += handle.read().count(b"\n")
    return files, lines


def forklint(tree: Path, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("FORKLINT_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "forklint", "--no-cache", *args, "."],
        cwd=tree, capture_output=True, text=True, timeout=timeout, env=env,
    )


def crashed(done: subprocess.CompletedProcess[str]) -> str | None:
    if "Traceback" in done.stderr or "internal error" in done.stderr:
        tail = [line for line in done.stderr.strip().splitlines() if line.strip()][-1:]
        return f"crash (exit {done.returncode}): {tail[0] if tail else ''}"
    if done.returncode not in (0, 1):
        return f"exit {done.returncode}: {done.stderr.strip()[-300:]}"
    return None


def digests(tree: Path) -> dict[str, str]:
    out = {}
    for folder, dirs, names in os.walk(tree):
        dirs[:] = [d for d in dirs if d != ".forklint_cache"]
        for name in names:
            if name.endswith((".py", ".pyi")):
                path = Path(folder) / name
                if path.is_symlink():
                    continue
                out[str(path.relative_to(tree))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def check_compiles(path: Path) -> str | None:
    import libcst as cst

    source = path.read_bytes()
    try:
        cst.parse_module(source)
        compile(source, str(path), "exec", dont_inherit=True)
    except (cst.ParserSyntaxError, SyntaxError, ValueError) as error:
        return f"{path.name}: fixed file does not parse/compile: {' '.join(str(error).split())[:200]}"
    return None


def run_one(name: str, version: str, timeout: float, per_child: bool) -> Result:
    result = Result(name, version)
    flags = ["--per-child"] if per_child else []
    try:
        tree = unpack(fetch(name, version), name, version)
    except Exception as error:  # noqa: BLE001 - a benchmark row, not a crash of forklint
        result.failures.append(f"fetch: {error}")
        return result
    result.files, result.lines = count_lines(tree)

    started = time.monotonic()
    try:
        done = forklint(tree, *flags, timeout=timeout)
    except subprocess.TimeoutExpired:
        result.failures.append(f"lint timed out after {timeout:.0f} s")
        return result
    result.seconds = time.monotonic() - started
    problem = crashed(done)
    if problem:
        result.failures.append(f"lint: {problem}")
        return result
    for line in done.stdout.splitlines():
        match = FINDING.match(line)
        if match:
            result.codes[match["code"]] += 1
            result.findings.append(line)
    summary = SUMMARY.search(done.stderr)
    if summary:
        result.files = int(summary[2])
    fixable = FIXABLE.search(done.stderr)
    if fixable:
        result.fixable = int(fixable[1]) + int(fixable[2] or 0)

    # --fix --unsafe-fixes on a copy
    copy = WORK / "fixed" / f"{name}-{version}"
    shutil.rmtree(copy, ignore_errors=True)
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(tree, copy, symlinks=True)
    before = digests(copy)
    started = time.monotonic()
    try:
        fixed = forklint(copy, "--fix", "--unsafe-fixes", *flags, timeout=timeout)
    except subprocess.TimeoutExpired:
        result.failures.append(f"--fix timed out after {timeout:.0f} s")
        return result
    result.fix_seconds = time.monotonic() - started
    problem = crashed(fixed)
    if problem:
        result.failures.append(f"fix: {problem}")
        return result
    applied = APPLIED.search(fixed.stderr)
    result.applied = int(applied[1]) if applied else 0
    result.refused = [line for line in fixed.stderr.splitlines() if line.startswith("forklint: fix not")]
    if "did not converge" in fixed.stderr:
        result.failures.append("fix: did not converge")
    after = digests(copy)
    changed = sorted(p for p in after if before.get(p) != after[p])
    result.changed_files = len(changed)
    for rel in changed:
        problem = check_compiles(copy / rel)
        if problem:
            result.failures.append(problem)

    # A second --fix must change nothing.
    again = forklint(copy, "--fix", "--unsafe-fixes", *flags, timeout=timeout)
    problem = crashed(again)
    if problem:
        result.failures.append(f"second fix: {problem}")
    elif digests(copy) != after:
        moved = sorted(p for p, d in digests(copy).items() if after.get(p) != d)
        result.failures.append(f"second --fix changed {len(moved)} file(s) again: {', '.join(moved[:3])}")

    # What is left must not offer a fix any more (unless --fix said why it refused it).
    left = forklint(copy, *flags, timeout=timeout)
    problem = crashed(left)
    if problem:
        result.failures.append(f"re-lint: {problem}")
    else:
        still = FIXABLE.search(left.stderr)
        still_fixable = int(still[1]) + int(still[2] or 0) if still else 0
        if still_fixable > len(result.refused):
            result.failures.append(f"{still_fixable} finding(s) still fixable after --fix "
                                   f"({len(result.refused)} refused)")
    return result


# --- report -----------------------------------------------------------------------------------


def table(results: list[Result]) -> str:
    codes = sorted({code for r in results for code in r.codes})
    head = ["project", "files", "lines", *codes, "fixable", "fixes applied", "files fixed", "failures",
            "lint s", "fix s"]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    total = Result("**total**", "")
    for r in results:
        rows.append("| " + " | ".join([
            f"{r.name} {r.version}", str(r.files), f"{r.lines:,}", *(str(r.codes.get(c, 0)) for c in codes),
            str(r.fixable), str(r.applied), str(r.changed_files), str(len(r.failures)),
            f"{r.seconds:.1f}", f"{r.fix_seconds:.1f}",
        ]) + " |")
        total.files += r.files
        total.lines += r.lines
        total.codes.update(r.codes)
        total.fixable += r.fixable
        total.applied += r.applied
        total.changed_files += r.changed_files
        total.failures += r.failures
        total.seconds += r.seconds
        total.fix_seconds += r.fix_seconds
    rows.append("| " + " | ".join([
        "**total**", str(total.files), f"{total.lines:,}", *(str(total.codes.get(c, 0)) for c in codes),
        str(total.fixable), str(total.applied), str(total.changed_files), str(len(total.failures)),
        f"{total.seconds:.1f}", f"{total.fix_seconds:.1f}",
    ]) + " |")
    return "\n".join(rows) + "\n"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def markdown(results: list[Result], command: str, started: _dt.datetime) -> str:
    import forklint

    out = [
        "# forklint on real projects",
        "",
        f"- date: {started:%Y-%m-%d %H:%M} (local)",
        f"- machine: {machine()}",
        f"- forklint: {forklint.__version__} (working tree)",
        f"- command: `{command}`",
        "- each project: `forklint --no-cache .` on the unpacked sdist, then `forklint --no-cache --fix "
        "--unsafe-fixes .` on a copy (every changed file must parse and compile, a second `--fix` must "
        "change nothing, nothing left may still offer a fix); `lint s` / `fix s` are wall seconds.",
        "",
        table(results),
    ]
    failures = [(r, f) for r in results for f in r.failures]
    out += ["## Failures", ""]
    out += [f"- {r.name}: {f}" for r, f in failures] or ["none"]
    refused = [(r, f) for r in results for f in r.refused]
    out += ["", "## Fixes forklint refused (reported by `--fix`, file left as it was)", ""]
    out += [f"- {r.name}: `{f.removeprefix('forklint: ')}`" for r, f in refused[:60]] or ["none"]
    if len(refused) > 60:
        out.append(f"- ... and {len(refused) - 60} more")
    out += ["", "## Findings", ""]
    for r in results:
        if r.findings:
            out.append(f"### {r.name} {r.version}")
            out.append("")
            out.append("```")
            out += [f[:400] for f in r.findings[:40]]
            if len(r.findings) > 40:
                out.append(f"... and {len(r.findings) - 40} more")
            out.append("```")
            out.append("")
    return "\n".join(out) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="comma-separated project names")
    parser.add_argument("--output", type=Path, default=HERE / "realworld.md")
    parser.add_argument("--per-child", action="store_true", help="pass --per-child to forklint")
    parser.add_argument("--timeout", type=float, default=900, help="per forklint run, seconds")
    args = parser.parse_args()
    chosen = [(n, v) for n, v in PROJECTS if not args.only or n in args.only.split(",")]
    started = _dt.datetime.now()
    results = []
    for name, version in chosen:
        print(f"== {name} {version}", file=sys.stderr, flush=True)
        result = run_one(name, version, args.timeout, args.per_child)
        for failure in result.failures:
            print(f"   FAIL {failure}", file=sys.stderr, flush=True)
        print(f"   {result.files} files, {sum(result.codes.values())} findings, {result.applied} fixes, "
              f"{result.seconds:.1f} s + {result.fix_seconds:.1f} s", file=sys.stderr, flush=True)
        results.append(result)
    text = table(results)
    print(text)
    command = "python benchmarks/realworld.py" + "".join(f" {a}" for a in sys.argv[1:])
    if not args.only or args.output != HERE / "realworld.md":  # a partial run keeps the full report
        args.output.write_text(markdown(results, command, started))
        print(f"saved {args.output}", file=sys.stderr)
    return 1 if any(r.failures for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
