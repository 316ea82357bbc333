from __future__ import annotations

from typing import Iterator

from ..analysis import Analysis
from ..catalogue import format_ms
from ..diagnostics import ChainLink, Diagnostic
from ..fix.plan import DisplayOnly, FixPlan, MoveToHook, Position
from ..facts import Call
from ..frameworks import ChildHook, child_hooks
from ..loaders import Fill, builds_client, fill
from ..project import FunctionRef, Hop
from .base import Rule


class SetupInChildHook(Rule):
    """## What it does
    Finds fork-safe, costly set-up placed in a hook that runs in every child:
    Celery `worker_process_init` handlers, RQ `Worker` overrides of `perform_job` /
    `main_work_horse` (they run in the work horse), `Pool(initializer=...)` /
    `ProcessPoolExecutor(initializer=...)`, Huey `on_startup` hooks. Set-up counts
    when it is `configure_mappers()` or a catalogue call that is safe to do in the
    parent (compiling a regex, a template, a strptime or mimetypes warm-up, ...).

    It also finds a hook that calls the project's own set-up again (an app factory, a
    `load_environment(config)`) after the worker's parent already ran it before the
    fork: reported once, at the call in the hook, with what the set-up does (its
    estimated cost, the catalogue work it reaches, how many project functions it runs).
    A set-up function that builds a client or connection itself is left alone (a fresh
    one per child is what the hook is for), and so is one the parent never ran.

    ## Why is this bad?
    The hook runs after the fork, once per child: the work is repeated by every
    child instead of being done once and inherited. With RQ it runs for every job.
    `configure_mappers()` with 41 models costs 234.6 ms per child there, against
    0.83 ms when done in the parent.

    Connections, engines' `dispose(close=False)`, RNG re-seeding and clients belong
    in child hooks and are never reported.

    CKAN's work horse hook runs `load_environment(config)` after every fork: every
    plugin, the ~2,000-line config declaration, the registries, all rebuilt per job,
    although the CLI parent built them before forking.

    ## Example
    ```python
    @worker_process_init.connect
    def init_child(**_):
        configure_mappers()
        engine.dispose(close=False)
    ```

    ## Use instead
    ```python
    @worker_init.connect           # runs once, in the parent, before the pool forks
    def warm(**_):
        configure_mappers()

    @worker_process_init.connect
    def init_child(**_):
        engine.dispose(close=False)
    ```

    ## Fix safety
    Moving the call to the parent hook is safe when that hook exists; otherwise the
    fix is display-only and says where it should go.
    Removing a re-run set-up is display-only: the hook may mean to renew something in
    it (an engine) that should stay, alone, in the child.

    ## Applies to
    Celery, RQ, multiprocessing and concurrent.futures pools, Huey.

    ## References
    - https://docs.celeryq.dev/en/stable/userguide/signals.html#worker-init
    - https://python-rq.org/docs/workers/
    """

    code = "FRK108"
    name = "setup-in-child-hook"
    summary = "fork-safe set-up in a hook that runs in every child"
    fix_availability = "sometimes"

    def check(self, analysis: Analysis) -> Iterator[Diagnostic]:
        seen: set[tuple[str, int, int]] = set()
        parents_ran = self._parents_ran(analysis)
        for child_hook in child_hooks(analysis.project):
            hook, runs, parent_place = child_hook.function, child_hook.runs, child_hook.parent_place
            repeated = set()  # what a re-run set-up reaches: reported once, at the call in the hook
            for call, setup, filled in self._repeated_setup(analysis, hook, parents_ran.get(hook.qualified, set())):
                repeated.update(name for name in analysis.project.reachable(setup) if name != hook.qualified)
                yield self._rerun(analysis, child_hook, call, setup, filled)
            for name, hops in analysis.project.reachable(hook).items():
                if name in repeated:
                    continue
                fn = analysis.project.functions[name]
                for call in fn.facts.calls:
                    what = self._setup(analysis, fn, call)
                    key = (fn.module.display, call.pos.line, call.pos.col)
                    if what is None or key in seen:
                        continue
                    seen.add(key)
                    message = (
                        f"{call.source}() {what} runs {runs}, in {hook.facts.qualname}; "
                        f"it is fork-safe: do it once in {parent_place} instead"
                    )
                    pos = call.pos
                    yield Diagnostic(self.code, self.name, message, fn.module.display, pos.line, pos.col,
                                     pos.end_line, pos.end_col, chain=_chain(hops, fn, pos.line),
                                     plan=self._plan(hook, fn, call, parent_place, child_hook.parent_hooks))

    @staticmethod
    def _parents_ran(analysis: Analysis) -> dict[str, set[str]]:
        """For each child hook, what the parents of the jobs its framework runs called before
        the fork (known parents only)."""
        hooks: dict[int, list[str]] = {}
        ran: dict[str, set[str]] = {}
        for job in analysis.jobs:
            key = id(job.adapter)
            if key not in hooks:
                hooks[key] = [h.function.qualified for h in job.adapter.child_hooks(analysis.project)]
            parent = analysis.parent(job) if hooks[key] else None
            if parent is not None and parent.known:
                for hook in hooks[key]:
                    ran.setdefault(hook, set()).update(parent.called_names())
        return ran

    @staticmethod
    def _repeated_setup(analysis: Analysis, hook: FunctionRef, called: set[str]) -> Iterator[tuple[Call, FunctionRef, Fill]]:
        """The project set-up functions the hook calls that the parent already ran before
        the fork (`called`), and what a run costs. One that builds a client is left alone:
        a fresh client per child is what a hook is for."""
        for call, setup in analysis.project.callees(hook):
            if setup.qualified not in called or builds_client(analysis, setup, deep=False):
                continue
            filled = fill(analysis, setup)
            if analysis.worth_reporting(filled.cost):
                yield call, setup, filled

    def _rerun(self, analysis: Analysis, child_hook: ChildHook, call: Call, setup: FunctionRef, filled: Fill) -> Diagnostic:
        hook = child_hook.function
        reach = len(analysis.project.reachable(setup))
        cost = f"~{format_ms(filled.cost.saving_ms)} ms estimated" if filled.cost.known else "cost not known"
        what = "; ".join([cost, *filled.work, f"{reach} project function{'s' if reach != 1 else ''}"])
        message = (
            f"{call.source}() re-runs project set-up the worker's parent already ran before the fork "
            f"({what}) {child_hook.runs}, in {hook.facts.qualname}; the child inherits what it set up: "
            f"drop the repeat, keeping only what must be new in each child (connections, clients)"
        )
        pos = call.pos
        plan = DisplayOnly(path=hook.module.display,
                           description=f"remove {call.source}() from {hook.facts.qualname}: the parent ran it before the fork")
        return Diagnostic(self.code, self.name, message, hook.module.display, pos.line, pos.col, pos.end_line,
                          pos.end_col, chain=_chain((), hook, pos.line), plan=plan)

    @staticmethod
    def _plan(hook: FunctionRef, fn: FunctionRef, call: Call, parent_place: str,
              parent_hooks: tuple[FunctionRef, ...] | None) -> FixPlan:
        """Move the call into the framework's parent hook of the same module (or a new one).

        `parent_hooks` (Celery's worker_init/celeryd_init handlers) is None when the
        framework has no parent hook a fix can move code into."""
        description = f"move {call.source}() to {parent_place}"
        if parent_hooks is not None and fn is hook and call.statement:
            parents = [h for h in parent_hooks if h.module is hook.module]
            target = Position.start_of(parents[0].facts.name_pos) if parents else None
            return MoveToHook(path=hook.module.display, applicability="safe", description=description,
                              call=Position.start_of(call.pos), hook=target)
        return DisplayOnly(path=fn.module.display, description=description)

    def _setup(self, analysis: Analysis, fn: FunctionRef, call: Call) -> str | None:
        target = analysis.project.call_target(fn, fn.module, call)
        if target in analysis.models.configure_targets:
            entry = analysis.catalogue.entry("mapper-configuration")
            return f"(mapper configuration, {entry.cost()})" if entry and entry.cost() else "(mapper configuration)"
        for rule in ("FRK102", "FRK103", "FRK106"):
            entry = analysis.entry_for(fn, fn.module, call, rule)
            if (entry and entry.reported and entry.safety == "safe" and entry.fix in ("hoist", "warm-in-parent")
                    and analysis.constant_args(entry, fn.module, fn, call)
                    and analysis.worth_reporting(cost := analysis.cost(entry, fn.module, call))):
                return f"({entry.summary}, {cost.text()})" if cost.known else f"({entry.summary})"
        return None


def _chain(hops: tuple[Hop, ...], fn: FunctionRef, line: int) -> tuple[ChainLink, ...]:
    """From the child hook to the call: there is no job, so the hook is where the path starts."""
    links = [ChainLink(h.function.qualified, h.function.module.display, h.line) for h in hops]
    return (*links, ChainLink(fn.qualified, fn.module.display, line))
