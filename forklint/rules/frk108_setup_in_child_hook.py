from __future__ import annotations

from typing import Iterator

from ..analysis import Analysis
from ..diagnostics import Diagnostic
from ..fix.plan import DisplayOnly, FixPlan, MoveToHook, Position
from ..facts import Call
from ..frameworks import child_hooks
from ..project import FunctionRef
from .base import Rule


class SetupInChildHook(Rule):
    """## What it does
    Finds fork-safe, costly set-up placed in a hook that runs in every child:
    Celery `worker_process_init` handlers, RQ `Worker` overrides of `perform_job` /
    `main_work_horse` (they run in the work horse), `Pool(initializer=...)` /
    `ProcessPoolExecutor(initializer=...)`, Huey `on_startup` hooks. Set-up counts
    when it is `configure_mappers()` or a catalogue call that is safe to do in the
    parent (compiling a regex, a template, a strptime or mimetypes warm-up, ...).

    ## Why is this bad?
    The hook runs after the fork, once per child: the work is repeated by every
    child instead of being done once and inherited. With RQ it runs for every job.
    `configure_mappers()` with 41 models costs 234.6 ms per child there, against
    0.83 ms when done in the parent.

    Connections, engines' `dispose(close=False)`, RNG re-seeding and clients belong
    in child hooks and are never reported.

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
        for child_hook in child_hooks(analysis.project):
            hook, runs, parent_place = child_hook.function, child_hook.runs, child_hook.parent_place
            for name, hops in analysis.project.reachable(hook).items():
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
                                     pos.end_line, pos.end_col, plan=self._plan(hook, fn, call, parent_place, child_hook.parent_hooks))

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
