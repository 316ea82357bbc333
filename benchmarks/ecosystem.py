#!/usr/bin/env python
"""forklint on real applications: recall, traps and precision, like ruff's ecosystem check.

The corpus (``benchmarks/ecosystem/corpus.toml``) pins real, public applications that run
a forking job runner. For each, ``benchmarks/ecosystem/<app>.toml`` holds what a careful
engineer found by reading the code before forklint ran on it (``must_find`` /
``must_not_find``), and ``triage/<app>.toml`` judges every finding of the committed snapshot.
The formats are in ``benchmarks/ecosystem/FORMAT.md``.

For each app this script

1. gets the tree: an sdist is downloaded once (``pip download --no-deps --no-binary
   :all: NAME==VERSION``) into ``benchmarks/.cache/sdists/`` and unpacked under
   ``benchmarks/.cache/ecosystem/src/<app>/``; a git app is read from
   ``--git-trees DIR/<app>/`` (how to make it: ``benchmarks/ecosystem/README.md``);
   what it cannot get it says, and goes on;
2. runs ``forklint --format json`` on it, cold (a fresh cache folder), timing it and
   reading its peak memory, then again with ``--per-child`` (warm, same cache);
3. matches the findings against the expectations and the triage, and prints the report.

``--write`` saves the snapshot (``snapshot.json``) and the report (``REPORT.md``);
``--diff`` prints only what changed against the committed snapshot.

Usage: python benchmarks/ecosystem.py [--only APP[,APP...]] [--git-trees DIR] [--diff]
       [--write] [--timeout SECONDS]

A benchmark, not a test: the first run needs the package registry and takes minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import sdists  # benchmarks/sdists.py, beside this script

HERE = Path(__file__).resolve().parent
CORPUS_DIR = HERE / "ecosystem"
CACHE = HERE / ".cache"
TREES = CACHE / "ecosystem" / "src"
DEFAULT_GIT_TREES = CACHE / "ecosystem" / "git"

Mode = Literal["default", "per-child"]
MODES: tuple[Mode, ...] = ("default", "per-child")
Verdict = Literal["true", "false", "unclear"]


# --- the corpus and its expectations --------------------------------------------------


@dataclass(frozen=True)
class App:
    name: str
    kind: Literal["sdist", "git"]
    pin: str  # "package==version" or "owner/name@commit"
    package: str = ""
    version: str = ""
    repo: str = ""
    commit: str = ""
    root: str = "."


@dataclass(frozen=True)
class Expectation:
    rule: str
    path: str
    function: str
    why: str

    def describe(self) -> str:
        where = f"{self.path}:{self.function}" if self.function else self.path
        return f"{self.rule} {where}"


@dataclass(frozen=True)
class Expectations:
    must_find: tuple[Expectation, ...] = ()
    must_not_find: tuple[Expectation, ...] = ()
    launches: tuple[dict, ...] = ()


def load_corpus(corpus: Path) -> list[App]:
    """The pinned apps of corpus.toml, in file order; an app without a pin is skipped loudly."""
    data = tomllib.loads((corpus / "corpus.toml").read_text())
    apps: list[App] = []
    for name, entry in data.get("apps", {}).items():
        kind = entry.get("kind", "sdist")
        if kind == "sdist":
            package, version = entry.get("package", name), entry.get("version", "")
            pin = f"{package}=={version}" if version else ""
            app = App(name, "sdist", pin, package=package, version=version, root=entry.get("root", "."))
        else:
            repo, commit = entry.get("repo", ""), entry.get("commit", "")
            pin = f"{repo}@{commit[:12]}" if repo and commit else ""
            app = App(name, "git", pin, repo=repo, commit=commit, root=entry.get("root", "."))
        if not app.pin:
            print(f"ecosystem: {name}: no pin in corpus.toml, skipped", file=sys.stderr)
            continue
        apps.append(app)
    return apps


def load_expectations(corpus: Path, app: App) -> Expectations | None:
    path = corpus / f"{app.name}.toml"
    if not path.is_file():
        return None
    data = tomllib.loads(path.read_text())

    def entries(key: str) -> tuple[Expectation, ...]:
        return tuple(
            Expectation(e.get("rule", "*"), e.get("path", ""), e.get("function", ""), e.get("why", ""))
            for e in data.get(key, [])
        )

    return Expectations(entries("must_find"), entries("must_not_find"), tuple(data.get("launch", [])))


def load_triage(corpus: Path) -> dict[tuple[str, str], tuple[Verdict, str]]:
    """Verdicts on findings, one file per app: `triage/<app>.toml`."""
    verdicts: dict[tuple[str, str], tuple[Verdict, str]] = {}
    for path in sorted((corpus / "triage").glob("*.toml")):
        for f in tomllib.loads(path.read_text()).get("finding", []):
            verdicts[(path.stem, f["key"])] = (f["verdict"], f.get("why", ""))
    return verdicts


# --- getting the trees ----------------------------------------------------------------


def tree_of(app: App, git_trees: Path) -> tuple[Path | None, str]:
    """The app's unpacked tree, or None and why it could not be had."""
    if app.kind == "git":
        tree = git_trees / app.name
        if tree.is_dir() and any(tree.iterdir()):
            return tree, ""
        return None, f"no tree at {tree} (export {app.repo} at {app.commit} there: see ecosystem/README.md)"
    tree = TREES / app.name
    marker = tree / ".ecosystem-pin"
    if tree.is_dir() and (not marker.exists() or marker.read_text().strip() == app.pin):
        return tree, ""
    archive = sdists.download(app.package, app.version)
    if archive is None:
        return None, f"pip download {app.pin} failed"
    sdists.unpack(archive, tree)
    marker.write_text(app.pin + "\n")
    return tree, ""


