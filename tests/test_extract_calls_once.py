"""The walk builds each call once per context: a call met as a value of another fact
(an argument, an assigned value) and again as a call is one object, unless its context
differs (a `for` loop's iterable is assigned outside the loop, called inside it)."""

from __future__ import annotations

from forklint.extract import parse_source
from forklint.facts import Call, Item

SOURCE = b"""\
import re


def clean(text, items):
    value = re.sub(r"\\s+", " ", text.strip())
    for item in load(items):
        print(item)
    return value
"""


def test_a_nested_or_assigned_call_is_the_call_in_the_list() -> None:
    (fn,) = parse_source("jobs.py", SOURCE).functions
    calls = {c.source: c for c in fn.calls}
    assigned = next(a.value for a in fn.assigns if a.target == "value")
    assert isinstance(assigned, Call) and assigned is calls["re.sub"]
    assert calls["re.sub"].args[2] is calls["text.strip"]
    assert calls["re.sub"].pos.line == 5 and calls["text.strip"].pos.col == 33


def test_a_call_in_another_context_is_its_own() -> None:
    (fn,) = parse_source("jobs.py", SOURCE).functions
    load = next(c for c in fn.calls if c.source == "load")
    iterated = next(a.value for a in fn.assigns if a.target == "item")
    assert isinstance(iterated, Item) and isinstance(iterated.of, Call)
    assert load.in_loop and not iterated.of.in_loop  # walked inside the loop, assigned before it
    assert iterated.of is not load and iterated.of.pos == load.pos
