"""Fix plans the rules attach to their findings: what to change, where, how safely.

A plan is data (`fix/plan.py`); `fix/edits.py` applies it. The parent-side place comes
from the simulated parent (`prefork.py`); nothing listed as unsafe before the fork is
ever moved there.
"""

from __future__ import annotations

from .analysis import Analysis
from .diagnostics import Applicability
from .fix.plan import AddHandler, AppendBody, DisplayOnly, FixPlan, Hoist, Insert, MoveImport, Position, Span
from .facts import Call, Import
from .frameworks import Job
from .prefork import import_closure
from .project import FunctionRef


def _unsafe_at_import(analysis: Analysis, fn: FunctionRef) -> str | None:
    """An unsafe-before-fork call that importing `fn`'s module would run, if any."""
    state = import_closure(analysis.project, [fn])
    for step in state.timeline:
        if step.kind == "call":
            entry = analysis.unsafe_entry(analysis.catalogue.api_name(step.name))
            if entry is not None and entry.reported:
                return f"{step.call.source if step.call else step.name}() in {step.module.name}"
    return None


def in_parent(analysis: Analysis, job: Job, statements: list[str], what: str, preload: bool = False) -> FixPlan:
    """Run `statements` in the worker's parent before the fork (where that place is known).

    With `preload`, the job's module is imported first (models and caches it defines
    then exist in the parent) unless the parent already imports it.
    """
    parent = analysis.parent(job)
    module = job.function.module
    applicability: Applicability = "safe"
    lines = list(statements)
    if preload and not parent.loads_module(module.name):
        lines.insert(0, f"import {module.name}  # noqa: F401  (preloaded: every child inherits it)")
        unsafe = _unsafe_at_import(analysis, job.function)
        if unsafe:
            applicability = "unsafe"
            what += f" (unsafe: importing {module.name} runs {unsafe} before the fork)"
    place = parent.places[0] if parent.known and parent.places else None
    if place is None or place.kind == "assumed":
        where = "the worker's parent before it forks (a worker script before .work(), or an `rq worker -c` settings module)"
        return DisplayOnly(path=module.display, description=f"{what} in {where}: " + "; ".join(lines))
    description = f"{what} in {place.description}"
    common = {"path": place.module.display, "applicability": applicability, "description": description}
    if place.kind in ("worker-script", "pool-site"):
        return Insert(**common, before_line=place.line, statements=tuple(lines))
    if place.kind == "settings-module":
        return Insert(**common, before_line=None, statements=tuple(lines))
    if place.kind == "celery-worker-init" and place.function is not None:
        return AppendBody(**common, function=Position.start_of(place.function.facts.name_pos), statements=tuple(lines))
    if place.kind == "celery-app":
        return AddHandler(**common, statements=tuple(lines))
    return DisplayOnly(path=place.module.display, description=description + ": " + "; ".join(lines))


def hoist(fn: FunctionRef, call: Call, api: str, kind: str) -> FixPlan:
    """Move a constant construction in `fn` to a module-level constant."""
    name = f"{fn.facts.qualname.replace('.', '_')}_{kind}"
    return Hoist(
        path=fn.module.display, applicability="safe", description=f"hoist {call.source}(...) to a module-level constant",
        call=Span.of(call.pos),
        name_hint=name, api=api,
    )


def move_import(analysis: Analysis, fn: FunctionRef, imp: Import, target: str) -> FixPlan:
    """Move a function-level import to the top of its module."""
    reasons = []
    if imp.guarded:
        reasons.append("it is guarded by try/except ImportError")
    local = analysis.project.module(target)
    if local is not None and analysis.import_cycle(fn.module, local.name):
        reasons.append(f"{local.name} imports {fn.module.name}: moving it would create an import cycle")
    applicability: Applicability = "unsafe" if reasons else "safe"
    description = f"move the import to the top of {fn.module.display}" + (f" (unsafe: {'; '.join(reasons)})" if reasons else "")
    return MoveImport(path=fn.module.display, applicability=applicability, description=description,
                      statement=Position.start_of(imp.pos))
