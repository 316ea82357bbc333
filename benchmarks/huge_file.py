"""One generated 50,000-line module: skipped by default, and parsed in bounded CPU when allowed.

Run:  python benchmarks/huge_file.py            (~20 s CPU; exit 1 if a check fails)
      python benchmarks/huge_file.py --max-cpu 60

Was a test (tests/test_bad_input.py); it took 14-20 s of a suite meant to run in
under 45 s, so it lives here with the other measurements. It runs the real CLI
(`python -m forklint --no-cache`) on a temporary project holding the module and a
small `jobs.py`, and checks:

- with the default `max-file-size-kb` (1024; the module is ~1045 KB): the module is
  reported as skipped (`generated.py:1:1: FRK000`), not parsed, beside the job finding
  in jobs.py (`jobs.py:6:5: FRK104`);
- with `max-file-size-kb = 2048`: exit 1, with the finding at the end of the generated
  module (`generated.py:<last line - 1>:5: FRK104`); jobs.py's import of the same module
  is the same root cause, grouped into it;
- each run's CPU time (user + sys of the child: a busy machine stretches wall time,
  not CPU) and its peak memory (max RSS of the largest process) are printed; the parsing
  run's CPU stays under --max-cpu seconds.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

JOBS = '''from rq.decorators import job


@job("default")
def fetch(url):
    import requests
    return requests.get(url).text
'''


def generated_module(lines_wanted: int = 50_000) -> list[str]:
    """Helpers calling each other, then one RQ job with a function-level import."""
    lines = ["import re", "from rq.decorators import job", ""]
    i = 0
    while len(lines) < lines_wanted - 6:
        lines += ["", "", f"def helper_{i}(x, y=2):", f"    '''Helper {i}.'''", f"    total = x * {i} + y",
                  f"    return helper_{i - 1}(total) if total < 0 else total"]
        i += 1
    lines += ["", "", '@job("q")', "def the_job(x):", "    import requests", "    return helper_3(x)"]
    return lines


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-cpu", type=float, default=60.0, help="fail above this many CPU seconds")
    parser.add_argument("--timeout", type=float, default=180.0, help="wall-clock limit of the run")
    args = parser.parse_args()

    lines = generated_module()
    assert len(lines) >= 50_000
    problems = []
    for limit, expected in ((None, ["generated.py:1:1: FRK000", "jobs.py:6:5: FRK104"]),
                            (2048, ["generated.py:%d:5: FRK104" % (len(lines) - 1)])):
        with tempfile.TemporaryDirectory() as tmp:
            project = Path(tmp)
            table = f"[tool.forklint]\nmax-file-size-kb = {limit}\n" if limit else ""
            (project / "pyproject.toml").write_text('[project]\nname = "huge-file"\n' + table)
            (project / "jobs.py").write_text(JOBS)
            (project / "generated.py").write_text("\n".join(lines) + "\n")
            env = {**os.environ, "NO_COLOR": "1"}
            started, cpu = time.monotonic(), _children_cpu()
            done = subprocess.run([sys.executable, "-m", "forklint", "--no-cache", "."], cwd=project,
                                  capture_output=True, text=True, timeout=args.timeout, env=env)
            wall, cpu = time.monotonic() - started, _children_cpu() - cpu
        found = sorted(" ".join(line.split(" ", 2)[:2]) for line in done.stdout.splitlines() if line.strip())
        if done.returncode != 1 or "Traceback" in done.stderr:
            problems.append(f"exit {done.returncode}, expected 1: {done.stderr.strip()[-2000:]}")
        problems += [f"missing finding {want}" for want in expected if want not in found]
        if limit and cpu >= args.max_cpu:
            problems.append(f"{cpu:.1f} s of CPU, limit {args.max_cpu:.0f} s")
        # ru_maxrss of the children: the largest one so far, which grows run to run only.
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"{len(lines):,} lines, max-file-size-kb={limit or 'default'}: {cpu:.1f} s CPU, {wall:.1f} s wall, "
              f"max RSS so far {rss:.0f} MB, findings: {found}")
    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
