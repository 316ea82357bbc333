from __future__ import annotations

from typing import Iterator

from ..analysis import Analysis
from ..diagnostics import Diagnostic
from .. import plans
from ..prefork import Step
from .base import Rule


class LazyMapperConfiguration(Rule):
    """## What it does
    Finds jobs that use the SQLAlchemy ORM (instantiate a mapped class, `select(Model)`,
    `session.query(Model)`, `Model.query`) in a forked child when the worker's parent
    has not configured the mappers after the models were defined: by
    `configure_mappers()`, or by its own first ORM use (a query or a model built in
    the parent configures every mapper defined by then).

    ## Why is this bad?
    SQLAlchemy wires relationships between mappers lazily, on the first ORM use in
    the process. A child forked from a parent that never did it configures every
    mapper again, and RQ forks a new child for every job. Redash measured 4 workers
    × 1000 jobs going from 102 s to 24.6 s once the parent called
    `configure_mappers()`; forklint's own measurement with 41 models is 234.6 ms per
    child cold against 0.83 ms warm.

    A `configure_mappers()` that runs before the model classes are defined (Redash
    called it at import of `models/base.py`) configures nothing: forklint follows the
    parent's imports in order and does not count it.

    ## Example
    ```python
    # tasks.py
    @job("default")
    def record_event(data):
        Event.record(data)          # first ORM use: configures every mapper

    # worker.py
    Worker([queue], connection=redis).work()
    ```

    ## Use instead
    ```python
    # worker.py
    import tasks
    from sqlalchemy.orm import configure_mappers
    configure_mappers()
    Worker([queue], connection=redis).work()
    ```

    ## Fix safety
    Safe where the worker's parent is known: `configure_mappers()` opens no
    connection. Where no pre-fork place is found, the fix is display-only.

    ## Applies to
    RQ, django-rq, Flask-RQ2, Celery (`worker_init`), multiprocessing pools; only
    models with relationships count (configuration without them is cheap).

    ## References
    - https://github.com/getredash/redash/pull/4314
    - https://docs.sqlalchemy.org/en/20/orm/mapping_api.html#sqlalchemy.orm.configure_mappers
    """

    code = "FRK101"
    name = "lazy-mapper-configuration"
    summary = "a job's first ORM use configures every SQLAlchemy mapper in the child"
    fix_availability = "sometimes"

    def check(self, analysis: Analysis) -> Iterator[Diagnostic]:
        models = analysis.models
        if not models.any_relationships:
            return
        entry = analysis.catalogue.entry("mapper-configuration")
        cost = entry.cost() if entry else ""
        configured_by: dict[int, set[str]] = {}  # per parent (jobs share one)

        def configures(step: Step) -> bool:
            return step.kind == "call" and step.call is not None and \
                models.configures(step.function, step.call, step.module) is not None

        for job in analysis.reported_jobs():
            found = next(
                ((reached, use) for reached in analysis.reached(job) if (use := models.orm_use(reached.function))),
                None,
            )
            if found is None:
                continue
            reached, use = found
            parent = analysis.parent(job)
            # A query or a model built in the parent configures every mapper defined by then,
            # as configure_mappers() does (SQLAlchemy configures on first use).
            if id(parent) not in configured_by:
                configured_by[id(parent)] = parent.defined_before_last(configures)
            configured = configured_by[id(parent)]
            loaded = set(analysis.child_modules(job)) | {m for s in parent.states for m in s.modules}
            if use.model is not None and (models_module := analysis.project.module_of(use.model)) is not None:
                # The class the job queries exists in the child, so its module is loaded by then
                # (a model class passed to the job as an argument is imported when RQ unpickles it).
                loaded.add(models_module.name)
            pending = [
                name for name, has_relationship in models.mapped.items()
                if has_relationship and name not in configured
                and (module := analysis.project.module_of(name)) is not None and module.name in loaded
            ]
            if not pending:
                continue
            line = use.call.pos.line
            chain = analysis.chain(reached, line)
            late = ""
            if any(parent.calls(t) for t in models.configure_targets):
                late = " (the configure_mappers() the parent runs comes before these models are defined)"
            elif any(configures(step) for state in parent.states for step in state.timeline):
                late = " (the parent's first ORM use, which configures the mappers, comes before these models are defined)"
            where = parent.places[0].description if parent.known and parent.places else "the worker's parent before the fork"
            message = (
                f"{job.function.facts.qualname} configures {len(pending)} SQLAlchemy mapper(s) "
                f"{analysis.how_often(job)}{f' ({cost})' if cost else ''}: first ORM use {use.what} via "
                f"{analysis.chain_text(reached, line)}{late}; call configure_mappers() in {where}"
            )
            plan = plans.in_parent(
                analysis, job, ["from sqlalchemy.orm import configure_mappers", "configure_mappers()"],
                "call configure_mappers()", preload=True,
            )
            # One parent lacking configure_mappers() is one thing to fix, however many jobs.
            yield analysis.at_job(job, self.code, self.name, message, chain, plan, group=analysis.parent_id(job))
