from __future__ import annotations

from typing import Iterator

from .. import plans
from ..analysis import Analysis, Reached
from ..catalogue import Entry
from ..diagnostics import Diagnostic
from ..facts import Call, Dotted
from ..fix.plan import DisplayOnly, FixPlan
from ..frameworks import Job
from ..template_loads import Load, TemplateLoads
from .catalogue_rule import CatalogueCallRule


class TemplateCompiledInJob(CatalogueCallRule):
    """## What it does
    Finds templates compiled on a job's path: `jinja2.Template(source)`,
    `Environment(...)` built in the job, `env.from_string(source)`, Django
    `Template(source)` and `engines[...].from_string(source)`.

    Also a template loaded by a constant name on an Environment every job of a child
    shares (a module-level `Environment`, Flask's `render_template` or
    `current_app.jinja_env`) that the worker's parent never loads: each child compiles
    it on first use. The name may be written in the job and passed through project
    helpers (`render_template(path)`), or built over a literal list
    (`"emails/failures.{}".format(f) for f in ["html", "txt"]`); the finding is where
    the name is written. A name read at run time, a template the parent loads before
    the fork, or an Environment built per job (reported where it is built) is not.

    ## Why is this bad?
    Jinja2 and Django compile a template to Python code and cache it on the
    environment. A template compiled in the child is compiled again by every child.
    Measured per forked child: a Jinja2 template from source 17.8 ms cold against
    2.4 ms hoisted; loading by name through an environment made in the job 29.7 ms
    against 3.0 ms. Where Jinja2 is installed, a template from a literal source is
    compiled here and its own figure quoted ("measured here"): about 1 ms for a one-line
    template, several for a page. So are the templates a job loads by a constant name
    from an Environment it builds, when the project holds them (found by name below a
    `templates` folder, with those they extend, include or import).

    ## Example
    ```python
    @job("mail")
    def send_welcome(user_id):
        body = jinja2.Template("Hello {{ name }}").render(name=...)
    ```

    ## Use instead
    ```python
    WELCOME = jinja2.Template("Hello {{ name }}")

    @job("mail")
    def send_welcome(user_id):
        body = WELCOME.render(name=...)
    ```

    ## Fix safety
    Hoisting a template built from a constant string is safe: a template is plain
    in-memory data. Non-constant sources are not reported. Loading a template in the
    parent is safe too (the cache is in memory): on a module-level Environment the fix
    imports it and loads the templates before the fork; on a Flask app's Environment the
    parent needs its app, so the fix says what to call (`app.jinja_env.get_template(...)`).

    ## Applies to
    Every framework whose children are thrown away per job, when it saves at least
    `min-cost-ms` (1 ms). Long-lived children with `report-per-child`, when it saves
    at least `min-cost-per-child-ms` (50 ms): paid once per child, the cost is spread
    over all the jobs the child runs (README, "Configuration", says why 50 ms).

    ## References
    - https://github.com/pallets/jinja/blob/main/docs/faq.rst
    - https://github.com/pallets/jinja/blob/main/src/jinja2/bccache.py
    """

    code = "FRK102"
    name = "template-compiled-in-job"
    summary = "a Jinja2 or Django template compiled on a job's path"
    fix_availability = "sometimes"

    def check(self, analysis: Analysis) -> Iterator[Diagnostic]:
        yield from super().check(analysis)
        yield from self._first_loads(analysis)

    def _first_loads(self, analysis: Analysis) -> Iterator[Diagnostic]:
        """Templates loaded by a constant name on a shared Environment that the job's
        parent never loads them from: each child compiles them on first use."""
        loads = TemplateLoads(analysis)
        seen: set[tuple[str, int, int]] = set()
        for job in analysis.reported_jobs():
            warmed = loads.parent_names(analysis.parent(job))
            if warmed is None:
                continue  # the parent loads templates by names not known here: maybe these
            for reached in analysis.reached(job):
                for load in loads.loads(reached.function):
                    names = tuple(n for n in load.names if n not in warmed)
                    key = (reached.function.module.display, load.call.pos.line, load.call.pos.col)
                    entry = load.loader.entry
                    if not names or key in seen or not entry.reported:
                        continue
                    cost = analysis.template_cost(entry, names)
                    if not analysis.worth_reporting(cost, job):
                        continue
                    seen.add(key)
                    yield self._first_load(analysis, job, reached, load, names, cost.text())

    def _first_load(self, analysis: Analysis, job: Job, reached: Reached, load: Load, names: tuple[str, ...],
                    cost: str) -> Diagnostic:
        entry, call = load.loader.entry, load.call
        shown = ", ".join(names)
        message = (
            f"{call.source}(...) {entry.summary} ({shown}) for the first time {analysis.how_often(job)}"
            f"{f' ({cost})' if cost else ''}, which the parent never loads; {entry.advice} "
            f"(job {job.function.facts.qualname}, via {analysis.chain_text(reached, call.pos.line)})"
        )
        pos = call.pos
        return Diagnostic(
            self.code, self.name, message, reached.function.module.display, pos.line, pos.col, pos.end_line,
            pos.end_col, job=job.function.qualified, chain=analysis.chain(reached, pos.line),
            fork_model=job.fork.kind, plan=self._warm_up(analysis, job, load, names),
        )

    def _warm_up(self, analysis: Analysis, job: Job, load: Load, names: tuple[str, ...]) -> FixPlan | None:
        """Load the templates in the parent on the same Environment: where it is a project
        module's variable, import it and load them; else (an app's Environment, which the
        parent must build first) say what to call."""
        if load.loader.entry.safety != "safe":
            return None
        receiver = load.loader.receiver
        target = None
        if receiver is not None:
            fn = load.loader.steps[-1].function if load.loader.steps else load.function
            held = analysis.project.variable(fn.module, receiver)
            module = analysis.project.module(held.rpartition(".")[0]) if held else None
            # A variable of a project module (`reports.env.ENV`), not a proxy of a library.
            attr = held.rpartition(".")[2] if held else ""
            target = held if module is not None and any(a.target == attr for a in module.facts.assigns) else None
        if target is None:
            loads = "; ".join(f"app.jinja_env.get_template({name!r})" for name in names)
            parent = analysis.parent(job)
            place = parent.places[0] if parent.known and parent.places else None
            where = f", in {place.description}" if place is not None and place.kind != "assumed" else ""
            return DisplayOnly(path=place.module.display if where and place is not None else load.function.module.display,
                               description=f"{load.loader.entry.advice}{where}: {loads}")
        module = target.rpartition(".")[0]
        statements = [f"import {module}", *(f"{target}.get_template({name!r})" for name in names)]
        return plans.in_parent(analysis, job, statements, f"load {', '.join(names)} in the parent")

    def worth_reporting(self, analysis: Analysis, job: Job, reached: Reached, call: Call, entry: Entry) -> bool:
        # Loading by name is cached on the environment: a first load on a shared one is
        # reported by `_first_loads` (once per name, where it is written), one on an
        # environment built per job where that environment is built.
        if entry.kind == "first-use":
            return False
        # `env.from_string(...)` on an Environment built in this function: reported once,
        # where the Environment is built.
        if isinstance(call.func, Dotted) and "." in call.func.name:
            receiver = call.func.name.rpartition(".")[0]
            if any(a.target == receiver for a in reached.function.facts.assigns):
                return False
        return super().worth_reporting(analysis, job, reached, call, entry)
