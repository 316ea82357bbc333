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


def _objects(value: object) -> int:
    """How many distinct objects (by identity) a facts graph holds."""
    seen: set[int] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        stack.extend(item.__dict__.values() if hasattr(item, "__dict__") else item if isinstance(item, tuple) else ())
    return len(seen)


def test_equal_parts_of_a_files_facts_are_one_object(tmp_path: Path) -> None:
    from forklint.facts import Const, Dotted, Seq
    from forklint.facts_cache import shared

    parts = Seq((Dotted("self"), Dotted("self"), Const(1), Const(True), Const(0.0), Const(-0.0), Seq((Dotted("self"),))))
    one = shared(parts)
    assert one == parts
    assert one.items[0] is one.items[1] is one.items[6].items[0]
    assert type(one.items[3].value) is bool and one.items[2] is not one.items[3]  # 1 == True, but not the same
    assert str(one.items[5].value) == "-0.0"  # -0.0 == 0.0, but not the same

    # A parsed file's facts, as the run uses them, hold each value once: cold or warm alike.
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "s"\nversion = "0"\n')
    (tmp_path / "jobs.py").write_text(JOBS + "\n\ndef again(text):\n    return re.sub(r'\\s+', ' ', text)\n")
    paths = [tmp_path / "jobs.py"]
    cache = FactsCache(tmp_path / "cache")
    cold = all_facts(paths, Sources(), cache)[paths[0]]
    warm = all_facts(paths, Sources(), FactsCache(tmp_path / "cache"))[paths[0]]
    assert cache.misses == 1 and warm == cold
    subs = [c.func for facts in (cold, warm) for fn in facts.functions for c in fn.calls if c.source == "re.sub"]
    assert len(subs) == 4 and subs[0] is subs[1] and subs[2] is subs[3]  # in `clean` and in `again`
    assert _objects(warm) == _objects(cold)
