from __future__ import annotations

from typing import Iterator

from ..analysis import Analysis
from ..diagnostics import Diagnostic
from ..frameworks import PER_JOB
from .. import plans
from .base import Rule


class JobModuleNotPreloaded(Rule):
    """## What it does
    Finds RQ jobs whose module the worker's parent does not import before it forks,
    where the worker's entry is known (a worker script calling `.work()`, a
    `Worker` subclass module, or the configured `prefork-modules`).

    ## Why is this bad?
    RQ's work horse finds the job function with `import_attribute(func_name)`, which
    imports the job's module in the child (rq/job.py `Job.func`, rq/utils.py
    `import_attribute`). If the parent never imported it, every job imports the
    module again, with all of its imports (SQLAlchemy, the models, pandas...). In
    forklint's measurement with a real RQ worker and Redis, not preloading the job
    module cost another ~0.44 s per job (723 ms against 286 ms per job, before any
    other fix); with the module preloaded and mappers configured, 59 ms.

    What the child pays is the job module's imports the parent has not loaded, plus the
    module's own body. A module whose imports the parent already loaded, that maps no
    model and calls nothing the catalogue knows as costly, runs well under `min-cost-ms`
    and is not reported (`--show-cheap` reports it).

    ## Example
    ```python
    # run_worker.py
    from redis import Redis
    from rq import Queue, Worker

    Worker([Queue("events", connection=Redis())]).work()
    ```

    ## Use instead
    ```python
    # run_worker.py
    from redis import Redis
    from rq import Queue, Worker

    import eventlog.tasks  # preload: every work horse inherits it

    Worker([Queue("events", connection=Redis())]).work()
    ```

    ## Fix safety
    Safe when the job module does nothing unsafe at import (no connections opened,
    no threads started: see FRK901). Where the worker is the stock `rq worker` CLI,
    the fix is display-only: run `rq worker -c <settings>` with a settings module
    that imports the job modules.

    ## Applies to
    RQ, django-rq, Flask-RQ2 (fork-per-job workers). Not `SimpleWorker` (no fork) or
    `SpawnWorker` (a fresh interpreter per job: preloading cannot help).

    ## References
    - https://python-rq.org/docs/workers/ ("Performance notes")
    """

    code = "FRK107"
    name = "job-module-not-preloaded"
    summary = "RQ imports the job's module in every work horse"
    fix_availability = "sometimes"

    def check(self, analysis: Analysis) -> Iterator[Diagnostic]:
        costs = analysis.catalogue.by_api()
        for job in analysis.reported_jobs():
            if not job.adapter.imports_job_module_in_child or job.fork.kind != PER_JOB:
                continue
            parent = analysis.parent(job)
            module = job.function.module
            if not parent.known or parent.loads_module(module.name):
                continue
            if analysis.floor_ms(job) > 0 and analysis.import_runs_only_itself(module.name, parent):
                continue  # what the child redoes is the module's own body: well under the floor
            child = analysis.child_loads(job)
            heavy = sorted(
                {top: costs[top].cold_ms for top in {n.split(".")[0] for n in child.external}
                 if top in costs and costs[top].kind == "import-cost" and not parent.loads_external(top)}.items(),
                key=lambda item: -item[1],
            )
            weight = ""
            if heavy:
                listed = ", ".join(f"{name} ~{ms:.0f} ms" for name, ms in heavy[:3])
                weight = f" (with its imports: {listed} cold)"
            where = parent.places[0].description if parent.places else "the worker's parent"
            message = (
                f"{job.adapter.title} imports {module.name} in every work horse to run {job.function.facts.qualname}{weight}: "
                f"the worker does not import it before the fork; import {module.name} in {where}"
            )
            plan = plans.in_parent(analysis, job, [], f"import {module.name}", preload=True)
            group = f"{analysis.parent_id(job)}: {module.name}"  # one import per job module
            yield analysis.at_job(job, self.code, self.name, message, plan=plan, group=group)
