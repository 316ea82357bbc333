"""Rule docs come from one source; the catalogue is data a user can extend."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from conftest import CliRun, run_cli

from forklint import docs
from forklint.rules import REGISTRY

ROOT = Path(__file__).resolve().parent.parent


def forklint(*args: str, cwd: Path = ROOT) -> CliRun:
    return run_cli(*args, cwd=cwd, env=os.environ)


def test_readme_rule_table_is_generated() -> None:
    readme = (ROOT / "README.md").read_text()
    table = readme.split("<!-- rules-table:start -->\n", 1)[1].split("<!-- rules-table:end -->", 1)[0]
    assert table == docs.rules_table(), "run: python -c 'from forklint import docs; print(docs.rules_table())'"


# FRK000 and FRK100 are about the tool itself; FRK901 is about correctness, not time.
COSTED = sorted(code for code in REGISTRY if re.fullmatch(r"FRK1(0[1-9]|[1-9]\d)", code))


@pytest.mark.parametrize("code", COSTED)
def test_every_cost_rule_page_has_a_measured_cost_and_evidence(code: str) -> None:
    page = forklint("rule", code)
    assert page.returncode == 0
    text = page.stdout
    assert text.startswith(f"# {REGISTRY[code].name} ({code})")
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety", "## Applies to"):
        assert section in text, section
    assert re.search(r"\d+(\.\d+)? ms", text), "no measured cost"
    assert "https://" in text, "no evidence link"


def test_rules_lists_every_rule() -> None:
    listing = forklint("rules").stdout
    for code, rule in REGISTRY.items():
        assert f"| {code} | {rule.name} |" in listing


def test_a_user_catalogue_entry_flags_a_new_api(tmp_path: Path) -> None:
    (tmp_path / "tasks.py").write_text(
        "import geoip2.database\nfrom rq.decorators import job\n\n\n@job('default')\n"
        "def locate(ip):\n    reader = geoip2.database.Reader('GeoLite2-City.mmdb')\n    return reader.city(ip)\n"
    )
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "geo"\nversion = "0"\n')
    assert forklint(".", cwd=tmp_path).returncode == 0  # not in the built-in catalogue
    (tmp_path / "geo.toml").write_text(
        'area = "geoip2"\n\n[[entry]]\nid = "geoip2-reader"\nrule = "FRK106"\nkind = "construct-per-call"\n'
        'apis = ["geoip2.database.Reader"]\nconstant-args = [0]\ncold-ms = 80.0\nwarm-ms = 0.1\n'
        'evidence = "https://example.org/geoip2-bench"\nfix = "hoist"\nsafety = "safe"\n'
        'summary = "opens and maps the GeoIP database"\nadvice = "open the reader once at module level"\n'
        'doc = "Opening the database parses its metadata tree."\n'
    )
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "geo"\nversion = "0"\n\n[tool.forklint]\nextra-catalogues = ["geo.toml"]\n'
    )
    result = forklint(".", cwd=tmp_path)
    assert result.returncode == 1
    assert "tasks.py:7:14: FRK106 [*] geoip2.database.Reader(...) opens and maps the GeoIP database" in result.stdout
    assert "~80 ms per child cold" in result.stdout


def test_a_bad_catalogue_entry_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text('[[entry]]\nid = "oops"\nrule = "FRK106"\n')
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.forklint]\nextra-catalogues = ["bad.toml"]\n')
    (tmp_path / "a.py").write_text("x = 1\n")
    result = forklint(".", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "bad.toml: entry 'oops': missing key 'kind'" in result.stderr


@pytest.mark.parametrize("body", ["entry = 3\n", "returns = 3\n"])
def test_a_catalogue_of_the_wrong_shape_is_one_line_and_exit_2(body: str, tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text(body)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.forklint]\nextra-catalogues = ["bad.toml"]\n')
    (tmp_path / "a.py").write_text("x = 1\n")
    result = forklint(".", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("forklint: error:") and "bad.toml" in result.stderr
