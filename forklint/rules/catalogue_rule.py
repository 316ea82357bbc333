"""The shared check of the catalogue-driven rules: a catalogue call on a job's path."""

from __future__ import annotations

from typing import Iterator

from ..analysis import Analysis, Reached
from ..catalogue import Entry
from .. import plans
from ..diagnostics import Diagnostic
from ..fix.plan import FixPlan
from ..facts import Call
from ..frameworks import Job
from .base import Rule

# The constant's name, after the function's: `SCRUB_COMMENT_PATTERN`.
HOIST_NAMES = {
    "re-compile": "PATTERN", "re-module-function": "PATTERN", "jinja2-template-from-source": "TEMPLATE",
    "jinja2-environment-in-job": "ENV", "django-template-from-source": "TEMPLATE",
    "jsonschema-validator-in-job": "VALIDATOR", "pydantic-type-adapter": "ADAPTER",
    "pydantic-create-model": "MODEL", "ctypes-find-library": "LIBRARY", "load-constant-path": "DATA",
    "zoneinfo-first-lookup": "ZONE",
}

class CatalogueCallRule(Rule):
    """Reports calls on a job's path that match this rule's catalogue entries."""

    def check(self, analysis: Analysis) -> Iterator[Diagnostic]:
        seen: set[tuple[str, int, int]] = set()
        for job in analysis.reported_jobs():
            parent = analysis.parent(job)
            for reached in analysis.reached(job):
                fn = reached.function
                for call in fn.facts.calls:
                    entry = analysis.entry_for(fn, fn.module, call, self.code)
                    if entry is None or not self.worth_reporting(analysis, job, reached, call, entry):
                        continue
                    if entry.kind == "first-use" and analysis.parent_warmed(parent, entry):
                        continue
                    key = (fn.module.display, call.pos.line, call.pos.col)
                    if key in seen:
                        continue
                    seen.add(key)
                    yield self.diagnostic(analysis, job, reached, call, entry)

    def worth_reporting(self, analysis: Analysis, job: Job, reached: Reached, call: Call, entry: Entry) -> bool:
        fn = reached.function
        return (
            entry.reported
            and job.framework not in entry.skip_frameworks
            and analysis.constant_args(entry, fn.module, fn, call)
            and analysis.entry_fits(entry, fn.module, fn, call)
            and analysis.worth_reporting(analysis.cost(entry, fn.module, call, fn), job)
        )

    def diagnostic(self, analysis: Analysis, job: Job, reached: Reached, call: Call, entry: Entry) -> Diagnostic:
        chain = analysis.chain(reached, call.pos.line)
        cost = analysis.cost(entry, reached.function.module, call, reached.function).text()
        message = (
            f"{call.source}(...) {entry.summary} {analysis.how_often(job)}"
            f"{f' ({cost})' if cost else ''}; {entry.advice} (job {job.function.facts.qualname}, via "
            f"{analysis.chain_text(reached, call.pos.line)})"
        )
        pos = call.pos
        # Where the entry's warm-up is one fixed statement (`get_resolver().reverse_dict`), it
        # fixes every site at once: one finding per parent. Per-argument first uses (a zone,
        # a template by name) stay apart.
        group = f"{analysis.parent_id(job)}: {entry.id}" if entry.kind == "first-use" and entry.warm_up else None
        return Diagnostic(
            self.code, self.name, message, reached.function.module.display, pos.line, pos.col,
            pos.end_line, pos.end_col, job=job.function.qualified, chain=chain, fork_model=job.fork.kind,
            plan=self.plan(analysis, job, reached, call, entry), group=group,
        )

    def plan(self, analysis: Analysis, job: Job, reached: Reached, call: Call, entry: Entry) -> FixPlan | None:
        """Hoist constant constructions; warm first-use work in the parent; else say what to do."""
        fn = reached.function
        if entry.safety != "safe":
            return None
        if entry.fix == "hoist" and entry.kind == "construct-per-call":
            api = analysis.api(fn, fn.module, call) or ""
            regex_function = api.startswith(("re.", "regex.")) and api.rpartition(".")[2] != "compile"
            arguments = [*call.args, *(v for _, v in call.kwargs)]
            # The whole call moves, so all of it must be constant at module level too
            # (re.<function> moves its pattern only: the rest stays at the call).
            moved = arguments[:1] if regex_function else arguments
            if all(analysis.constant(fn.module, fn, a, movable=True) for a in moved):
                return plans.hoist(fn, call, api, entry.hoist_name or HOIST_NAMES.get(entry.id, "VALUE"))
            return None
        if entry.fix == "warm-in-parent" and entry.warm_up:
            return plans.in_parent(analysis, job, [*entry.warm_up_imports, entry.warm_up], f"warm it up: {entry.warm_up}")
        return None
