"""The catalogue's library entries: each is measured or cited, and clients are never warmed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from forklint.catalogue import load_catalogue

ROOT = Path(__file__).resolve().parent.parent
LIBRARY_FILES = ("rules/ml.toml", "rules/parsers.toml")


def forklint(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "forklint", *args], cwd=ROOT, capture_output=True, text=True)


LIBRARY_ENTRIES = [e for e in load_catalogue().entries if e.source in LIBRARY_FILES]


@pytest.mark.parametrize("entry", LIBRARY_ENTRIES, ids=lambda e: e.id)
def test_every_library_entry_has_a_measured_cost_and_evidence(entry) -> None:
    assert entry.evidence.startswith("https://"), entry.id
    assert entry.cold_ms > 0 or " ms " in entry.doc, f"{entry.id}: no cost, neither cold-ms nor a figure in its doc"
    assert "benchmarks/catalogue_costs.py" in entry.doc, f"{entry.id}: doc does not say how it was measured"
    if entry.safety == "unsafe":
        assert entry.fix != "warm-in-parent" or entry.warm_up is None, entry.id


def test_library_entries_show_on_the_rule_pages() -> None:
    page = forklint("rule", "FRK106").stdout
    for entry in LIBRARY_ENTRIES:
        if entry.reported and entry.rule == "FRK106":
            assert f"| {entry.id} |" in page
    unsafe = forklint("rule", "FRK901").stdout
    for entry_id in ("unsafe-mongo-client", "unsafe-kafka-client", "unsafe-db-pool", "unsafe-onnxruntime-session", "unsafe-openmp-model"):
        assert f"| {entry_id} |" in unsafe


def test_a_redis_client_singleton_is_built_in_the_child_not_warmed_in_the_parent() -> None:
    # A client built once per child is what a per-job child should do (issue 15): the
    # singleton is neither reported nor offered a warm-up in the parent.
    out = forklint("fixtures/catalogue_clients").stdout
    assert not [line for line in out.splitlines() if "crm/cache.py" in line and ": FRK105 " in line], out
