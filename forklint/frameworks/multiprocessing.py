"""`multiprocessing` (Pool, Process) and `concurrent.futures.ProcessPoolExecutor`.

A Pool's workers live for `maxtasksperchild` tasks (forever by default); a Process
runs one target; `spawn` / `forkserver` start a fresh interpreter, so nothing is
inherited and nothing per-fork repeats. Forkserver is the default on Linux from Python
3.14, so a project that only runs on 3.14+ forks only where it asks for fork.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Hashable, Iterator, Sequence
from typing import Mapping as EnvMapping

from ..facts import Call, Const, Dotted, Val
from ..project import FunctionRef, Module, Project
from .base import (
    NO_ENV, NO_FORK, PER_CHILD, PER_JOB, PER_JOB_MAX_TASKS, Adapter, CallJob, ChildHook, ForkModel, ForkModels, Job, Launch,
    all_calls, const_str, creation_call, instance_attr,
)
from .clis import run_before_command

if TYPE_CHECKING:
    from ..prefork import Parent, Parents

MP_POOLS = frozenset({"multiprocessing.Pool", "multiprocessing.pool.Pool", "multiprocessing.get_context().Pool"})
MP_POOL_METHODS = frozenset(
    {"map", "imap", "imap_unordered", "apply_async", "apply", "starmap", "starmap_async", "map_async"}
)
MP_PROCESSES = frozenset({"multiprocessing.Process", "multiprocessing.context.Process", "multiprocessing.get_context().Process"})
MP_SET_START = frozenset({"multiprocessing.set_start_method"})
MP_GET_CONTEXT = frozenset({"multiprocessing.get_context"})
PROCESS_POOLS = frozenset({"concurrent.futures.ProcessPoolExecutor", "concurrent.futures.process.ProcessPoolExecutor"})


class Multiprocessing(Adapter):
    name = "multiprocessing"
    title = "multiprocessing"
    flavours = ("multiprocessing", "process-pool")

    def call_jobs(self, project: Project, module: Module, fn: FunctionRef | None, call: Call,
                  target: str, models: ForkModels) -> Iterator[CallJob]:
        method = target.rpartition(".")[2]
        if instance_attr(project, target, MP_POOLS, MP_POOL_METHODS):
            yield "multiprocessing", f"Pool.{method}", call.arg(0, "func"), self._pool(models, module, fn, call)
        elif instance_attr(project, target, PROCESS_POOLS, {"submit", "map"}):
            yield "process-pool", f"ProcessPoolExecutor.{method}", call.arg(0, "fn"), self._executor(models, module, fn, call)
        elif target.removesuffix("()") in MP_PROCESSES or project.is_subclass(target, MP_PROCESSES):
            # A Process runs one target and exits: started in a loop, every one repeats the
            # lazy work; started once (a test fixture, a one-off helper), nothing repeats.
            repeated = ForkModel(PER_JOB, "multiprocessing child", "a new Process per item, each running one target")
            once = ForkModel(PER_CHILD, "multiprocessing child", "a single Process: its lazy work is paid once")
            model = self._start_method_model(models, module, fn, call.func, repeated if call.in_loop else once)
            yield "multiprocessing", "Process(target=...)", call.kwarg("target"), model

    # -- fork models -------------------------------------------------------------------

    def _start_method_model(self, models: ForkModels, module: Module, fn: FunctionRef | None, func: Val,
                            model: ForkModel) -> ForkModel:
        explicit = _context_method(models.project, module, fn, func)
        method, why = (explicit, f"the {explicit} start method") if explicit else start_method(models)
        if method in ("spawn", "forkserver"):
            return ForkModel(NO_FORK, model.child, f"{why} starts a fresh interpreter")
        return model

    def _pool(self, models: ForkModels, module: Module, fn: FunctionRef | None, call: Call) -> ForkModel:
        creation = creation_call(models.project, module, fn, call.func)
        model = ForkModel(PER_CHILD, "multiprocessing pool worker", "a Pool reuses its workers")
        if creation is not None:
            limit = creation.arg(3, "maxtasksperchild")
            if isinstance(limit, Const) and isinstance(limit.value, int) and limit.value <= PER_JOB_MAX_TASKS:
                model = ForkModel(PER_JOB, "multiprocessing pool worker", f"maxtasksperchild={limit.value} replaces the worker after {limit.value} task(s)")
            return self._start_method_model(models, module, fn, creation.func, model)
        return self._start_method_model(models, module, fn, call.func, model)

    def _executor(self, models: ForkModels, module: Module, fn: FunctionRef | None, call: Call) -> ForkModel:
        model = ForkModel(PER_CHILD, "ProcessPoolExecutor worker", "a ProcessPoolExecutor reuses its workers")
        creation = creation_call(models.project, module, fn, call.func)
        if creation is not None:
            context = creation.kwarg("mp_context")
            if context is None and creation.kwarg("max_tasks_per_child") is not None:
                return ForkModel(NO_FORK, model.child, "max_tasks_per_child makes ProcessPoolExecutor use spawn")
            if isinstance(context, Call) and models.project.call_target(fn, module, context) in MP_GET_CONTEXT:
                method = _context_arg(context)
                if method in ("spawn", "forkserver"):
                    return ForkModel(NO_FORK, model.child, f"the {method} start method starts a fresh interpreter")
                if method is not None:
                    return model
        return self._start_method_model(models, module, fn, call.func, model)

    # -- parent and children -----------------------------------------------------------

    def parent_key(self, parents: "Parents", job: Job) -> Hashable:
        if job.site is None:
            return job.framework
        return ("pool", job.site[0].name, job.site[1].pos)

    def build_parent(self, parents: "Parents", key: Hashable, job: Job) -> "Parent":
        from ..prefork import Parent, ParentState, PreforkPlace, run_script

        if job.site is None:
            return Parent([ParentState()], known=True)
        project = parents.project
        site_module, site_call = job.site
        creators = MP_POOLS | MP_PROCESSES | PROCESS_POOLS

        def is_fork(module: Module, call: Call, target: str) -> bool:
            if module is not site_module:
                return False
            return call.pos == site_call.pos or target.removesuffix("()") in creators

        sim, _, fork_fn, line = run_script(project, site_module, site_call, is_fork, run_before_command)
        sim.state.place = PreforkPlace("pool-site", site_module, fork_fn, line, f"{site_module.display}:{line}, before the pool starts")
        return Parent([sim.state], known=True)

    def child_hook(self, flavour: str) -> str | None:
        return "the executor's initializer" if flavour == "process-pool" else "the Pool's initializer"

    def child_hooks(self, project: Project) -> Iterator[ChildHook]:
        pools = MP_POOLS | PROCESS_POOLS
        for module, creator, call in all_calls(project):
            if project.call_target(creator, module, call) in pools and call.kwarg("initializer") is not None:
                init = project.resolve(module, creator.facts if creator else None, call.kwarg("initializer"))
                if init in project.functions:
                    yield ChildHook(project.functions[init], "in every pool worker (initializer)",
                                    "the parent, before the pool is created")

    def launch(self, argv: Sequence[str], env: EnvMapping[str, str] = NO_ENV) -> Launch | None:
        return None  # started from the project's own code, never by a launch line


def start_method(models: ForkModels) -> tuple[str, str]:
    """The start method a default-context Process or Pool uses, and why: the project's
    `multiprocessing.set_start_method(...)`, else its Python's default (forkserver from
    3.14 on Linux, fork before)."""

    def compute() -> tuple[str, str]:
        method = None
        for module, fn, call in all_calls(models.project):
            if models.project.call_target(fn, module, call) in MP_SET_START and call.args:
                method = const_str(call.args[0]) or method
        if method is not None:
            return method, f"the {method} start method"
        lowest = lowest_python(models.project)
        if lowest is not None and lowest >= FORKSERVER_DEFAULT_FROM:
            return "forkserver", f"Python {lowest[0]}.{lowest[1]}'s default start method, forkserver,"
        return "fork", "the fork start method"

    return models.memo("mp-start-method", compute)  # type: ignore[return-value]


# Python 3.14 made forkserver the default start method on Linux (fork until 3.13); macOS
# and Windows spawn. Children of forkserver or spawn inherit nothing the parent ran.
FORKSERVER_DEFAULT_FROM = (3, 14)
_PYTHON_VERSION = re.compile(r"^\s*(?:cpython-|python-?)?(\d+)\.(\d+)", re.IGNORECASE)
_DOCKER_PYTHON = re.compile(r"^\s*FROM\s+(?:--\S+\s+)*(?:\S*/)?python:(\d+)\.(\d+)", re.IGNORECASE | re.MULTILINE)
_LOWER_BOUND = re.compile(r"(>=|~=|==|>)\s*(\d+)\.(\d+)")


def lowest_python(project: Project) -> tuple[int, int] | None:
    """The oldest Python the project says it runs on, or None when it pins none: its
    `.python-version`, `requires-python`'s lower bound and its Dockerfile's `FROM python:X.Y`
    (at the project root); where they disagree, the oldest wins (that one may still fork)."""
    root = Path(project.root)
    found: list[tuple[int, int]] = []
    pinned = _PYTHON_VERSION.match(_read_text(root / ".python-version"))
    if pinned:
        found.append((int(pinned[1]), int(pinned[2])))
    try:
        requires = tomllib.loads(_read_text(root / "pyproject.toml")).get("project", {}).get("requires-python")
    except tomllib.TOMLDecodeError:
        requires = None
    bounds = [(int(m[2]), int(m[3])) for m in _LOWER_BOUND.finditer(requires)] if isinstance(requires, str) else []
    if bounds:
        found.append(max(bounds))
    found += [(int(m[1]), int(m[2])) for m in _DOCKER_PYTHON.finditer(_read_text(root / "Dockerfile"))]
    return min(found) if found else None


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _context_arg(call: Call) -> str | None:
    arg = call.arg(0, "method")
    return arg.value if isinstance(arg, Const) and isinstance(arg.value, str) else None


def _context_method(project: Project, module: Module, fn: FunctionRef | None, func: Val) -> str | None:
    """`get_context("spawn").Pool` or `ctx.Pool` after `ctx = get_context("spawn")`."""
    creation = creation_call(project, module, fn, func)
    if creation is None and isinstance(func, Call):
        creation = func
    if creation is not None and project.call_target(fn, module, creation) in MP_GET_CONTEXT:
        return _context_arg(creation)
    if isinstance(func, Dotted) and "." in func.name:
        owner = func.name.rpartition(".")[0]
        for scope_assigns in ((fn.facts.assigns if fn else ()), module.facts.assigns):
            for assign in reversed(scope_assigns):
                if assign.target == owner and isinstance(assign.value, Call):
                    if project.resolve(module, fn.facts if fn else None, assign.value.func) in MP_GET_CONTEXT:
                        return _context_arg(assign.value)
    return None
