"""A warm run after an edit gives exactly what a cold run gives, the edited file passed
alone (pre-commit) or the whole project: findings that appear and disappear, in the
edited file and in a file it reaches."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import run_cli

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "findings_at_job"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "p")
    return tmp_path / "p"


def _run(project: Path, cache: Path, *args: str) -> tuple[int, str]:
    result = run_cli("--cache-dir", str(cache), *args, cwd=project)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, result.stdout


def _same_warm_and_cold(project: Path, cache: Path, *paths: str) -> str:
    """Run warm (the cache filled by earlier runs) and cold; both must agree."""
    warm = _run(project, cache, "--format", "full", *paths)
    cold = _run(project, cache, "--no-cache", "--format", "full", *paths)
    assert warm == cold
    return warm[1]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_an_edit_that_removes_a_finding(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    whole = _same_warm_and_cold(project, cache, ".")
    assert "lib/text.py:6:12: FRK103" in whole
    _edit(project / "lib" / "text.py", 'def slugify(title):\n    return re.sub(r"[^a-z0-9]+", "-", title.lower())',
          '_SLUG = re.compile(r"[^a-z0-9]+")\n\n\ndef slugify(title):\n    return _SLUG.sub("-", title.lower())')
    one = _same_warm_and_cold(project, cache, "lib/text.py")
    assert "FRK103" in one and "slugify" not in one.split("FRK103")[1].split("\n")[0]
    assert ":6:12: FRK103" not in one
    assert _same_warm_and_cold(project, cache, ".") != whole


def test_an_edit_in_one_file_adds_a_finding_in_another(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _edit(project / "lib" / "text.py", "def words(text):", 'def tidy(text):\n    return re.sub(r"\\s+", " ", text)\n\n\ndef words(text):')
    whole = _same_warm_and_cold(project, cache, ".")
    assert "lib/text.py:6:12: FRK103" in whole and ":10:12: FRK103" not in whole  # tidy: no job calls it
    # The job module changes; the finding appears in lib/text.py, whose bytes did not.
    _edit(project / "app" / "jobs.py", "return body[:200]", "return tidy(body[:200])")
    _edit(project / "app" / "jobs.py", "import slugify, words", "import slugify, tidy, words")
    at_job = _same_warm_and_cold(project, cache, "app/jobs.py")
    assert "app/jobs.py:" in at_job and "lib/text.py:10" in at_job
    whole_after = _same_warm_and_cold(project, cache, ".")
    assert "lib/text.py:10:12: FRK103" in whole_after
    # And back: the call goes, so does the finding.
    _edit(project / "app" / "jobs.py", "return tidy(body[:200])", "return body[:200]")
    assert "lib/text.py:10" not in _same_warm_and_cold(project, cache, "app/jobs.py")
    assert _same_warm_and_cold(project, cache, ".") == whole