# --- running forklint -----------------------------------------------------------------


@dataclass
class Run:
    exit_code: int
    seconds: float
    max_rss_mb: float
    files: int
    findings: list[dict]
    stderr_tail: str

    @property
    def crashed(self) -> bool:
        return self.exit_code not in (0, 1) or "Traceback (most recent call last)" in self.stderr_tail


def run_forklint(tree: Path, root: str, cache_dir: Path, per_child: bool, timeout: float) -> Run:
    """``forklint --format json ROOT`` from the tree's top: paths come out tree-relative."""
    command = [sys.executable, "-m", "forklint", "--format", "json", "--cache-dir", str(cache_dir)]
    if per_child:
        command.append("--per-child")
    command.append(root)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=tree, stdout=out, stderr=err, env=_env())
        status, rusage = _wait(process, timeout)
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    try:
        findings = json.loads(stdout) if stdout.strip() else []
    except json.JSONDecodeError:
        findings, status = [], 2 if status in (0, 1) else status
        stderr += "\n(stdout was not JSON)"
    return Run(
        exit_code=status,
        seconds=seconds,
        max_rss_mb=rusage / 1024 if rusage else 0.0,
        files=_files_checked(stderr),
        findings=findings,
        stderr_tail=stderr[-3000:],
    )


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("FORKLINT_CACHE_DIR", None)
    env["NO_COLOR"] = "1"
    return env


def _wait(process: subprocess.Popen, timeout: float) -> tuple[int, int]:
    """Exit status and peak RSS (KiB, the largest of the process and its pool workers)."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, rusage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return process.returncode, rusage.ru_maxrss
        if time.monotonic() > deadline:
            process.kill()
            _, status, rusage = os.wait4(process.pid, 0)
            process.returncode = -9
            return 124, rusage.ru_maxrss
        time.sleep(0.05)


def _files_checked(stderr: str) -> int:
    """The file count of forklint's summary line (``forklint: 2 findings in 11 files; ...``)."""
    for line in reversed(stderr.splitlines()):
        found = re.search(r"\bin ([\d,]+) files?\b", line) if line.startswith("forklint:") else None
        if found:
            return int(found.group(1).replace(",", ""))
    return 0


def count_lines(tree: Path, root: str) -> int:
    total = 0
    for path in (tree / root).rglob("*.py"):
        try:
            with path.open("rb") as handle:
                total += sum(1 for _ in handle)
        except OSError:
            pass
    return total


