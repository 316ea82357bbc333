"""Costs measured on the work itself: a regex's compile time, not the catalogue's figure."""

from __future__ import annotations

import re

from forklint.catalogue import load_catalogue
from forklint.costs import call_cost, catalogue_cost, compile_ms
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
