from __future__ import annotations

from typing import Iterator

from ..analysis import Analysis
from ..catalogue import Entry
from ..diagnostics import ChainLink, Diagnostic
from ..frameworks import NO_FORK
from ..prefork import Frame, ParentState, Step, enclosing
from .base import Rule


class UnsafeBeforeFork(Rule):
    """## What it does
    Finds connections, sockets, threads, thread pools, clients and RNG instances
    created before the fork: at import of a module the worker's parent loads, or in
    a parent hook (a worker script before `.work()`, a Celery `worker_init`
    handler), in a project that forks.

    Work a parent-side script or hook reaches through project helpers is reported at
    the parent's call of the helper, with the chain to the work: that call is where
    the fix belongs, and the helper is not to blame for being called there.

    ## Why is this bad?
    A child inherits the parent's file descriptors but not its threads. Two children
    then talk over one database socket and corrupt each other's protocol state; a
    started thread, an executor, a telemetry SDK's sender or a scheduler silently
    does not exist in the child; a `random.Random()` instance gives every child the
    same stream; boto3 clients "cannot be shared across processes". Python 3.12+
    warns when a process with threads forks.

    A connection the parent closes again before it forks (an RQ `Worker` subclass whose
    `execute_job` calls `django.db.connections.close_all()` or `engine.dispose()`) is not
    reported: no child inherits it. Nor is a connection checked out of a throw-away
    local pool (`engine = create_engine(url)` in the function, never passed on, stored,
    returned or named by a nested function the child may run): a child inherits its
    socket but has no way to use it.

    Clients that reconnect by themselves in a child (redis-py checks the pid;
    `create_engine` does not connect until used) are not reported. What is listed,
    and why, is data in `rules/unsafe.toml`.

    ## Example
    ```python
    # app/storage.py, imported by the worker
    s3 = boto3.client("s3")
    ```

    ## Use instead
    ```python
    _s3 = None

    def s3():
        global _s3
        if _s3 is None:
            _s3 = boto3.client("s3")   # created in the child, on first use
        return _s3
    ```

    ## Fix safety
    No automatic fix: where the object should live depends on the program. forklint's
    own fixes never move anything listed here before the fork.

    ## Applies to
    Every framework that forks (not `SimpleWorker`, spawn or forkserver).

    ## References
    - https://docs.sqlalchemy.org/en/20/core/pooling.html#using-connection-pools-with-multiprocessing-or-os-fork
    - https://github.com/python/cpython/issues/100228
    - https://boto3.amazonaws.com/v1/documentation/api/latest/guide/clients.html
    """

    code = "FRK901"
    name = "unsafe-before-fork"
    summary = "a connection, thread, client or RNG created before the fork"

    def check(self, analysis: Analysis) -> Iterator[Diagnostic]:
        seen: set[tuple[str, int, int, str, int, int]] = set()
        scanned: set[int] = set()
        unsafe: dict[str, tuple[Entry | None, str | None]] = {}  # by callee: 39 k steps, a few thousand callees
        for job in analysis.jobs:
            if job.fork.kind == NO_FORK:
                continue
            parent = analysis.parent(job)
            if id(parent) in scanned:
                continue  # another job's parent already: each of its findings is in `seen`
            scanned.add(id(parent))
            for state in parent.states:
                for index, step in enumerate(state.timeline):
                    if step.kind != "call" or step.call is None or step.in_lambda:
                        continue  # a lambda's body runs when it is called, not where it is written
                    if step.name not in unsafe:
                        unsafe[step.name] = self._unsafe(analysis, step.name)
                    entry, used = unsafe[step.name]
                    if entry is not None and self._closed_later(analysis, state, index, entry):
                        continue  # closed again before the fork (a Worker's execute_job closes all connections)
                    if entry is not None and entry.harmless_when_local and \
                            analysis.private_receiver(step.module, step.function, step.call, entry.harmless_when_local):
                        continue  # a throw-away local pool: its socket is inherited, never used
                    # A helper the parent calls is not to blame: the call that reaches it is.
                    frame = state.blamed_frame(step)
                    module, call = (frame.module, frame.call) if frame else (step.module, step.call)
                    key = (module.display, call.pos.line, call.pos.col, step.module.display, step.call.pos.line,
                           step.call.pos.col)
                    if entry is None or key in seen:
                        continue
                    seen.add(key)
                    hook = job.adapter.child_hook(job.framework) or "the child (lazily, on first use)"
                    what = f"uses {used} (which {entry.summary})" if used else entry.summary
                    chain = self._chain(analysis, state, step, frame) if frame else ()
                    where = (f"{call.source}(...) in {module.name}, which the worker's parent runs, reaches "
                             f"{step.call.source}(...) that {what} before the fork (via "
                             f"{' → '.join(f'{link.function} ({link.path}:{link.line})' for link in chain)})"
                             if frame else
                             f"{step.call.source}(...) {what} before the fork, in {step.module.name} which the "
                             f"worker's parent runs")
                    message = f"{where}: every {job.fork.child} inherits it; {entry.advice} (in {hook})"
                    pos = call.pos
                    yield Diagnostic(self.code, self.name, message, module.display, pos.line, pos.col,
                                     pos.end_line, pos.end_col, chain=chain, fork_model=job.fork.kind)

    @staticmethod
    def _chain(analysis: Analysis, state: ParentState, step: Step, frame: Frame) -> tuple[ChainLink, ...]:
        """From the parent's call of the helper to the work: `main (worker.py:9) → connect (db.py:4)`."""
        frames = step.via[step.via.index(frame):]
        outer = enclosing(analysis.project, frame.module, frame.call)
        links = [ChainLink(outer.qualified if outer else frame.module.name, frame.module.display, frame.call.pos.line)]
        calls = [f.call for f in frames[1:]] + [step.call]
        links += [ChainLink(f.callee.qualified, f.callee.module.display, c.pos.line) for f, c in zip(frames, calls)]
        return tuple(links)

    @staticmethod
    def _closed_later(analysis: Analysis, state: ParentState, index: int, entry: Entry) -> bool:
        """Does the parent make a call that closes it after creating it, before it forks?"""
        closers = {analysis.catalogue.api_name(name) for name in entry.closed_by}
        return bool(closers) and any(
            step.kind == "call" and analysis.catalogue.api_name(step.name) in closers for step in state.timeline[index + 1:])

    @staticmethod
    def _unsafe(analysis: Analysis, target: str) -> tuple[Entry | None, str | None]:
        """The unsafe entry a call creates (or uses, for lazily connecting clients)."""
        entry = analysis.unsafe_entry(analysis.catalogue.api_name(target))
        if entry is not None:
            return (entry, None) if entry.reported else (None, None)
        if "()." in target:
            owner = target.rpartition("().")[0]
            entry = analysis.unsafe_entry(analysis.catalogue.api_name(owner))
            if entry is not None and entry.reported_when_used:
                return entry, f"a {owner.rpartition('.')[2]} object"
        return None, None
