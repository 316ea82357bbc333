"""Cached facts make re-runs fast and never change a result."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli

from forklint.engine import all_facts, lint_paths
from forklint.facts_cache import FactsCache
from forklint.sources import Sources

JOBS = """\
import re
from rq.decorators import job


@job("default")
def clean(text):
    import requests
    return re.sub(r"\\s+", " ", text)
"""


def forklint(*args: str, cwd: Path, cache: Path) -> list[str]:
    result = run_cli("--cache-dir", str(cache), *args, ".", cwd=cwd)
    assert result.returncode in (0, 1), result.stderr
    return [line.split(" ", 2)[1] + " " + line.split(" ", 1)[0] for line in result.stdout.splitlines()]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    # The regex is cheap: report it anyway, the cache is what is tested here.
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "c"\nversion = "0"\n\n[tool.forklint]\nmin-cost-ms = 0\n')
    (tmp_path / "jobs.py").write_text(JOBS)
    return tmp_path


def test_a_warm_run_reads_the_cache_and_gives_the_same_result(project: Path, tmp_path_factory) -> None:
    cache_dir = tmp_path_factory.mktemp("cache")
    cold_cache = FactsCache(cache_dir)
    paths = [project / "jobs.py"]
    cold = all_facts(paths, Sources(), cold_cache)
    assert (cold_cache.hits, cold_cache.misses) == (0, 1)
    warm_cache = FactsCache(cache_dir)
    warm = all_facts(paths, Sources(), warm_cache)
    assert (warm_cache.hits, warm_cache.misses) == (1, 0)
    assert warm == cold
    assert (cache_dir / ".gitignore").read_text().strip().endswith("*")
    uncached = lint_paths([project], use_cache=False).diagnostics
    assert lint_paths([project], cache_dir=cache_dir).diagnostics == uncached


def test_a_stale_cache_never_changes_results(project: Path, tmp_path_factory) -> None:
    cache = tmp_path_factory.mktemp("cache")
    assert forklint(cwd=project, cache=cache) == ["FRK104 jobs.py:7:5:", "FRK103 jobs.py:8:12:"]

    # 1. Edit the file: the import goes to module level.
    (project / "jobs.py").write_text(JOBS.replace("    import requests\n", "").replace("import re\n", "import re\nimport requests\n"))
    assert forklint(cwd=project, cache=cache) == ["FRK103 jobs.py:8:12:"]

    # 2. A catalogue entry: a user catalogue flags `re.sub` under another rule too.
    (project / "mine.toml").write_text(
        '[[entry]]\nid = "my-sub"\nrule = "FRK106"\nkind = "construct-per-call"\napis = ["re.sub"]\n'
        'cold-ms = 5.0\nwarm-ms = 0.1\nevidence = "https://example.org"\nfix = "none"\nsafety = "safe"\n'
        'summary = "substitutes"\nadvice = "precompile"\ndoc = "x"\n'
    )
    (project / "pyproject.toml").write_text('[project]\nname = "c"\nversion = "0"\n\n[tool.forklint]\nmin-cost-ms = 0\nextra-catalogues = ["mine.toml"]\n')
    assert forklint(cwd=project, cache=cache) == ["FRK103 jobs.py:8:12:", "FRK106 jobs.py:8:12:"]

    # 3. A config key: ignore FRK103.
    (project / "pyproject.toml").write_text(
        '[project]\nname = "c"\nversion = "0"\n\n[tool.forklint]\nmin-cost-ms = 0\nextra-catalogues = ["mine.toml"]\nignore = ["FRK103"]\n'
    )
    assert forklint(cwd=project, cache=cache) == ["FRK106 jobs.py:8:12:"]


def test_a_corrupt_cache_entry_is_ignored(project: Path, tmp_path_factory) -> None:
    cache_dir = tmp_path_factory.mktemp("cache")
    all_facts([project / "jobs.py"], Sources(), FactsCache(cache_dir))
    for entry in cache_dir.rglob("*"):
        if entry.is_file() and entry.name != ".gitignore":
            entry.write_bytes(b"not a pickle")
    assert forklint(cwd=project, cache=cache_dir) == ["FRK104 jobs.py:7:5:", "FRK103 jobs.py:8:12:"]


def test_many_files_are_parsed_in_parallel_in_a_stable_order(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "many"\nversion = "0"\n')
    for i in range(120):
        (tmp_path / f"m{i:03}.py").write_text(f"import re\n\n\ndef f{i}():\n    return re.compile(r'{i}')\n")
    paths = sorted(tmp_path.glob("*.py"))
    parallel = all_facts(paths, Sources(), None)
    assert list(parallel) == paths
    assert all(parallel[p] == all_facts([p], Sources(), None)[p] for p in paths[:5])
