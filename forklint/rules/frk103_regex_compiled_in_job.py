from __future__ import annotations

from .catalogue_rule import CatalogueCallRule


class RegexCompiledInJob(CatalogueCallRule):
    """## What it does
    Finds regular expressions with a constant pattern compiled on a job's path:
    `re.compile("...")`, `regex.compile("...")`, and `re.match`, `search`,
    `fullmatch`, `sub`, `subn`, `split`, `findall`, `finditer` given a constant
    pattern (they compile it and keep it in `re`'s cache).

    ## Why is this bad?
    `re`'s cache lives in the process: a pattern first compiled in a child is
    compiled again by every child. Measured per forked child: one complex pattern
    (URL-validator style) 41.3 ms cold against 0.20 ms when compiled at module
    level; ten typical patterns through `re.search` 4.7 ms against 0.19 ms.

    ## Example
    ```python
    @job("default")
    def normalise(text):
        return re.sub(r"\\s+", " ", text)
    ```

    ## Use instead
    ```python
    WHITESPACE = re.compile(r"\\s+")

    @job("default")
    def normalise(text):
        return WHITESPACE.sub(" ", text)
    ```

    ## Fix safety
    Safe: a compiled pattern is plain in-memory data. A pattern that is not a
    constant is not reported (it cannot be hoisted).

    ## Applies to
    Every framework whose children are thrown away per job, when it saves at least
    `min-cost-ms` (1 ms). Long-lived children with `report-per-child`, when it saves
    at least `min-cost-per-child-ms` (50 ms): paid once per child, the cost is spread
    over all the jobs the child runs (README, "Configuration", says why 50 ms).

    ## References
    - https://docs.python.org/3/library/re.html#re.compile
    - https://github.com/python/cpython/issues/139316
    """

    code = "FRK103"
    name = "regex-compiled-in-job"
    summary = "a regex with a constant pattern compiled on a job's path"
    fix_availability = "sometimes"
