"""The one place that knows each job framework: one adapter per framework.

Each adapter (`rq.py`, `celery.py`, `dramatiq.py`, `huey.py`, `multiprocessing.py`)
answers the questions of `base.Adapter`: its jobs, its fork model, its parent and
what runs there before the fork, its child hooks, and what a launch line says.
Facts behind every table (file:line in the frameworks' own source) are in
`shared/research/frameworks.md`; the doc page of each rule cites them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Mapping, Sequence

from ..facts import Call, Const, Dotted, Val
from ..project import FunctionRef, Hop, Module, Project
from .base import (
    NO_ENV, NO_FORK, PER_CHILD, PER_JOB, PER_JOB_MAX_TASKS, STRENGTH, Adapter, ChildHook, ForkKind, ForkModel, ForkModels,
    Job, Launch, all_calls, instance_attr, modules_creating,
)
from .celery import Celery
from .dramatiq import Dramatiq
from .gunicorn import Gunicorn
from .huey import Huey
from .multiprocessing import Multiprocessing
from .rq import RQ

# In the order their jobs are recognised (the first adapter to claim a decorator wins).
ADAPTERS: tuple[Adapter, ...] = (RQ(), Celery(), Dramatiq(), Huey(), Multiprocessing(), Gunicorn())
_BY_FLAVOUR = {flavour: adapter for adapter in ADAPTERS for flavour in adapter.flavours}


def adapter(flavour: str) -> Adapter:
    """The adapter owning a `Job.framework` flavour."""
    return _BY_FLAVOUR[flavour]


def read_launch(argv: Sequence[str], env: Mapping[str, str] = NO_ENV) -> Launch | None:
    """What a launch command line (run with `env`) says, asking every adapter; None when
    it starts no framework's worker."""
    for candidate in ADAPTERS:
        launch = candidate.launch(argv, env)
        if launch is not None:
            return launch
    return None


def child_hooks(project: Project) -> list[ChildHook]:
    """Every project function some framework runs in every child."""
    return [hook for candidate in ADAPTERS for hook in candidate.child_hooks(project)]


# --- recognising jobs ---------------------------------------------------------------------


def find_jobs(project: Project) -> list[Job]:
    """Every job entry point of the project, one per function (strongest fork model wins)."""
    models = ForkModels(project)
    found: dict[str, Job] = {}

    def add(fn: FunctionRef | None, flavour: str, how: str, model: ForkModel, site=None) -> None:
        if fn is None:
            return
        job = Job(fn, flavour, how, model, site, adapter(flavour))
        current = found.get(fn.qualified)
        if current is None or STRENGTH[model.kind] > STRENGTH[current.fork.kind]:
            found[fn.qualified] = job

    for fn in project.iter_functions():
        for decorator in fn.facts.decorators:
            flavour = decorator_framework(project, fn.module, decorator)
            if flavour is not None:
                add(fn, flavour, "@" + _decorator_text(decorator), adapter(flavour).fork_model(models, flavour))
        if fn.facts.class_name is not None:
            owner = f"{fn.module.name}.{fn.facts.class_name}"
            name = fn.facts.qualname.rpartition(".")[2]
            for candidate in ADAPTERS:
                how = candidate.method_job(project, owner, name)
                if how is not None:
                    add(fn, candidate.name, how, candidate.fork_model(models, candidate.name))

    submissions: list[_Submission] = []
    for module, fn, call in all_calls(project):
        target = project.call_target(fn, module, call)
        if target is None:
            continue
        for candidate in ADAPTERS:
            for flavour, how, target_val, model in candidate.call_jobs(project, module, fn, call, target, models):
                for job_fn in _job_functions(project, module, fn, target_val):
                    add(job_fn, flavour, how, model, (module, call))
                submissions.append(_Submission(module, fn, target_val, flavour, how, model, (module, call), call.pos.line, ()))
    for sub, job_fn in _through_helpers(project, submissions):
        if job_fn.qualified not in found or STRENGTH[sub.model.kind] > STRENGTH[found[job_fn.qualified].fork.kind]:
            found[job_fn.qualified] = Job(job_fn, sub.flavour, sub.how, sub.model, sub.site, adapter(sub.flavour), sub.via)
    return sorted(found.values(), key=lambda j: (j.function.module.display, j.function.facts.name_pos.line))


@dataclass(frozen=True)
class _Submission:
    """A value handed to a framework as a job, in the function that holds the call."""

    module: Module
    fn: FunctionRef | None
    value: Val | None
    flavour: str
    how: str
    model: ForkModel
    site: tuple[Module, Call]
    line: int  # the line of the call in `fn` that submits it (to a framework or a helper)
    via: tuple[Hop, ...]  # the project helpers it went through, outermost first


_MAX_HELPER_LAYERS = 6


