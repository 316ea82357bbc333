from __future__ import annotations

from ..analysis import Analysis, Reached
from ..catalogue import Entry
from ..facts import Call, Dotted
from ..frameworks import Job
from .catalogue_rule import CatalogueCallRule


class TemplateCompiledInJob(CatalogueCallRule):
    """## What it does
    Finds templates compiled on a job's path: `jinja2.Template(source)`,
    `Environment(...)` built in the job, `env.from_string(source)`, Django
    `Template(source)` and `engines[...].from_string(source)`.

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
    in-memory data. Non-constant sources are not reported.

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

    def worth_reporting(self, analysis: Analysis, job: Job, reached: Reached, call: Call, entry: Entry) -> bool:
        # Loading by name is cached on the environment: reported where the environment
        # is built (per job), not at every get_template on it.
        if entry.kind == "first-use":
            return False
        # `env.from_string(...)` on an Environment built in this function: reported once,
        # where the Environment is built.
        if isinstance(call.func, Dotted) and "." in call.func.name:
            receiver = call.func.name.rpartition(".")[0]
            if any(a.target == receiver for a in reached.function.facts.assigns):
                return False
        return super().worth_reporting(analysis, job, reached, call, entry)