# --- matching -------------------------------------------------------------------------


def finding_key(finding: dict) -> str:
    """What identifies a finding across runs: rule, file and job (or line's function), not the line number."""
    job = finding.get("job") or ""
    return f"{finding['code']} {finding['path']} {job.rsplit('.', 1)[-1] if job else ''}".rstrip()


def _places(finding: dict) -> list[tuple[str, str]]:
    """Where a finding is: its site and job, each hop of its chain, and the other sites of
    its root cause (the jobs a grouped finding stands for)."""
    places = [(finding["path"], finding.get("job") or "")]
    places += [(hop["path"], hop["function"]) for hop in finding.get("chain", [])]
    places += [(site["path"], site.get("job") or "") for site in finding.get("related", [])]
    return places


def _same_function(expected: str, actual: str) -> bool:
    return bool(actual) and (actual == expected or actual.endswith("." + expected))


def _same_path(expected: str, actual: str, root: str) -> bool:
    candidates = {expected, os.path.normpath(os.path.join(root, expected))}
    return os.path.normpath(actual) in candidates


def matches(expectation: Expectation, finding: dict, root: str) -> bool:
    if expectation.rule not in ("*", finding["code"]):
        return False
    if not expectation.function:
        return any(_same_path(expectation.path, path, root) for path, _ in _places(finding))
    return any(
        _same_path(expectation.path, path, root) and _same_function(expectation.function, function)
        for path, function in _places(finding)
    )


# --- one app's result -----------------------------------------------------------------


@dataclass
class AppResult:
    app: App
    missing: str = ""
    lines: int = 0
    runs: dict[str, Run] = field(default_factory=dict)
    expectations: Expectations | None = None
    workers: list[dict] = field(default_factory=list)

    def findings(self, mode: Mode) -> list[dict]:
        return self.runs[mode].findings if mode in self.runs else []

    def found(self, mode: Mode) -> list[tuple[Expectation, bool]]:
        if not self.expectations:
            return []
        return [
            (e, any(matches(e, f, self.app.root) for f in self.findings(mode)))
            for e in self.expectations.must_find
        ]

    def trap_hits(self, mode: Mode) -> list[tuple[Expectation, dict]]:
        if not self.expectations:
            return []
        return [
            (e, f)
            for e in self.expectations.must_not_find
            for f in self.findings(mode)
            if matches(e, f, self.app.root)
        ]


def check_app(corpus: Path, app: App, git_trees: Path, timeout: float) -> AppResult:
    result = AppResult(app, expectations=load_expectations(corpus, app))
    tree, why = tree_of(app, git_trees)
    if tree is None:
        result.missing = why
        return result
    result.lines = count_lines(tree, app.root)
    with tempfile.TemporaryDirectory(prefix=f"forklint-eco-{app.name}-") as cache:
        for mode in MODES:
            result.runs[mode] = run_forklint(tree, app.root, Path(cache), mode == "per-child", timeout)
        result.workers = read_workers(tree, app.root, Path(cache), timeout)
    return result


def read_workers(tree: Path, root: str, cache_dir: Path, timeout: float) -> list[dict]:
    """How forklint reads the app's workers (`forklint workers --format json`)."""
    done = subprocess.run(
        [sys.executable, "-m", "forklint", "workers", "--format", "json", "--cache-dir", str(cache_dir), root],
        cwd=tree, capture_output=True, text=True, timeout=timeout, env=_env(),
    )
    try:
        return json.loads(done.stdout) if done.returncode == 0 else []
    except json.JSONDecodeError:
        return []


def workers_table(results: list["AppResult"]) -> str:
    """App, launch line found, fork model and whether the parent is known, per worker reading."""
    rows = ["| app | framework | fork model | parent known | launch line found | jobs |", "|---|---|---|---|---|---|"]
    for r in results:
        if r.missing:
            continue
        for w in r.workers or [{"framework": "—", "fork_model": "no jobs found", "parent_known": False, "launch": None, "jobs": []}]:
            rows.append(f"| {r.app.name} | {w['framework']} | {w['fork_model']} | {'yes' if w['parent_known'] else 'no'} | "
                        f"{w['launch'] or '—'} | {len(w['jobs'])} |")
    return "\n".join(rows)


