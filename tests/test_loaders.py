"""Memoised loaders (FRK105) and set-up re-run in a child hook (FRK108): what the messages
and fixes say, beyond the positions the fixtures pin."""

from __future__ import annotations

from pathlib import Path

from forklint.engine import lint_paths
from forklint.fix import DisplayOnly, Insert

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def findings(case: str, code: str):
    return [d for d in lint_paths([FIXTURES / case], use_cache=False).diagnostics if d.code == code]


def test_each_constant_call_the_parent_does_not_make_is_warmed_with_its_arguments() -> None:
    grammar = next(d for d in findings("frk105_loader_params", "FRK105") if d.path.endswith("grammar.py"))
    # DEFAULT_DIALECT holds "mysql"; the parent already calls expression_parser("postgres").
    assert "call expression_parser('mysql') once in" in grammar.message
    assert "'postgres'" not in grammar.message
    assert isinstance(grammar.plan, Insert)
    assert grammar.plan.statements == ("from reports.grammar import expression_parser", "expression_parser('mysql')")


def test_a_dict_cache_is_warmed_by_calling_its_getter_with_the_key() -> None:
    schemas = next(d for d in findings("frk105_loader_params", "FRK105") if d.path.endswith("schemas.py"))
    assert schemas.message.startswith("dict cache schema_for() is first filled")
    assert "schema_for('invoice')" in schemas.plan.statements


def test_a_loader_that_parses_a_data_file_is_reported_whatever_its_size() -> None:
    # json.loads(path.read_text()) is a data file's parse: its cost is the file's, never below the floor.
    tax = next(d for d in findings("frk105_caches", "FRK105") if d.line == 22)
    assert "(parses the text of a data file)" in tax.message


def test_a_rerun_set_up_is_reported_once_at_the_hook_with_what_it_repeats() -> None:
    [rerun] = findings("frk108_setup_rerun", "FRK108")
    assert rerun.message.startswith("load_environment() re-runs project set-up the worker's parent already ran")
    assert "parses the same config or data file" in rerun.message
    # Removing the repeat may drop something the hook meant to renew: shown, never applied.
    assert isinstance(rerun.plan, DisplayOnly)


def test_a_cached_property_of_a_module_level_instance_is_warmed_by_reading_it() -> None:
    synonyms = next(d for d in findings("frk105_cached_members", "FRK105") if d.line == 17)
    assert synonyms.message.startswith("cached property SearchService.synonyms is first filled")
    # Read in a method the job calls on the instance: the chain goes through it.
    assert "→ SearchService.expand (" in synonyms.message
    assert isinstance(synonyms.plan, Insert)
    assert synonyms.plan.statements[:2] == (
        "from catalog.search import SEARCH", "SEARCH.synonyms  # fills the cached property before the fork")


def test_a_cached_method_is_warmed_through_the_instance_or_class_the_job_calls_it_on() -> None:
    by_line = {d.line: d for d in findings("frk105_cached_members", "FRK105")}
    assert "call SEARCH.stemmer('english') once in" in by_line[22].message
    assert by_line[22].plan.statements == ("from catalog.search import SEARCH", "SEARCH.stemmer('english')")
    assert by_line[32].plan.statements == ("from catalog.search import Feeds", "Feeds.schema('product-feed')")
    assert "call Feeds.hyphenator('de_DE') once in" in by_line[37].message
