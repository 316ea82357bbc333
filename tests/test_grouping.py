"""One finding per root cause: sites of one group fold into the first, across files."""

from __future__ import annotations

from forklint.diagnostics import Diagnostic, Related
from forklint.grouping import group_findings


def _finding(path: str, line: int, job: str, group: str | None, code: str = "FRK101") -> Diagnostic:
    return Diagnostic(code, "lazy-mapper-configuration", f"{job} configures mappers", path, line, 5, line, 9,
                      job=job, group=group)


def test_sites_of_one_group_fold_into_the_first_in_report_order() -> None:
    found = group_findings([
        _finding("app/tasks/b.py", 3, "app.tasks.b.refresh", "worker.py:9"),
        _finding("app/tasks/a.py", 7, "app.tasks.a.record_event", "worker.py:9"),
        _finding("app/tasks/a.py", 20, "app.tasks.a.Import.run", "worker.py:9"),
    ])
    assert len(found) == 1
    head = found[0]
    assert (head.path, head.line) == ("app/tasks/a.py", 7)
    assert head.message.endswith("; the same for 2 more jobs (Import.run, refresh)")
    assert head.related == (
        Related("app/tasks/a.py", 20, 5, "app.tasks.a.Import.run"),
        Related("app/tasks/b.py", 3, 5, "app.tasks.b.refresh"),
    )


def test_other_groups_codes_and_ungrouped_findings_stay_apart() -> None:
    found = group_findings([
        _finding("a.py", 1, "a.one", "parent one"),
        _finding("a.py", 2, "a.two", "parent two"),
        _finding("a.py", 3, "a.three", "parent one", code="FRK107"),
        _finding("a.py", 4, "a.four", None),
        _finding("a.py", 5, "a.five", None),
    ])
    assert [(d.line, d.related) for d in found] == [(1, ()), (2, ()), (3, ()), (4, ()), (5, ())]


def test_sites_of_one_job_are_counted_as_places() -> None:
    found = group_findings([_finding("a.py", 1, "a.job", "g"), _finding("b.py", 9, "a.job", "g")])
    assert found[0].message.endswith("; the same at 1 more place")
