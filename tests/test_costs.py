"""Costs measured on the work itself: a regex's compile time, not the catalogue's figure."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import CliRun, run_cli

from forklint.config import ConfigError, parse_table
from forklint.catalogue import CatalogueError, load_catalogue
from forklint.costs import call_cost, catalogue_cost, compile_ms, import_time_ms, jinja2_compile_ms
from forklint.facts import Const, Dotted

# Django's URLValidator host part: case-insensitive Unicode ranges are what costs.
URL = r"(?:[a-z0-9\u00a1-\uffff](?:[a-z0-9\u00a1-\uffff-]{0,61}[a-z0-9\u00a1-\uffff])?\.)+[a-z\u00a1-\uffff]{2,63}"


def _entry(entry_id: str):
    entry = load_catalogue().entry(entry_id)
    assert entry is not None
    return entry


def test_a_trivial_pattern_costs_hundredths_of_a_millisecond() -> None:
    assert compile_ms(r"^x\d{3,4}$") < 0.5
    assert compile_ms("_tests$") < 0.5


def test_a_large_pattern_costs_milliseconds_and_flags_count() -> None:
    assert compile_ms(URL, int(re.IGNORECASE)) > 2.0
    assert compile_ms(URL, int(re.IGNORECASE)) > compile_ms(URL)


def test_a_pattern_that_does_not_compile_is_not_measured() -> None:
    assert compile_ms(r"(unclosed") is None


def test_literal_patterns_are_measured_and_say_so() -> None:
    entry = _entry("re-module-function")
    cost = call_cost(entry, (Const(r"\s+"), Dotted("text")), ())
    assert cost.source == "measured" and cost.saving_ms < 0.5
    assert cost.text().endswith("measured here")
    flagged = call_cost(entry, (Const(URL), Dotted("text"), Dotted("re.I")), ())
    assert flagged.saving_ms > call_cost(entry, (Const(URL), Dotted("text")), ()).saving_ms


def test_patterns_not_written_as_literals_keep_the_catalogue_figure() -> None:
    entry = _entry("re-compile")
    assert call_cost(entry, (Dotted("PATTERN"),), ()) == catalogue_cost(entry)
    assert "warm" in catalogue_cost(entry).text()


def test_entries_without_a_measure_keep_the_catalogue_figure() -> None:
    entry = _entry("strptime-first-call")
    assert call_cost(entry, (Const("2000-01-01"), Const("%Y-%m-%d")), ()) == catalogue_cost(entry)


# A page-sized Jinja2 template: loops, conditions and filters, as an e-mail body has.
PAGE = "{% for x in items %}{% if x.a %}{{ x.b|upper }}{% else %}{{ x.c|e }}{% endif %}{% endfor %}\n" * 20


def test_a_jinja2_template_costs_what_its_source_takes_to_compile() -> None:
    tiny = jinja2_compile_ms("{{ name }}")
    page = jinja2_compile_ms(PAGE)
    assert tiny is not None and page is not None
    assert page > 3.0 and page > 3 * tiny  # the catalogue's one figure (17.8 ms) fits neither
    assert jinja2_compile_ms("{% for x in %}") is None


def test_literal_jinja2_sources_are_measured_and_say_so() -> None:
    entry = _entry("jinja2-template-from-source")
    cost = call_cost(entry, (Const(PAGE),), ())
    assert cost.source == "measured" and cost.text().endswith("measured here")
    assert call_cost(entry, (Dotted("BODY"),), ()) == catalogue_cost(entry)


# -- the floor: how often a cost is paid decides whether it is worth a finding ------------

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def test_a_long_lived_child_has_its_own_floor_and_it_is_configurable(tmp_path: Path) -> None:
    config = parse_table({}, root=tmp_path, source="pyproject.toml")
    assert config.min_cost_ms == 1.0 and config.min_cost_per_child_ms == 50.0
    config = parse_table({"min-cost-per-child-ms": 5}, root=tmp_path, source="pyproject.toml")
    assert config.min_cost_per_child_ms == 5.0 and config.min_cost_ms == 1.0
    with pytest.raises(ConfigError, match="min-cost-per-child-ms must be a number >= 0"):
        parse_table({"min-cost-per-child-ms": -1}, root=tmp_path, source="pyproject.toml")


def test_show_cheap_shows_what_a_long_lived_child_pays_once() -> None:
    folder = FIXTURES / "cost_per_child_floor"
    assert _codes_at(run_cli(".", cwd=folder)) == ["billing/tasks.py:25:10: FRK106", "billing/tasks.py:32:15: FRK106"]
    cheap = _codes_at(run_cli("--show-cheap", ".", cwd=folder))
    assert "billing/tasks.py:16:12: FRK106" in cheap and "billing/tasks.py:17:15: FRK106" in cheap
    assert "billing/tasks.py:18:12: FRK103" in cheap


def _codes_at(result: CliRun) -> list[str]:
    return [line.partition(" ")[0] + " " + line.split(" ")[1] for line in result.stdout.splitlines()]


def test_an_import_that_breaks_a_cycle_is_advised_to_the_parent_not_the_top() -> None:
    result = run_cli("--format", "full", ".", cwd=FIXTURES / "cost_frk104_guarded_and_cycle")
    cycle = next(block for block in result.stdout.split("\n\n") if "shop.reports import render" in block)
    assert "breaks an import cycle (shop.reports imports shop.jobs)" in cycle
    assert "move it to the top" not in cycle and "fix (safe): import shop.reports in worker.py" in cycle
    assert "orjson" not in result.stdout  # try/except ImportError: an optional dependency, on purpose


# -- knowledge of when an entry's cost and advice fit the call: catalogue data -----------

def test_fast_paths_and_missed_warm_ups_are_catalogue_data() -> None:
    catalogue = load_catalogue()
    assert catalogue.entry("pytz-timezone").no_work_when == (((0, "zone"), ("UTC", "utc", "Utc")),)
    assert catalogue.entry("django-url-resolver").warm_up_misses == ("urlconf",)
    assert catalogue.entry("markdown-instance-per-call").constant_args == ("extensions",)


def test_a_malformed_fast_path_is_a_catalogue_error(tmp_path: Path) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text(
        '[[entry]]\nid = "mine"\nrule = "FRK106"\nkind = "first-use"\napis = ["x.y"]\ncold-ms = 1\nwarm-ms = 0\n'
        'evidence = "https://x"\nfix = "none"\nsafety = "safe"\nsummary = "s"\nadvice = "a"\ndoc = "d"\n'
        'no-work-when = [{ argument = 0 }]\n'
    )
    with pytest.raises(CatalogueError, match="no-work-when must be"):
        load_catalogue(("mine.toml",), root=tmp_path)


def test_patterns_built_from_constants_are_measured_like_literals() -> None:
    folder = FIXTURES / "cost_regex_built_from_constants"
    found = run_cli(".", cwd=folder).stdout.splitlines()
    assert [line.split(" ")[0] for line in found] == ["certs/jobs.py:24:13:", "certs/jobs.py:25:13:"]
    assert all("measured here" in line for line in found)
    # The f-string and the `+` of constants are cheap, measured, not the catalogue's 41 ms.
    cheap = [line for line in run_cli("--show-cheap", ".", cwd=folder).stdout.splitlines() if ":16:" in line or ":17:" in line]
    assert len(cheap) == 2 and all("measured here" in line for line in cheap)


# -- imports: measured once where installed, else the catalogue's figure ------------------

IMPORTTIME = """import time: self [us] | cumulative | imported package
import time:       310 |        310 |     yaml.error
import time:      2100 |      32443 | yaml
"""


def test_the_import_time_is_the_modules_cumulative_figure() -> None:
    assert import_time_ms(IMPORTTIME, "yaml") == 32.443
    assert import_time_ms(IMPORTTIME, "yaml.error") == 0.31
    assert import_time_ms(IMPORTTIME, "json") is None


def _job_importing(tmp_path: Path, module: str) -> Path:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "imp"\nversion = "0"\n')
    (tmp_path / "worker.py").write_text(
        "from redis import Redis\nfrom rq import Queue, Worker\n\nimport jobs  # noqa: F401\n\n"
        "Worker([Queue('default', connection=Redis())]).work()\n"
    )
    (tmp_path / "jobs.py").write_text(
        f"from rq.decorators import job\n\n\n@job('default')\ndef convert(text):\n    import {module}\n\n    return {module}.safe_load(text)\n"
    )
    return tmp_path


def test_an_installed_import_is_measured_once_and_the_floor_applies(tmp_path: Path, monkeypatch) -> None:
    import forklint.costs as costs

    measured: list[str] = []
    figure = {"yaml": 30.0}
    monkeypatch.setattr(costs, "_measure_import", lambda module: measured.append(module) or figure[module])
    monkeypatch.setattr(costs, "_MEASURED", {})
    project = _job_importing(tmp_path, "yaml")
    found = run_cli(".", cwd=project).stdout
    assert "jobs.py:6:5: FRK104" in found and "~30 ms per child, measured here" in found
    assert run_cli(".", cwd=project).stdout == found and measured == ["yaml"]  # kept in the cache folder
    monkeypatch.setattr(costs, "_MEASURED", {})  # a new process, and a new package version:
    figure["yaml"] = 0.3
    assert "FRK104" not in run_cli("--no-cache", ".", cwd=project).stdout  # under the 1 ms floor
    assert "FRK104" in run_cli("--no-cache", "--show-cheap", ".", cwd=project).stdout


def test_an_import_not_installed_here_is_never_dropped_as_noise(tmp_path: Path) -> None:
    project = _job_importing(tmp_path, "not_installed_anywhere")
    assert "jobs.py:6:5: FRK104" in run_cli(".", cwd=project).stdout
