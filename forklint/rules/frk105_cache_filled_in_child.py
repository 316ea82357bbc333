from __future__ import annotations

from typing import Iterator

from ..analysis import Analysis, Reached
from ..catalogue import format_ms
from ..diagnostics import Diagnostic
from ..facts import Dotted
from ..frameworks import Job
from ..loaders import (
    Fill, LoaderSpot, Receiver, builds, builds_client, cached_properties, call_receiver, call_text, constant_call, fill,
    loader_spots, method_kind, own_params, parent_calls, parent_reads, property_reads, receiver,
)
from ..prefork import Parent
from ..project import FunctionRef, Hop
from .. import plans
from .base import Rule


class CacheFilledInChild(Rule):
    """## What it does
    Finds memoised loaders and lazy singletons that a job fills for the first time in a
    child, because the worker's parent never calls them before the fork:
    `@functools.lru_cache` / `@functools.cache` / `cachetools` functions, lazy globals
    (`global _x; if _x is None: _x = build()`) and module-level dict caches filled by key
    (`_CACHE[key] = build()`). A loader with parameters counts for each distinct call on
    the job's path whose arguments are constants (a literal, a module constant) and that
    the parent does not make; a call with the job's own data has nothing to warm.

    Caches on objects count when the object lives as long as the process: a
    `functools.cached_property` (or Django's) of an instance made at module level
    (`SEARCH = SearchService()`) that the job reads, directly (`SEARCH.synonyms`) or in a
    method it calls on that instance (`self.synonyms`), and the parent never reads; an
    `lru_cache`/`cache` method called on such an instance, or a `classmethod` /
    `staticmethod` one called on its class (`Feeds.schema("product-feed")`), with constant
    arguments. An instance made per job is not reported: a `cached_property` dies with it,
    and an `lru_cache` method is keyed by `self`, so a fresh instance never hits. Nor is a
    method reached through `self` of a class the job constructs.

    ## Why is this bad?
    The cache lives in the child and dies with it: whatever the first call costs is
    paid again by every child. Measured per forked child: an `lru_cache`d YAML config
    loader 324.8 ms cold against 0.03 ms when the parent called it once; a lazy
    singleton building a 50k-row index 141.4 ms against 0.04 ms.

    What the loader builds decides. A client, connection, session, channel, pool or
    HTTP-backed agent (a catalogue `unsafe` API, a project class derived from one or
    holding one, a class named `...Client`/`...Session`) is never reported: it must not
    be built in the parent, and one per child is what a child should do. Nor is a cached
    database query (SQLAlchemy ORM use, a Django `Model.objects` call): its result is
    data, and filling it in the parent would connect before the fork.

    The cost is estimated from what the loader's body (and the project functions it
    calls) does: the catalogue's figures for library work, a few microseconds for each
    dict lookup, string or small-file operation, builtin call (an exception raised on the
    error path) or env var set. A loader doing only such cheap work (a config lookup,
    reading or writing one small text file) is below `min-cost-ms` and not
    reported; one calling a library the catalogue does not know, or parsing a data file,
    has an unknown cost and is always reported. When the loader's work is a catalogue
    call FRK106 reports at the call (a YAML load of a constant path), FRK106's finding
    is the one reported.

    ## Example
    ```python
    @functools.lru_cache
    def expression_parser(dialect):
        return build_grammar(KEYWORDS[dialect])  # pyparsing: tens of ms

    @job("default")
    def filter_rows(rows, expression):
        parser = expression_parser("postgres")
        return [r for r in rows if parser.parseString(expression)]
    ```

    ```python
    class SearchService:
        @cached_property
        def synonyms(self):
            with open(SYNONYMS_PATH, "rb") as fh:
                return pickle.load(fh)

    SEARCH = SearchService()

    @job("default")
    def reindex_product(product):
        return SEARCH.synonyms.get(product["title"], [])
    ```

    ## Use instead
    ```python
    # worker.py, before .work()
    from app.grammar import expression_parser
    expression_parser("postgres")  # every work horse inherits the filled cache
    from app.search import SEARCH
    SEARCH.synonyms  # fills the cached property before the fork
    ```

    ## Fix safety
    Calling the loader (or reading the property) in the parent is safe when it returns
    plain data; one that builds a client, connection or session (a `cached_property`
    holding a boto3 client included) is not reported. The fix writes each constant call with its
    arguments as literals; where they are constants forklint cannot write (a path
    expression), it says what to call and offers no edit.

    ## Applies to
    Every framework whose children are thrown away per job (per child with
    `report-per-child`).

    ## References
    - https://docs.python.org/3/library/functools.html#functools.lru_cache
    - https://docs.python.org/3/library/functools.html#functools.cached_property
    - https://docs.python.org/3/faq/programming.html#how-do-i-cache-method-calls (an `lru_cache` method is keyed by `self`)
    - https://github.com/posthog/posthog-python/issues/290 (a client built before the fork breaks)
    """

    code = "FRK105"
    name = "cache-filled-in-child"
    summary = "a memoised loader or lazy singleton first filled in the child"
    fix_availability = "sometimes"

    def check(self, analysis: Analysis) -> Iterator[Diagnostic]:
        seen: set[str] = set()
        fills: dict[str, Fill] = {}  # priced once, held to each job's floor
        properties = cached_properties(analysis)
        reads: dict[int, set[str]] = {}  # what each parent reads: many jobs share one parent
        for job in analysis.reported_jobs():
            parent = analysis.parent(job)
            path = analysis.reached(job)
            job_builds = builds(analysis, [r.function for r in path])
            for reached in path:
                fn = reached.function
                spots = loader_spots(analysis, fn) if fn.qualified not in seen else []
                calls = self._unwarmed_calls(analysis, job, fn, parent, job_builds) if spots else None
                if calls:
                    yield from self._report(analysis, job, reached, spots, calls, parent, seen, fills)
            if properties:
                for reached, calls in self._unwarmed_reads(analysis, path, parent, properties, job_builds, reads):
                    if reached.function.qualified not in seen:
                        spot = LoaderSpot("cached property", reached.function.facts.name_pos)
                        yield from self._report(analysis, job, reached, [spot], calls, parent, seen, fills)

    def _report(self, analysis: Analysis, job: Job, reached: Reached, spots: list[LoaderSpot],
                calls: list[tuple[str | None, Receiver]], parent: Parent, seen: set[str],
                fills: dict[str, Fill]) -> Iterator[Diagnostic]:
        fn = reached.function
        if builds_client(analysis, fn) or self._queries_database(analysis, fn):
            # A client per child is right; a cached query result is data, and warming
            # it in the parent would open a database connection before the fork.
            seen.add(fn.qualified)
            return
        filled = fills.get(fn.qualified)
        if filled is None:
            filled = fills[fn.qualified] = fill(analysis, fn)
        if not analysis.worth_reporting(filled.cost, job):
            return  # below this job's floor: a job whose child is thrown away sooner may pay it more
        seen.add(fn.qualified)
        # FRK106 follows calls: it sees a loader's body, never a property's (a read is no call).
        if spots[0].kind != "cached property" and self._first_use_reports_it(analysis, job, fn):
            return
        # Calling it in the parent fills the loaders it calls too: one root cause.
        seen.update(analysis.project.reachable(fn))
        for spot in spots:
            yield self._diagnostic(analysis, job, reached, spot, filled, calls, parent)

    @staticmethod
    def _unwarmed_calls(analysis: Analysis, job: Job, fn: FunctionRef, parent: Parent,
                        job_builds: frozenset[str]) -> list[tuple[str | None, Receiver]]:
        """The distinct constant calls of `fn` on the job's path, through what lives as long
        as the process, that the parent does not make (`load()` for a loader without
        parameters), as `call_text` writes them (None: constant, but not as literals a fix
        could write), each with what it is called through."""
        if not own_params(analysis, fn) and method_kind(analysis, fn) == "function":
            return [] if fn.qualified in parent.called_names() else [(f"{fn.facts.qualname}()", Receiver(fn.module.name, ""))]
        made = parent_calls(analysis, parent, fn)
        if made is None:
            return []  # the parent calls it with arguments forklint cannot read: it may warm these
        found: dict[str | None, Receiver] = {}
        for reached in analysis.reached(job):
            caller = reached.function
            for call, callee in analysis.project.callees(caller):
                if callee is not fn or not constant_call(analysis, caller.module, caller, call):
                    continue
                through = call_receiver(analysis, fn, caller.module, caller, call, job_builds)
                text = call_text(analysis, fn, caller.module, caller, call, through) if through else None
                if through is not None and text not in made:
                    found.setdefault(text, through)
        return list(found.items())

    @staticmethod
    def _unwarmed_reads(analysis: Analysis, path: list[Reached], parent: Parent, properties: dict[str, FunctionRef],
                        job_builds: frozenset[str], reads: dict[int, set[str]],
                        ) -> Iterator[tuple[Reached, list[tuple[str | None, Receiver]]]]:
        """The cached properties the job reads on a module-level instance and the parent
        never reads, each reached from where the job reads it (`INDEX.by_sku` to warm)."""
        done: set[str] = set()
        for reached in path:
            reader = reached.function
            for prop, written, line in property_reads(analysis, reader.module, reader, properties):
                through = receiver(analysis, prop, reader.module, reader, written, job_builds)
                if through is None or prop.qualified in done:
                    continue
                if id(parent) not in reads:
                    reads[id(parent)] = parent_reads(analysis, parent, properties)
                warmed = reads[id(parent)]
                done.add(prop.qualified)
                if prop.qualified not in warmed:
                    name = prop.facts.qualname.rpartition(".")[2]
                    yield Reached(prop, (*reached.hops, Hop(reader, line))), [(f"{through.prefix}{name}", through)]

    @staticmethod
    def _first_use_reports_it(analysis: Analysis, job: Job, fn: FunctionRef) -> bool:
        """Is the loader's work a catalogue call FRK106 reports at the call itself (a YAML load
        of a constant path)? One root cause, one finding: that one, whose fix hoists the load."""
        for call in fn.facts.calls:
            entry = analysis.entry_for(fn, fn.module, call, "FRK106")
            if entry is not None and entry.reported and analysis.constant_args(entry, fn.module, fn, call) \
                    and analysis.worth_reporting(analysis.cost(entry, fn.module, call), job):
                return True
        return False

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

    def _diagnostic(self, analysis: Analysis, job: Job, reached: Reached, spot: LoaderSpot, filled: Fill,
                    calls: list[tuple[str | None, Receiver]], parent: Parent) -> Diagnostic:
        fn = reached.function
        pos = spot.pos
        cost = f"~{format_ms(filled.cost.saving_ms)} ms estimated" if filled.cost.known else ""
        what = ", ".join(filter(None, [cost, *filled.work]))
        where = parent.places[0].description if parent.known and parent.places else "the worker's parent before the fork"
        written = [text for text, _ in calls if text is not None]
        verb = "read" if spot.kind == "cached property" else "call"
        if len(written) == len(calls):
            advice = f"{verb} {', '.join(written)} once in {where}"
        else:
            advice = f"call {fn.facts.qualname}() with the arguments the job passes once in {where}"
        shown = fn.facts.qualname if spot.kind == "cached property" else f"{fn.facts.qualname}()"
        message = (
            f"{spot.kind} {shown} is first filled {analysis.how_often(job)}{f' ({what})' if what else ''}, "
            f"on the path of {job.function.facts.qualname} ({analysis.chain_text(reached, pos.line)}); {advice}"
        )
        plan = None
        top_level = "." not in fn.facts.qualname or all(through.name for _, through in calls)
        if top_level and len(written) == len(calls):
            imports = dict.fromkeys(through.import_line if through.name else f"from {fn.module.name} import {fn.facts.qualname}"
                                    for _, through in calls)
            statements = written if spot.kind != "cached property" else \
                [f"{text}  # fills the cached property before the fork" for text in written]
            plan = plans.in_parent(analysis, job, [*imports, *statements], f"{verb} {' and '.join(written)} once")
        return Diagnostic(
            self.code, self.name, message, fn.module.display, pos.line, pos.col, pos.end_line, pos.end_col,
            job=job.function.qualified, chain=analysis.chain(reached, pos.line), fork_model=job.fork.kind,
            plan=plan, group=f"{fn.module.display}: {fn.qualified}",
        )
