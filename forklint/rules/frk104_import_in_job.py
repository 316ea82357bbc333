from __future__ import annotations

import sys
from typing import Iterator

from ..analysis import Analysis
from ..diagnostics import Diagnostic
from ..facts import Import
from ..prefork import Parent, ParentState
from .. import plans
from .base import Rule


class ImportInJob(Rule):
    """## What it does
    Finds an `import` inside a function that a job reaches, of a module that nothing
    the worker's parent loads imports at module level.

    ## Why is this bad?
    The child imports it after the fork, so every child pays the import and throws
    it away. Measured per forked child (cold, the parent had not imported it):
    `sqlalchemy.orm` 369 ms, `pandas` 467 ms, `boto3` 217 ms, `django.db.models`
    212 ms, `celery` 155 ms, `requests` 143 ms, `pydantic` 131 ms, `jinja2` 63 ms.
    Imported once in the parent, the same import costs under 1 ms in the child.

    The figure a finding quotes is measured here where the package is installed: once
    per package version, `python -I -X importtime -c "import X"` imports it in a fresh,
    isolated interpreter (the only place forklint runs a package's code), and the
    figure is kept in the cache folder. Else it is the catalogue's figure for the
    package (said so). An import that costs less than the floor for how often it is
    paid is not reported.

    Standard-library modules are not reported (they cost little), nor imports under
    `if TYPE_CHECKING:`, nor imports guarded by `try/except ImportError` (an optional
    dependency, imported where it is used on purpose), nor modules the parent already
    has loaded, nor modules the child loads itself before its first job (Dramatiq's
    worker processes import the actor modules; an initializer or `worker_process_init`
    handler runs in the child).
    What the parent's third-party imports load in turn is read from the packages
    installed where forklint runs (their module-level import statements, never run);
    where a package the parent imports is not installed there, the message says that
    whether it loads the module is unknown.

    ## Example
    ```python
    @job("reports")
    def export(report_id):
        import pandas
        ...
    ```

    ## Use instead
    ```python
    import pandas

    @job("reports")
    def export(report_id):
        ...
    ```

    ## Fix safety
    Moving the import to the top of the module is safe. An import that breaks a
    cycle between the project's modules (the imported module imports this one) cannot
    move to the top: the finding says so, and the fix imports the module in the
    worker's parent instead, where it is imported whole before any job runs.

    ## Applies to
    Per-job children: RQ, django-rq, Flask-RQ2, Celery with a small
    `worker_max_tasks_per_child`, `Pool(maxtasksperchild=1)`, `Process(target=)`.
    Per-child pools with `report-per-child = true`, for imports that cost at least
    `min-cost-per-child-ms` (50 ms) or whose cost is not known here.

    ## References
    - https://python-rq.org/docs/workers/ ("Performance notes")
    """

    code = "FRK104"
    name = "import-in-job"
    summary = "a function-level import of a module the parent never loaded"
    fix_availability = "sometimes"

    def check(self, analysis: Analysis) -> Iterator[Diagnostic]:
        project = analysis.project
        costs = analysis.catalogue.by_api()
        seen: set[tuple[str, int, int]] = set()
        for job in analysis.reported_jobs():
            parent = analysis.parent(job)
            startup = analysis.child_startup(job)
            for reached in analysis.reached(job):
                fn = reached.function
                for imp in fn.facts.imports:
                    key = (fn.module.display, imp.pos.line, imp.pos.col)
                    if imp.type_checking or imp.guarded or key in seen:
                        continue  # guarded: an optional dependency, imported where it is used on purpose
                    names = project.imported_modules(fn.module, imp)
                    target = names[-1] if names else imp.module
                    top = target.split(".")[0]
                    if not top or top in sys.stdlib_module_names or top == "__future__":
                        continue
                    local = project.module(target)
                    if local is not None and parent.loads_module(local.name):
                        continue
                    if local is None and parent.loads_external(target):
                        continue
                    if (local.name in startup.modules) if local is not None else startup.loads_external(target):
                        continue  # the child loaded it itself before its first job: a lookup
                    if local is not None and analysis.floor_ms(job) > 0 and \
                            analysis.import_runs_only_itself(local.name, parent, startup):
                        continue  # running one small module whose imports are all loaded: under the floor
                    entry = costs.get(target) or costs.get(top)
                    if entry is not None and entry.kind == "import-cost" and entry.rule != self.code:
                        continue  # e.g. pkg_resources: a first-use scan, reported as FRK106
                    if local is None:
                        cost = analysis.import_cost(target)
                        if not analysis.worth_reporting(cost, job):
                            continue  # measured (or catalogued) under the floor for how often it is paid
                        figure = cost.text() or "a third-party import"
                    else:
                        figure = "its import time"
                    seen.add(key)
                    line = imp.pos.line
                    chain = analysis.chain(reached, line)
                    if local is not None and analysis.import_cycle(fn.module, local.name):
                        # At the top of its module it would close the cycle; in the parent it
                        # is imported whole, and it finds this module whole in turn.
                        advice = (f"it breaks an import cycle ({local.name} imports {fn.module.name}), so import "
                                  f"{local.name} in the worker's parent instead of at the top of {fn.module.display}")
                        plan = plans.in_parent(analysis, job, [f"import {local.name}  # noqa: F401"],
                                               f"import {local.name}")
                    else:
                        advice = f"move it to the top of {fn.module.display}"
                        plan = plans.move_import(analysis, fn, imp, target)
                    message = (
                        f"`{_import_text(imp)}` runs {analysis.how_often(job)} ({figure}) for "
                        f"{job.function.facts.qualname}: {_why_unloaded(parent, startup, target, local is not None)}; "
                        f"{advice} (via {analysis.chain_text(reached, line)})"
                    )
                    yield Diagnostic(
                        self.code, self.name, message, fn.module.display, imp.pos.line, imp.pos.col,
                        imp.pos.end_line, imp.pos.end_col, job=job.function.qualified, chain=chain,
                        fork_model=job.fork.kind, plan=plan,
                        group=f"{analysis.parent_id(job)}: {target}",  # the parent loading it fixes them all
                    )


def _why_unloaded(parent: Parent, startup: ParentState, target: str, local: bool) -> str:
    """Say what is known: a third-party package imported before the job may load
    `target` when it is not installed here to be read."""
    unknown = [] if local else sorted(set(parent.not_installed()) | set(startup.not_installed()))
    if not unknown:
        return f"nothing the worker's parent loads imports {target}"
    shown = ", ".join(unknown[:3]) + (f" and {len(unknown) - 3} more" if len(unknown) > 3 else "")
    one = len(unknown) == 1
    return (f"the worker's parent does not import {target} itself, but {shown} (imported before the job) "
            f"{'is' if one else 'are'} not installed here, so whether {'it loads' if one else 'they load'} "
            f"{target} is unknown")


def _import_text(imp: Import) -> str:
    if imp.name is None:
        return f"import {imp.module}" + (f" as {imp.asname}" if imp.asname else "")
    return f"from {'.' * imp.level}{imp.module} import {imp.name}"