# --- the report -----------------------------------------------------------------------


def snapshot_of(results: list[AppResult]) -> dict:
    apps = {}
    for r in results:
        if r.missing:
            apps[r.app.name] = {"pin": r.app.pin, "missing": r.missing}
            continue
        cold = r.runs["default"]
        apps[r.app.name] = {
            "pin": r.app.pin,
            "files": cold.files,
            "lines": r.lines,
            "seconds": round(cold.seconds, 1),
            "max_rss_mb": round(cold.max_rss_mb),
            "exit": {mode: run.exit_code for mode, run in r.runs.items()},
            "crashed": any(run.crashed for run in r.runs.values()),
            "workers": r.workers,
            "findings": {
                mode: sorted((_kept(f) for f in run.findings), key=lambda f: (f["key"], f["line"]))
                for mode, run in r.runs.items()
            },
        }
    return {"apps": apps}


def _kept(finding: dict) -> dict:
    """What the snapshot keeps of a finding: enough to match expectations again."""
    return {
        "key": finding_key(finding), "code": finding["code"], "path": finding["path"], "line": finding["line"],
        "job": finding.get("job"), "message": finding["message"],
        "chain": [{"function": hop["function"], "path": hop["path"]} for hop in finding.get("chain", [])],
        "related": [{"path": site["path"], "job": site.get("job")} for site in finding.get("related", [])],
    }


def _from_key(kept: dict) -> dict:
    """A finding as a run reports it; an older snapshot kept only `key`, line and message
    (no chain: must-find entries that name a hop of the chain cannot match those)."""
    if "code" in kept:
        return kept
    code, path, *job = kept["key"].split(" ", 2)
    return {**kept, "code": code, "path": path, "job": job[0] if job else None, "chain": []}


def results_from_snapshot(corpus: Path, apps: list[App], snapshot: dict) -> list[AppResult]:
    """The results a snapshot recorded, to judge them again (new triage) without a run."""
    results = []
    for app in apps:
        entry = snapshot.get("apps", {}).get(app.name)
        result = AppResult(app, expectations=load_expectations(corpus, app))
        if entry is None or "missing" in entry:
            result.missing = entry["missing"] if entry else "not in the snapshot"
        else:
            result.lines = entry.get("lines", 0)
            result.workers = entry.get("workers", [])
            for mode in MODES if "exit" in entry else ():
                result.runs[mode] = Run(
                    exit_code=entry["exit"][mode], seconds=entry["seconds"] if mode == "default" else 0.0,
                    max_rss_mb=entry["max_rss_mb"] if mode == "default" else 0.0, files=entry["files"],
                    findings=[_from_key(f) for f in entry["findings"][mode]], stderr_tail="",
                )
        results.append(result)
    return results


@dataclass
class Totals:
    apps: int = 0
    missing: int = 0
    crashes: int = 0
    must_find: int = 0
    found: dict[str, int] = field(default_factory=lambda: Counter())
    trap_hits: dict[str, int] = field(default_factory=lambda: Counter())
    verdicts: dict[str, Counter] = field(default_factory=lambda: {m: Counter() for m in MODES})


