from __future__ import annotations

from typing import Iterator

from ..analysis import Analysis
from ..catalogue import format_ms
from ..diagnostics import Diagnostic
from ..facts import Call, Dotted, Pos
from ..frameworks import Job
from ..project import FunctionRef
from .. import plans
from .base import Rule

CACHE_DECORATORS = frozenset({"functools.lru_cache", "functools.cache"})


class CacheFilledInChild(Rule):
    """## What it does
    Finds memoised loaders and lazy singletons (`@functools.lru_cache` /
    `@functools.cache` on a function with no parameters, `global _x; if _x is None:
    _x = build()`) that a job fills for the first time in a child, because the
    worker's parent never calls them before the fork.

    ## Why is this bad?
    The cache lives in the child and dies with it: whatever the first call costs is
    paid again by every child. Measured per forked child: an `lru_cache`d YAML config
    loader 324.8 ms cold against 0.03 ms when the parent called it once; a lazy
    singleton building a 50k-row index 141.4 ms against 0.04 ms.

    When what is built is a client or connection (a boto3 client, a DB connection,
    an HTTP session: see `rules/unsafe.toml`), nothing is reported: it must not be
    built in the parent, and building it once in each child is what a child should do.
    Nor is a cached database query (SQLAlchemy ORM use, a Django `Model.objects` call):
    its result is data, and filling it in the parent would connect before the fork.

    The cost quoted is what the cached function does, where the catalogue knows it
    (a YAML load of a constant file, a regex, a template); otherwise no figure.

    ## Example
    ```python
    @functools.lru_cache
    def load_rules():
        return yaml.safe_load(open("rules.yaml"))

    @job("default")
    def score(event):
        return apply(load_rules(), event)
    ```

    ## Use instead
    ```python
    # worker.py, before .work()
    from app.rules import load_rules
    load_rules()  # every work horse inherits the filled cache
    ```

    ## Fix safety
    Calling the getter in the parent is safe when it returns plain data; a function
    that builds a client or connection is not reported.

    ## Applies to
    Every framework whose children are thrown away per job (per child with
    `report-per-child`).

    ## References
    - https://docs.python.org/3/library/functools.html#functools.lru_cache
    - https://github.com/posthog/posthog-python/issues/290 (a client built before the fork breaks)
    """

    code = "FRK105"
    name = "cache-filled-in-child"
    summary = "a memoised loader or lazy singleton first filled in the child"
    fix_availability = "sometimes"

    def check(self, analysis: Analysis) -> Iterator[Diagnostic]:
        seen: set[str] = set()
        for job in analysis.reported_jobs():
            parent = analysis.parent(job)
            called = parent.called_names()
            for reached in analysis.reached(job):
                fn = reached.function
                if fn.qualified in seen or fn.qualified in called:
                    continue
                spots = self._spots(analysis, fn)
                if not spots:
                    continue
                seen.add(fn.qualified)
                if self._builds_client(analysis, fn) or self._queries_database(analysis, fn):
                    # A client per child is right; a cached query result is data, and warming
                    # it in the parent would open a database connection before the fork.
                    continue
                for kind, pos in spots:
                    yield self._diagnostic(analysis, job, reached, kind, pos, parent)

    @staticmethod
    def _queries_database(analysis: Analysis, fn: FunctionRef) -> bool:
        """Does it (or what it calls) query the database: SQLAlchemy ORM use, or a Django
        model manager (`User.objects.get(...)`)?"""
        project = analysis.project
        for name in project.reachable(fn):
            callee = project.functions[name]
            if analysis.models.orm_use(callee) is not None:
                return True
            for call in callee.facts.calls:
                # As written too: a manager chain (`User.objects.select_related(...)`) does
                # not always resolve through the model class.
                written = call.func.name if isinstance(call.func, Dotted) else ""
                if ".objects." in (project.call_target(callee, callee.module, call) or "") or ".objects." in written:
                    return True
        return False

    def _spots(self, analysis: Analysis, fn: FunctionRef) -> list[tuple[str, Pos]]:
        facts = fn.facts
        spots: list[tuple[str, Pos]] = []
        if not facts.params and facts.class_name is None:
            for decorator in facts.decorators:
                func = decorator.func if isinstance(decorator, Call) else decorator
                if analysis.project.resolve(fn.module, None, func) in CACHE_DECORATORS:
                    spots.append(("memoised loader", facts.name_pos))
                    break
        spots += [("lazy singleton", pos) for _, pos in facts.lazy_globals]
        return spots

    def _builds_client(self, analysis: Analysis, fn: FunctionRef) -> str | None:
        """The unsafe-before-fork API the function (or what it calls) uses, if any."""
        for name in analysis.project.reachable(fn):
            callee = analysis.project.functions[name]
            for call in callee.facts.calls:
                api = analysis.api(callee, callee.module, call)
                if api and analysis.unsafe_entry(api) is not None:
                    return api
        return None

    def _cost(self, analysis: Analysis, fn: FunctionRef) -> str:
        """What filling the cache costs, from the catalogue work it does: `~4.2 ms: compiles a ...`."""
        saving, what = 0.0, []
        for name in analysis.project.reachable(fn):
            callee = analysis.project.functions[name]
            for call in callee.facts.calls:
                for rule in ("FRK102", "FRK103", "FRK106"):
                    entry = analysis.entry_for(callee, callee.module, call, rule)
                    if entry is not None and analysis.constant_args(entry, callee.module, callee, call):
                        saving += analysis.cost(entry, callee.module, call).saving_ms
                        what.append(entry.summary)
                        break
        if not saving:
            return ""
        return f" (~{format_ms(saving)} ms per child: {', '.join(dict.fromkeys(what))})"

    def _diagnostic(self, analysis, job, reached, kind, pos, parent) -> Diagnostic:
        fn = reached.function
        cost = self._cost(analysis, fn)
        where = parent.places[0].description if parent.known and parent.places else "the worker's parent before the fork"
        advice = f"call {fn.facts.qualname}() once in {where}"
        message = (
            f"{kind} {fn.facts.qualname}() is first filled {analysis.how_often(job)}{cost}, on the path of "
            f"{job.function.facts.qualname} ({analysis.chain_text(reached, pos.line)}); {advice}"
        )
        plan = None
        if fn.facts.class_name is None and "." not in fn.facts.qualname and not fn.facts.params:
            name = fn.facts.qualname
            plan = plans.in_parent(
                analysis, job, [f"from {fn.module.name} import {name}", f"{name}()"], f"call {name}() once"
            )
        return Diagnostic(
            self.code, self.name, message, fn.module.display, pos.line, pos.col, pos.end_line, pos.end_col,
            job=job.function.qualified, chain=analysis.chain(reached, pos.line), fork_model=job.fork.kind,
            plan=plan, group=f"{fn.module.display}: {fn.qualified}",
        )
