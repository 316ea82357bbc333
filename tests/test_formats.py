"""Output formats: text, full, json, json-lines, github, sarif; -o, colour, --statistics."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import CliRun, run_cli

from forklint.diagnostics import ChainLink, Diagnostic, Edit, Fix
from forklint.report import render, use_color
from forklint.rules.base import REGISTRY
from forklint.sources import Sources

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
EXAMPLES = REPO / "examples"
# shared/ sits beside the checkout, here and in CI.
SARIF_SCHEMA = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"


def run_forklint(*args: str, cwd: Path, env: dict[str, str] | None = None) -> CliRun:
    return run_cli(*args, cwd=cwd, env=env or {**os.environ, "NO_COLOR": "1"})


def sample(tmp_path: Path) -> tuple[Diagnostic, Sources]:
    """A finding with a chain and a fix, in a file of its own."""
    tasks = tmp_path / "tasks.py"
    tasks.write_text("def export(report_id):\n    import pandas\n    return pandas.DataFrame()\n")
    fix = Fix(
        "unsafe",
        "move `import pandas` to the top of tasks.py",
        "tasks.py",
        (Edit(1, 1, 1, 1, "import pandas\n\n\n"), Edit(2, 5, 3, 5, "")),
    )
    finding = Diagnostic(
        "FRK104", "import-in-job", "`import pandas` runs in every RQ work horse", "tasks.py", 2, 5, 2, 18,
        job="tasks.export", chain=(ChainLink("tasks.export", "tasks.py", 2),), fork_model="per-job", fix=fix,
    )
    return finding, Sources()


# -- sarif -------------------------------------------------------------------------------


def validate_sarif(log: dict) -> None:
    import jsonschema  # a test dependency: a missing install must fail here, not skip
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema)(schema).validate(log)


@pytest.mark.parametrize("project", [FIXTURES / "seed_redash", EXAMPLES / "eventlog"], ids=lambda p: p.name)
def test_sarif_of_a_project_is_valid(project: Path) -> None:
    result = run_forklint("--format", "sarif", ".", cwd=project)
    assert result.returncode == 1, result.stderr
    log = json.loads(result.stdout)
    validate_sarif(log)
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "forklint" and driver["version"] and driver["informationUri"]
    rules = {rule["id"]: rule for rule in driver["rules"]}
    assert set(rules) == set(REGISTRY)
    for code, rule in rules.items():
        assert rule["name"] == REGISTRY[code].name
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert "## Why is this bad?" in rule["help"]["markdown"]
    text = run_forklint(".", cwd=project).stdout.splitlines()
    assert len(run["results"]) == len(text)
    for result_, line in zip(run["results"], text):
        where = result_["locations"][0]["physicalLocation"]
        region = where["region"]
        assert line.startswith(f"{where['artifactLocation']['uri']}:{region['startLine']}:{region['startColumn']}: "
                               f"{result_['ruleId']} ")
        assert driver["rules"][result_["ruleIndex"]]["id"] == result_["ruleId"]
    flows = [r for r in run["results"] if r["ruleId"] == "FRK101"]
    assert flows, "the project has a FRK101 finding, with a chain"
    steps = flows[0]["codeFlows"][0]["threadFlows"][0]["locations"]
    assert len(steps) >= 2 and all(step["location"]["message"]["text"] for step in steps)


def test_sarif_fix_becomes_replacements(tmp_path: Path) -> None:
    finding, sources = sample(tmp_path)
    log = json.loads(render([finding], "sarif", sources))
    validate_sarif(log)
    (fix,) = log["runs"][0]["results"][0]["fixes"]
    assert fix["description"]["text"] == finding.fix.description
    assert fix["properties"]["applicability"] == "unsafe"
    (change,) = fix["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "tasks.py"
    assert change["replacements"] == [
        {"deletedRegion": {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1},
         "insertedContent": {"text": "import pandas\n\n\n"}},
        {"deletedRegion": {"startLine": 2, "startColumn": 5, "endLine": 3, "endColumn": 5},
         "insertedContent": {"text": ""}},
    ]


# -- json, json-lines ----------------------------------------------------------------------


def test_the_launch_line_of_the_parent_is_said_in_full_and_json() -> None:
    # rq_worker_class_cli's Procfile starts the worker: `worker: rq worker -w shop.workers.MetricsWorker ...`.
    folder = FIXTURES / "rq_worker_class_cli"
    full = run_forklint("--format", "full", ".", cwd=folder)
    parent = "= parent: rq worker -w shop.workers.MetricsWorker high default (Procfile:2)"
    assert [line.strip() for line in full.stdout.splitlines() if "= parent:" in line] == [parent, parent]
    records = json.loads(run_forklint("--format", "json", ".", cwd=folder).stdout)
    assert [r["launch"] for r in records] == [
        {"path": "Procfile", "line": 2, "command": "rq worker -w shop.workers.MetricsWorker high default"},
    ] * 2


def test_a_child_hook_finding_has_the_hook_as_its_chain() -> None:
    # FRK108 has no job: the path a reader (and the ecosystem matcher) follows starts at the hook.
    records = json.loads(run_forklint("--format", "json", ".", cwd=FIXTURES / "celery_sqlalchemy_process_init").stdout)
    [hook] = [r for r in records if r["code"] == "FRK108"]
    assert hook["chain"] == [{"function": "billing.celery_app.init_child", "path": "billing/celery_app.py", "line": 24}]


def test_json_and_json_lines_hold_the_same_records(tmp_path: Path) -> None:
    finding, sources = sample(tmp_path)
    (record,) = json.loads(render([finding], "json", sources))
    assert list(record) == [
        "code", "name", "message", "path", "line", "col", "end_line", "end_col", "job", "chain", "fork_model",
        "launch", "related", "fix",
    ]
    assert record["launch"] is None  # no launch line read for its parent
    assert record["fix"] == {
        "applicability": "unsafe",
        "description": "move `import pandas` to the top of tasks.py",
        "path": "tasks.py",
        "edits": [
            {"line": 1, "col": 1, "end_line": 1, "end_col": 1, "content": "import pandas\n\n\n"},
            {"line": 2, "col": 5, "end_line": 3, "end_col": 5, "content": ""},
        ],
    }
    lines = render([finding, finding], "json-lines", sources).splitlines()
    assert [json.loads(line) for line in lines] == [record, record]


# -- github ------------------------------------------------------------------------------


def test_github_workflow_commands() -> None:
    result = run_forklint("--format", "github", ".", cwd=FIXTURES / "rq_enqueue_forms")
    first = result.stdout.splitlines()[0]
    assert first.startswith(
        "::error title=forklint (FRK104),file=shop/tasks.py,line=10,col=5,endLine=10,endColumn=20::"
        "`import requests` runs in every RQ work horse"
    )
    # Six jobs import requests in their work horse: one root cause (the parent never loads
    # it), so one annotation that names the other five jobs.
    assert len(result.stdout.splitlines()) == 1
    assert first.endswith("the same for 5 more jobs (issue_refund, send_cart_reminder, build_daily_report and 2 more)")


def test_github_escapes_data_and_properties() -> None:
    finding = Diagnostic("FRK104", "import-in-job", "100% slower\nsee: x", "a,b:c.py", 1, 1, 1, 2)
    assert render([finding], "github") == (
        "::error title=forklint (FRK104),file=a%2Cb%3Ac.py,line=1,col=1,endLine=1,endColumn=2::100%25 slower%0Asee: x\n"
    )


# -- text, full, statistics, colour, -o ----------------------------------------------------


def test_full_shows_source_caret_chain_and_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    finding, sources = sample(tmp_path)
    chained = Diagnostic(**{**finding.__dict__, "chain": (
        ChainLink("app.enqueue_export", "app.py", 7), ChainLink("tasks.export", "tasks.py", 2))})
    assert render([chained], "full", sources) == (
        "tasks.py:2:5: FRK104 `import pandas` runs in every RQ work horse\n"
        "  |\n"
        "2 |     import pandas\n"
        "  |     ^^^^^^^^^^^^^\n"
        "  |\n"
        "  = chain: app.enqueue_export (app.py:7)\n"
        "         → tasks.export (tasks.py:2)\n"
        "  = fix (unsafe): move `import pandas` to the top of tasks.py\n"
    )


def test_full_on_a_project_puts_each_chain_hop_on_its_own_line() -> None:
    result = run_forklint("--output-format", "full", ".", cwd=EXAMPLES / "eventlog")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[1:4] == ["   |", "10 | def record_event(raw_event: dict[str, Any]) -> None:", "   |     ^^^^^^^^^^^^"]
    chain = [line for line in lines if line.startswith("   = chain: ") or line.startswith("          → ")]
    assert chain == [
        "   = chain: eventlog.tasks.record_event (eventlog/tasks.py:13)",
        "          → eventlog.models.events.Event.record (eventlog/models/events.py:135)",
    ]


def test_statistics_counts_per_code_most_first() -> None:
    findings = [
        Diagnostic(code, name, "m", "a.py", line, 1, line, 2)
        for line, (code, name) in enumerate(
            [("FRK107", "job-module-not-preloaded"), ("FRK104", "import-in-job"), ("FRK104", "import-in-job")], 1)
    ]
    assert render(findings, show_statistics=True) == "2  FRK104  import-in-job\n1  FRK107  job-module-not-preloaded\n"
    result = run_forklint("--statistics", ".", cwd=FIXTURES / "rq_enqueue_forms")
    assert (result.returncode, result.stdout) == (1, "1  FRK104  import-in-job\n")  # one root cause


def test_colour_only_on_a_terminal_without_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_color(Terminal())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_color(Terminal())
    finding = Diagnostic("FRK104", "import-in-job", "m", "a.py", 1, 1, 1, 2)
    assert render([finding], "text", color=True) == "\x1b[2ma.py\x1b[0m:1:1: \x1b[1;31mFRK104\x1b[0m m\n"


def test_output_file_gets_the_report_without_colour(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    out = tmp_path / "report.txt"
    result = run_forklint("-o", str(out), ".", cwd=FIXTURES / "rq_enqueue_forms", env=env)
    assert result.returncode == 1 and result.stdout == ""
    piped = run_forklint(".", cwd=FIXTURES / "rq_enqueue_forms", env=env).stdout  # a pipe: no colour either
    assert out.read_text() == piped and "\x1b[" not in piped
    assert piped.splitlines()[0].startswith("shop/tasks.py:10:5: FRK104 ")