def render(results: list[AppResult], triage: dict) -> tuple[str, Totals]:
    totals = Totals()
    head = "| app | pin | files | lines | cold s | RSS MB | exit | findings (default) | must-find found | traps hit | true / false / unclear / untriaged | +per-child |"
    rows = [head, "|" + "---|" * (head.count("|") - 1)]
    details: list[str] = []
    for r in results:
        totals.apps += 1
        if r.missing:
            totals.missing += 1
            rows.append(f"| {r.app.name} | {r.app.pin} | — | — | — | — | — | not run: {r.missing} | | | | |")
            continue
        cold = r.runs["default"]
        totals.crashes += any(run.crashed for run in r.runs.values())
        by_code = Counter(f["code"] for f in cold.findings)
        codes = ", ".join(f"{c} {n}" for c, n in sorted(by_code.items())) or "0"
        found = r.found("default")
        totals.must_find += len(found)
        for mode in MODES:
            totals.found[mode] += sum(hit for _, hit in r.found(mode))
            totals.trap_hits[mode] += len(r.trap_hits(mode))
            for f in r.findings(mode):
                verdict = triage.get((r.app.name, finding_key(f)), ("untriaged", ""))[0]
                totals.verdicts[mode][verdict] += 1
        v = Counter(triage.get((r.app.name, finding_key(f)), ("untriaged", ""))[0] for f in cold.findings)
        extra = len(r.findings("per-child")) - len(cold.findings)
        expected = "" if r.expectations else " (no expectations)"
        rows.append(
            f"| {r.app.name} | {r.app.pin} | {cold.files} | {r.lines:,} | {cold.seconds:.1f} | {cold.max_rss_mb:.0f} | "
            f"{'/'.join(str(run.exit_code) for run in r.runs.values())} | {codes} | "
            f"{sum(hit for _, hit in found)}/{len(found)}{expected} | {len(r.trap_hits('default'))} | "
            f"{v['true']} / {v['false']} / {v['unclear']} / {v['untriaged']} | {extra:+d} |"
        )
        details.append(_details(r, triage))
    table = "\n".join(rows)
    summary = _summary(totals)
    workers = workers_table(results)
    return f"{table}\n\n{summary}\n\n## How forklint reads the workers\n\n{workers}\n\n" + "\n".join(details), totals


def _summary(t: Totals) -> str:
    lines = [f"apps: {t.apps} ({t.missing} not run); crashes: {t.crashes}"]
    for mode in MODES:
        v = t.verdicts[mode]
        judged = sum(v.values())
        precision = f"{v['true'] / judged:.0%}" if judged else "n/a"
        recall = f"{t.found[mode] / t.must_find:.0%}" if t.must_find else "n/a"
        lines.append(
            f"{mode}: recall {t.found[mode]}/{t.must_find} ({recall}); traps hit {t.trap_hits[mode]}; "
            f"findings {judged}: {v['true']} true, {v['false']} false, {v['unclear']} unclear, "
            f"{v['untriaged']} untriaged; precision {precision}"
        )
    return "\n".join(lines)


def _details(r: AppResult, triage: dict) -> str:
    out = [f"### {r.app.name} ({r.app.pin})", ""]
    for run_mode, run in r.runs.items():
        if run.crashed:
            out += [f"CRASH ({run_mode}, exit {run.exit_code}):", "```", run.stderr_tail.strip(), "```"]
    for e, hit in r.found("default"):
        mark = "found" if hit else ("found with --per-child" if dict(r.found("per-child")).get(e) else "MISSED")
        out.append(f"- must find {e.describe()}: {mark}")
    for e, f in r.trap_hits("per-child"):
        out.append(f"- TRAP HIT {e.describe()}: {f['code']} {f['path']}:{f['line']} ({e.why})")
    default_keys = {finding_key(f) for f in r.findings("default")}
    for f in r.findings("per-child"):
        key = finding_key(f)
        verdict, why = triage.get((r.app.name, key), ("untriaged", ""))
        only = "" if key in default_keys else " [per-child only]"
        out.append(f"- finding {key} (line {f['line']}){only}: {verdict}{' — ' + why if why else ''}")
        out.append(f"  > {f['message'][:400]}")
    return "\n".join(out) + "\n"


