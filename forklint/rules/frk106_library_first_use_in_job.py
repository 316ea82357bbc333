from __future__ import annotations

from typing import Iterator

from ..analysis import Analysis
from ..costs import catalogue_cost
from ..diagnostics import Diagnostic
from ..fix.plan import HoistClass, Position
from .catalogue_rule import CatalogueCallRule

PYDANTIC_MODELS = frozenset({"pydantic.BaseModel", "pydantic.main.BaseModel"})


class LibraryFirstUseInJob(CatalogueCallRule):
    """## What it does
    Finds library calls on a job's path that are expensive the first time in a
    process, or every time, and that the worker's parent could have done once:
    `strptime`, `mimetypes`, `boto3.client`, Django `setup` / `reverse` /
    translations, pydantic models defined in a function and `TypeAdapter(...)`,
    `jsonschema` validators and `jsonschema.validate`, `import pkg_resources`,
    `importlib.metadata.entry_points`, `ctypes.util.find_library`,
    `ssl.create_default_context`, and loading the same file (a model, a pickle) in
    every job. Which calls count, and what they cost, is data: `rules/*.toml`.

    ## Why is this bad?
    Each of these fills a process-wide cache or builds an object from scratch; in a
    forked child that work is lost with the child. Measured per forked child (cold →
    warm): `boto3.client` 172 → 16 ms, `django.urls.reverse` with 570 routes
    128 → 0.5 ms, a pydantic model class defined in the job 144 → 0.9 ms,
    `import pkg_resources` 173 → 0.5 ms, first `strptime` 5.7 → 0.2 ms,
    `mimetypes.guess_type` 5.5 → 0.2 ms. `forklint rule FRK106` lists every entry.

    First-use work is not reported when the parent already did it before the fork
    (one `strptime` at import, `mimetypes.init()` in the worker script).

    ## Example
    ```python
    @job("uploads")
    def store(path):
        kind, _ = mimetypes.guess_type(path)
    ```

    ## Use instead
    ```python
    # worker.py, before .work()
    import mimetypes
    mimetypes.init()
    ```

    ## Fix safety
    Warm-ups and hoists offered are safe (pure in-memory data). A boto3 client is
    never shared: the parent only warms the loader by creating and dropping one;
    the real client is created in the child.

    ## Applies to
    Every framework whose children are thrown away per job, when it saves at least
    `min-cost-ms` (1 ms). Long-lived children with `report-per-child`, when it saves
    at least `min-cost-per-child-ms` (50 ms): paid once per child, the cost is spread
    over all the jobs the child runs (README, "Configuration", says why 50 ms).

    ## References
    - https://boto3.amazonaws.com/v1/documentation/api/latest/guide/clients.html
    - https://github.com/django/django/pull/11333
    - https://docs.pydantic.dev/latest/concepts/performance/
    """

    code = "FRK106"
    name = "library-first-use-in-job"
    summary = "a library's costly first use (catalogue) done in the child"
    fix_availability = "sometimes"

    def check(self, analysis: Analysis) -> Iterator[Diagnostic]:
        yield from super().check(analysis)
        yield from self._models_in_functions(analysis)
        yield from self._imports(analysis)

    def _models_in_functions(self, analysis: Analysis) -> Iterator[Diagnostic]:
        project = analysis.project
        entry = analysis.catalogue.entry("pydantic-model-class-in-job")
        seen: set[str] = set()
        for job in analysis.reported_jobs():
            if entry is not None and not analysis.worth_reporting(catalogue_cost(entry), job):
                continue
            for reached in analysis.reached(job):
                fn = reached.function
                prefix = fn.facts.qualname + "."
                for cls in fn.module.facts.classes:
                    qualified = f"{fn.module.name}.{cls.qualname}"
                    if not cls.qualname.startswith(prefix) or "." in cls.qualname[len(prefix):] or qualified in seen:
                        continue
                    if not project.is_subclass(qualified, PYDANTIC_MODELS):
                        continue
                    seen.add(qualified)
                    cost = f" ({entry.cost()})" if entry else ""
                    message = (
                        f"pydantic model {cls.qualname.rpartition('.')[2]} is defined inside "
                        f"{fn.facts.qualname}: its validator is built {analysis.how_often(job)}{cost}; "
                        f"define it at module level (job {job.function.facts.qualname}, via "
                        f"{analysis.chain_text(reached, cls.name_pos.line)})"
                    )
                    pos = cls.name_pos
                    plan = HoistClass(path=fn.module.display, applicability="safe", name=Position.start_of(pos),
                                      description=f"move class {cls.qualname.rpartition('.')[2]} to module level")
                    yield Diagnostic(
                        self.code, self.name, message, fn.module.display, pos.line, pos.col, pos.end_line,
                        pos.end_col, job=job.function.qualified, chain=analysis.chain(reached, pos.line),
                        fork_model=job.fork.kind, plan=plan,
                    )

    def _imports(self, analysis: Analysis) -> Iterator[Diagnostic]:
        """Imports whose cost is a first-use scan (`pkg_resources`), not just loading code."""
        entries = {api: e for e in analysis.catalogue.for_rule(self.code) if e.kind == "import-cost" for api in e.apis}
        seen: set[tuple[str, int]] = set()
        for job in analysis.reported_jobs():
            parent = analysis.parent(job)
            for reached in analysis.reached(job):
                fn = reached.function
                for imp in fn.facts.imports:
                    names = analysis.project.imported_modules(fn.module, imp)
                    entry = next((entries[n] for n in names if n in entries), None)
                    key = (fn.module.display, imp.pos.line)
                    if entry is None or imp.type_checking or key in seen or parent.loads_external(entry.apis[0]) \
                            or not analysis.worth_reporting(catalogue_cost(entry), job):
                        continue
                    seen.add(key)
                    message = (
                        f"{entry.summary} {analysis.how_often(job)} ({entry.cost()}); "
                        f"{entry.advice} (job {job.function.facts.qualname})"
                    )
                    pos = imp.pos
                    yield Diagnostic(
                        self.code, self.name, message, fn.module.display, pos.line, pos.col, pos.end_line,
                        pos.end_col, job=job.function.qualified, chain=analysis.chain(reached, pos.line),
                        fork_model=job.fork.kind,
                    )
