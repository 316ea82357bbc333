"""Everything rules read, computed once per project: jobs, parents, models, reach."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from .catalogue import Catalogue, Entry
from .costs import Cost, call_cost
from .diagnostics import ChainLink, Diagnostic, FixPlan
from .facts import Call, Dotted, Val, is_constant
from .frameworks import NO_FORK, PER_CHILD, PER_JOB, Job, find_jobs
from .mappers import Models
from .prefork import Parent, ParentState, Parents, import_closure
from .project import FunctionRef, Hop, Module, Project

# Calls whose result is as constant as their arguments: `open("model.pkl", "rb")`.
_CONSTANT_CALLS = frozenset({"open", "pathlib.Path", "os.path.join", "io.open", "lxml.etree.parse"})


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

    # -- the catalogue ---------------------------------------------------------------------

    @cached_property
    def _apis(self) -> dict[str, dict[str, Entry]]:
        tables: dict[str, dict[str, Entry]] = {}
        for entry in self.catalogue.entries:
            table = tables.setdefault(entry.rule, {})
            for api in entry.apis:
                table.setdefault(api, entry)
        return tables

    def api(self, fn: FunctionRef | None, module: Module, call: Call) -> str | None:
        """The call's target in the catalogue's spelling."""
        target = self.project.call_target(fn, module, call)
        return self.catalogue.api_name(target) if target else None

    def entry_for(self, fn: FunctionRef | None, module: Module, call: Call, rule: str) -> Entry | None:
        api = self.api(fn, module, call)
        return self._apis.get(rule, {}).get(api) if api else None

    def unsafe_entry(self, api: str) -> Entry | None:
        return self._apis.get("FRK901", {}).get(api)

    def constant(self, module: Module, fn: FunctionRef | None, value: Val | None, depth: int = 0) -> bool:
        """A literal, a module-level constant name, or `open("x")` of literals."""
        if value is None or depth > 3:
            return False
        if is_constant(value):
            return True
        if isinstance(value, Dotted) and "." not in value.name:
            if fn is not None and (value.name in fn.facts.params or any(a.target == value.name for a in fn.facts.assigns)):
                return False
            assigns = [a for a in module.facts.assigns if a.target == value.name]
            return len(assigns) == 1 and self.constant(module, None, assigns[0].value, depth + 1)
        if isinstance(value, Call):
            target = self.project.call_target(fn, module, value)
            return target in _CONSTANT_CALLS and all(self.constant(module, fn, a, depth + 1) for a in value.args)
        return False

    def constant_args(self, entry: Entry, module: Module, fn: FunctionRef | None, call: Call) -> bool:
        if not entry.constant_args:
            return True
        return all(self.constant(module, fn, _argument(call, i)) for i in entry.constant_args)

    def cost(self, entry: Entry, module: Module, call: Call) -> Cost:
        """What this call's work costs per child: measured on the call where its entry allows
        (a module constant passed by name is measured as the literal it holds)."""
        args = tuple(self._literal(module, a) for a in call.args)
        kwargs = tuple((k, self._literal(module, v)) for k, v in call.kwargs)
        return call_cost(entry, args, kwargs)

    @staticmethod
    def _literal(module: Module, value: Val) -> Val:
        if isinstance(value, Dotted) and "." not in value.name:
            assigns = [a for a in module.facts.assigns if a.target == value.name]
            if len(assigns) == 1 and is_constant(assigns[0].value):
                return assigns[0].value
        return value

    def worth_reporting(self, cost: Cost) -> bool:
        """Saves at least `min-cost-ms` per child; an unmeasured cost (a model file's size
        decides it) is never dropped as noise."""
        return not cost.known or cost.saving_ms >= self.project.config.min_cost_ms

    def parent_warmed(self, parent: Parent, entry: Entry) -> bool:
        """Did the parent call any of the entry's APIs before the fork?"""
        apis = set(entry.apis)
        return any(self.catalogue.api_name(name) in apis for name in parent.called_names())

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

    def at_job(self, job: Job, code: str, name: str, message: str, chain: tuple[ChainLink, ...] = (),
               plan: FixPlan | None = None) -> Diagnostic:
        """A diagnostic reported at the job's `def` (name), silenced by noqa on its decorators too."""
        fn = job.function
        pos = fn.facts.name_pos
        return Diagnostic(
            code, name, message, fn.module.display, pos.line, pos.col, pos.end_line, pos.end_col,
            job=fn.qualified, chain=chain, fork_model=job.fork.kind,
            noqa_lines=tuple(range(fn.facts.pos.line, pos.line)), plan=plan,
        )


def _argument(call: Call, item: int | str | tuple[int, str]) -> Val | None:
    """The argument a `constant-args` item names: by position, by keyword, or either."""
    if isinstance(item, tuple):
        return call.arg(*item)
    return call.arg(item) if isinstance(item, int) else call.kwarg(item)
