"""The ecosystem harness on a small offline corpus: fixture projects stand in for apps."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "ecosystem.py"

CORPUS = """
[apps.eventlog]
kind = "git"
repo = "example/eventlog"
commit = "0000000000000000000000000000000000000001"

[apps.missing]
kind = "git"
repo = "example/missing"
commit = "0000000000000000000000000000000000000002"
"""
EXPECTATIONS = """
[app]
name = "eventlog"

[[must_find]]
rule = "FRK101"
path = "eventlog/tasks.py"
function = "record_event"
why = "configures every mapper per work horse"

[[must_find]]
rule = "FRK104"
path = "eventlog/tasks.py"
function = "record_event"
why = "a deliberate miss: this rule does not fire here"

[[must_not_find]]
rule = "*"
path = "eventlog/models/events.py"
function = "Event.record"
why = "a deliberate trap: the chain passes through it"
"""
TRIAGE = """
[[finding]]
key = "FRK101 eventlog/tasks.py record_event"
verdict = "true"
why = "configure_mappers() per work horse"

[[finding]]
key = "FRK107 eventlog/tasks.py record_event"
verdict = "false"
why = "judged false here only to exercise the count"
"""


def _run(corpus: Path, trees: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--corpus", str(corpus), "--git-trees", str(trees), *args],
        capture_output=True, text=True, timeout=600,
    )


def test_recall_traps_precision_and_diff(tmp_path: Path) -> None:
    corpus, trees = tmp_path / "corpus", tmp_path / "trees"
    (corpus / "triage").mkdir(parents=True)
    trees.mkdir()
    (trees / "eventlog").symlink_to(ROOT / "examples" / "eventlog")
    (corpus / "corpus.toml").write_text(CORPUS)
    (corpus / "eventlog.toml").write_text(EXPECTATIONS)
    (corpus / "triage" / "eventlog.toml").write_text(TRIAGE)

    done = _run(corpus, trees, "--write")
    assert done.returncode == 0, done.stderr
    report = done.stdout
    assert "not run: no tree at" in report  # what it could not get, it says, and goes on
    assert "- must find FRK101 eventlog/tasks.py:record_event: found" in report
    assert "- must find FRK104 eventlog/tasks.py:record_event: MISSED" in report
    assert "TRAP HIT * eventlog/models/events.py:Event.record" in report
    assert "default: recall 1/2 (50%); traps hit 1; findings 2: 1 true, 1 false, 0 unclear, 0 untriaged; precision 50%" in report

    snapshot = json.loads((corpus / "snapshot.json").read_text())
    assert [f["key"] for f in snapshot["apps"]["eventlog"]["findings"]["default"]] == [
        "FRK101 eventlog/tasks.py record_event", "FRK107 eventlog/tasks.py record_event",
    ]
    assert _run(corpus, trees, "--diff").stdout.strip() == "no change against the snapshot"

    # A finding that goes away shows in --diff.
    snapshot["apps"]["eventlog"]["findings"]["default"].append({"key": "FRK103 eventlog/tasks.py gone", "line": 1, "message": ""})
    (corpus / "snapshot.json").write_text(json.dumps(snapshot))
    assert _run(corpus, trees, "--diff").stdout.strip() == "- eventlog [default] FRK103 eventlog/tasks.py gone"
