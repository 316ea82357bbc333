"""Everything rules read, computed once per project: jobs, parents, models, reach."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from .catalogue import Catalogue
from .diagnostics import ChainLink, Diagnostic
from .frameworks import NO_FORK, PER_CHILD, PER_JOB, Job, find_jobs
from .mappers import Models
from .prefork import Parent, ParentState, Parents, import_closure
from .project import FunctionRef, Hop, Project


@dataclass(frozen=True)
class Reached:
    """A function a job reaches, and how."""

    function: FunctionRef
    hops: tuple[Hop, ...]


class Analysis:
    def __init__(self, project: Project, catalogue: Catalogue) -> None:
        self.project = project
        self.catalogue = catalogue
        self._child_loads: dict[str, ParentState] = {}

    @cached_property
    def jobs(self) -> list[Job]:
        return find_jobs(self.project)

    @cached_property
    def models(self) -> Models:
        return Models(self.project)

    @cached_property
    def _parents(self) -> Parents:
        return Parents(self.project, self.jobs)

    def parent(self, job: Job) -> Parent:
        return self._parents.for_job(job)

    def reported_jobs(self) -> list[Job]:
        """Jobs whose child-side work is worth reporting under the current config."""
        wanted = {PER_JOB} | ({PER_CHILD} if self.project.config.report_per_child else set())
        return [job for job in self.jobs if job.fork.kind in wanted and job.fork.kind != NO_FORK]

    def reached(self, job: Job) -> list[Reached]:
        """Functions the job reaches, the job itself first, in breadth-first order."""
        chains = self.project.reachable(job.function)
        return [Reached(self.project.functions[name], hops) for name, hops in chains.items()]

    def child_loads(self, job: Job) -> ParentState:
        """Modules a child loads on the job's path (its module, callees, local imports)."""
        key = job.function.qualified
        if key not in self._child_loads:
            functions = [r.function for r in self.reached(job)]
            self._child_loads[key] = import_closure(self.project, functions)
        return self._child_loads[key]

    def child_modules(self, job: Job) -> list[str]:
        return self.child_loads(job).modules

    # -- helpers for building diagnostics --------------------------------------------------

    @staticmethod
    def how_often(job: Job) -> str:
        return f"in every {job.fork.child}" if job.fork.kind == PER_JOB else f"once per {job.fork.child}"

    def chain(self, reached: Reached, line: int) -> tuple[ChainLink, ...]:
        links = [ChainLink(h.function.qualified, h.function.module.display, h.line) for h in reached.hops]
        links.append(ChainLink(reached.function.qualified, reached.function.module.display, line))
        return tuple(links)

    @staticmethod
    def chain_text(reached: Reached, line: int) -> str:
        """`record_event (tasks.py:7) → Event.record (models/events.py:24)`."""
        steps = [(h.function, h.line) for h in reached.hops] + [(reached.function, line)]
        return " → ".join(f"{fn.facts.qualname} ({fn.module.display}:{at})" for fn, at in steps)

    def at_job(self, job: Job, code: str, name: str, message: str, chain: tuple[ChainLink, ...] = ()) -> Diagnostic:
        """A diagnostic reported at the job's `def` (name), silenced by noqa on its decorators too."""
        fn = job.function
        pos = fn.facts.name_pos
        return Diagnostic(
            code, name, message, fn.module.display, pos.line, pos.col, pos.end_line, pos.end_col,
            job=fn.qualified, chain=chain, fork_model=job.fork.kind,
            noqa_lines=tuple(range(fn.facts.pos.line, pos.line)),
        )