def _through_helpers(project: Project, submissions: list[_Submission]) -> list[tuple[_Submission, FunctionRef]]:
    """Jobs submitted through project helpers: `def enqueue_job(func, *a): q.enqueue(func, *a)`
    makes each argument given for `func` at its call sites a job, through any number of
    helper layers. A helper that calls its argument itself (in-process) submits nothing."""
    helpers: dict[str, list[tuple[int, str, _Submission]]] = {}

    def note_helper(sub: _Submission) -> bool:
        fn, value = sub.fn, sub.value
        if fn is None or not isinstance(value, Dotted) or "." in value.name or value.name not in fn.facts.params:
            return False
        if any(a.target == value.name for a in fn.facts.assigns):
            return False  # rebound before the submission: not the caller's argument
        index = fn.facts.params.index(value.name)
        if fn.facts.class_name is not None and fn.facts.params[:1] in (("self",), ("cls",)):
            index -= 1
        helpers.setdefault(fn.qualified, []).append((index, value.name, sub))
        return True

    pending = [sub for sub in submissions if note_helper(sub)]
    found: list[tuple[_Submission, FunctionRef]] = []
    layers = 0
    while pending and layers < _MAX_HELPER_LAYERS:
        layers += 1
        pending = []
        current = dict(helpers)
        helpers.clear()
        for module, fn, call, callee in [*_helper_calls(project, current), *_submitted_helpers(project, submissions, current)]:
            for index, name, inner in current[callee.qualified]:
                value = call.arg(index, name) if index >= 0 else None
                if value is None:
                    continue
                via = (Hop(callee, inner.line), *inner.via)
                outer = _Submission(module, fn, value, inner.flavour, f"{inner.how} via {callee.facts.qualname}",
                                    inner.model, inner.site, call.pos.line, via)
                job_fns = [j for j in _job_functions(project, module, fn, value) if j.qualified != callee.qualified]
                found += [(outer, job_fn) for job_fn in job_fns]
                if not job_fns and note_helper(outer):
                    pending.append(outer)
    return found


def _helper_calls(project: Project, helpers: Mapping[str, object]) -> Iterator[tuple[Module, FunctionRef | None, Call, FunctionRef]]:
    """Every call of one of `helpers` in the project: (module, function, call, the helper)."""
    for module, fn, call in all_calls(project):
        callee = project.callee(fn, call, module)
        if callee is not None and callee.qualified in helpers:
            yield module, fn, call, callee


def _submitted_helpers(project: Project, submissions: list[_Submission],
                       helpers: Mapping[str, object]) -> Iterator[tuple[Module, FunctionRef | None, Call, FunctionRef]]:
    """Helpers that are jobs themselves: `q.enqueue(_queue_task, args=(func, ...))` where
    `_queue_task` enqueues its `func` in turn. The call is the one the framework makes of
    the job in the child, with the arguments the submission gives it."""
    for sub in submissions:
        module, call = sub.site
        target = project.call_target(sub.fn, module, call)
        job_call = adapter(sub.flavour).job_call(project, module, sub.fn, call, target) if target else None
        if job_call is None:
            continue
        for job_fn in _job_functions(project, module, sub.fn, sub.value):
            if job_fn.qualified in helpers:
                yield module, sub.fn, job_call, job_fn


def _job_functions(project: Project, module: Module, fn: FunctionRef | None, value: Val | None) -> list[FunctionRef]:
    """The project functions a submitted value may be: each one the value may name
    (`getattr(chats, f"send_to_{channel}")` names every `send_to_*`)."""
    if value is None:
        return []
    if isinstance(value, Const) and isinstance(value.value, str):
        found = project.dotted_function(value.value)
        return [found] if found is not None else []
    targets = project.resolve_all(module, fn.facts if fn else None, value)
    return [project.functions[t] for t in targets if t in project.functions]


def decorator_framework(project: Project, module: Module, decorator: Val, depth: int = 0) -> str | None:
    """The flavour a decorator makes a job for, following project wrappers."""
    target = project.resolve(module, None, decorator)
    if target is None:
        return None
    base = target.removesuffix("()") if isinstance(decorator, Call) else target
    flavour = _decorator_target_flavour(project, base)
    if flavour is None and isinstance(decorator, Call):
        flavour = _decorator_target_flavour(project, target)
    if flavour is None and depth < 3:
        wrapper = project.functions.get(target)
        if wrapper is not None:
            flavour = _wrapper_framework(project, wrapper, depth + 1)
    return flavour


def _decorator_target_flavour(project: Project, base: str) -> str | None:
    for candidate in ADAPTERS:
        flavour = candidate.decorator_flavour(project, base)
        if flavour is not None:
            return flavour
    return None


def _wrapper_framework(project: Project, wrapper: FunctionRef, depth: int) -> str | None:
    """A project function that applies a job decorator to what it is given."""
    for call in wrapper.facts.calls:
        flavour = decorator_framework(project, wrapper.module, call.func, depth)
        if flavour is None and isinstance(call.func, Call):
            flavour = decorator_framework(project, wrapper.module, call.func.func, depth)
        if flavour is not None:
            return flavour
    prefix = wrapper.facts.qualname + "."
    for fn in wrapper.module.facts.functions:
        if fn.qualname.startswith(prefix):
            for decorator in fn.decorators:
                flavour = decorator_framework(project, wrapper.module, decorator, depth)
                if flavour is not None:
                    return flavour
    return None


def _decorator_text(decorator: Val) -> str:
    if isinstance(decorator, Dotted):
        return decorator.name
    if isinstance(decorator, Call):
        return decorator.source
    return "decorator"


__all__ = [
    "ADAPTERS", "Adapter", "ChildHook", "ForkKind", "ForkModel", "Job", "Launch", "NO_FORK", "PER_CHILD", "PER_JOB",
    "PER_JOB_MAX_TASKS", "adapter", "all_calls", "child_hooks", "decorator_framework", "find_jobs", "instance_attr",
    "modules_creating", "read_launch",
]