def diff(old: dict, new: dict) -> str:
    """Only what changed between two snapshots: apps' exit codes and findings by key."""
    lines: list[str] = []
    for name in sorted(set(old.get("apps", {})) | set(new.get("apps", {}))):
        a, b = old.get("apps", {}).get(name, {}), new.get("apps", {}).get(name, {})
        if not b:
            continue  # not run this time (--only)
        if a.get("pin") != b.get("pin"):
            lines.append(f"{name}: pin {a.get('pin')} -> {b.get('pin')}")
        if a.get("exit") != b.get("exit"):
            lines.append(f"{name}: exit {a.get('exit')} -> {b.get('exit')}")
        for mode in MODES:
            before = Counter(f["key"] for f in a.get("findings", {}).get(mode, []))
            after = Counter(f["key"] for f in b.get("findings", {}).get(mode, []))
            for key in sorted(set(before) | set(after)):
                if before[key] != after[key]:
                    sign = "+" if after[key] > before[key] else "-"
                    lines.append(f"{sign} {name} [{mode}] {key}" + (f" (x{abs(after[key] - before[key])})" if abs(after[key] - before[key]) > 1 else ""))
    return "\n".join(lines) if lines else "no change against the snapshot"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="comma-separated app names")
    parser.add_argument("--corpus", type=Path, default=CORPUS_DIR, help="folder of corpus.toml, expectations, triage, snapshot")
    parser.add_argument("--git-trees", type=Path, default=DEFAULT_GIT_TREES, help="folder holding <app>/ trees of git apps")
    parser.add_argument("--diff", action="store_true", help="print only what changed against snapshot.json")
    parser.add_argument("--write", action="store_true", help="save snapshot.json and REPORT.md")
    parser.add_argument("--snapshot", type=Path, help="the snapshot to compare with and write (default: CORPUS/snapshot.json)")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per forklint run")
    parser.add_argument("--workers", action="store_true",
                        help="only read each app's workers (forklint workers) into the snapshot and print that table")
    parser.add_argument("--rejudge", action="store_true",
                        help="no run: judge the snapshot's findings again (after new triage or expectations)")
    args = parser.parse_args(argv)

    corpus = args.corpus.resolve()
    snapshot_path = args.snapshot or corpus / "snapshot.json"
    report_path = snapshot_path.with_name("REPORT.md") if args.snapshot else corpus / "REPORT.md"
    apps = load_corpus(corpus)
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {a.name for a in apps}
        if unknown:
            parser.error(f"unknown app(s): {', '.join(sorted(unknown))}")
        apps = [a for a in apps if a.name in wanted]
    old = json.loads(snapshot_path.read_text()) if snapshot_path.exists() else {}
    if args.workers:
        for app in apps:
            tree, why = tree_of(app, args.git_trees.resolve())
            entry = old.setdefault("apps", {}).setdefault(app.name, {"pin": app.pin})
            if tree is None:
                entry["missing"] = why
            else:
                with tempfile.TemporaryDirectory(prefix=f"forklint-eco-{app.name}-") as cache:
                    entry["workers"] = read_workers(tree, app.root, Path(cache), args.timeout)
        print(workers_table(results_from_snapshot(corpus, apps, old)))
        if args.write:
            snapshot_path.write_text(json.dumps(old, indent=1, sort_keys=True) + "\n")
        return 0
    if args.rejudge:
        report, totals = render(results_from_snapshot(corpus, apps, old), load_triage(corpus))
        print(report)
        if args.write:
            report_path.write_text(f"# forklint on real applications\n\ncommand: `python benchmarks/ecosystem.py --write`\n\n{report}")
        return 1 if totals.crashes else 0
    results = []
    for app in apps:
        print(f"ecosystem: {app.name} ({app.pin}) ...", file=sys.stderr, flush=True)
        results.append(check_app(corpus, app, args.git_trees.resolve(), args.timeout))
    new = snapshot_of(results)
    if args.diff:
        print(diff(old, new))
        return 0
    report, totals = render(results, load_triage(corpus))
    print(report)
    if args.write:
        if args.only:  # keep the other apps' entries; the report is written by full runs only
            old.setdefault("apps", {}).update(new["apps"])
            new = old
        else:
            report_path.write_text(f"# forklint on real applications\n\ncommand: `python benchmarks/ecosystem.py --write`\n\n{report}")
        snapshot_path.write_text(json.dumps(new, indent=1, sort_keys=True) + "\n")
    return 1 if totals.crashes else 0


if __name__ == "__main__":
    sys.exit(main())
