"""One finding per root cause.

Rules report each site where the work happens (each job whose work horse configures the
mappers), so that `# noqa`, baselines and fixes work site by site. What a user must change
is often one thing for many sites: the parent that lacks `configure_mappers()`, the job
module the worker does not import. A rule names that thing as the diagnostic's `group`;
here the sites of one group become one finding, reported at its first site, with the
others listed (`related`) and counted in the message. Grouping runs last, after `# noqa`
and the baseline have taken out the sites they silence.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from .diagnostics import Diagnostic, Related

_NAMED = 3  # jobs named in the message; the rest are counted


def group_findings(diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]:
    """The findings with each group folded into its first site (in report order)."""
    heads: dict[tuple[str, str], int] = {}
    members: dict[int, list[Diagnostic]] = {}
    out: list[Diagnostic] = []
    for d in sorted(diagnostics, key=lambda d: d.sort_key):
        key = (d.code, d.group) if d.group is not None else None
        if key is not None and key in heads:
            members[heads[key]].append(d)
            continue
        if key is not None:
            heads[key] = len(out)
            members[len(out)] = []
        out.append(d)
    for index, others in members.items():
        if others:
            out[index] = _fold(out[index], others)
    return out


def _fold(head: Diagnostic, others: list[Diagnostic]) -> Diagnostic:
    jobs = list(dict.fromkeys(_short(o.job) for o in others if o.job and o.job != head.job))
    if jobs:
        named = ", ".join(jobs[:_NAMED]) + (f" and {len(jobs) - _NAMED} more" if len(jobs) > _NAMED else "")
        more = f"the same for {len(jobs)} more job{'s' if len(jobs) > 1 else ''} ({named})"
    else:
        more = f"the same at {len(others)} more place{'s' if len(others) > 1 else ''}"
    related = tuple(Related(o.path, o.line, o.col, o.job) for o in others)
    return replace(head, message=f"{head.message}; {more}", related=head.related + related)


def _short(qualified: str) -> str:
    """`pkg.tasks.record_event` → `record_event`; `pkg.tasks.Import.run` → `Import.run`."""
    parts = qualified.split(".")
    return ".".join(parts[-2:]) if len(parts) > 1 and parts[-2][:1].isupper() else parts[-1]
