from .base import Rule


class UnusedNoqa(Rule):
    """## What it does
    Reports a `# noqa: FRK...` comment, or one FRK code in it, that silences no
    finding on its line. Off by default: select it by its full code
    (`--select FRK100`, or `select = ["FRK", "FRK100"]` in `[tool.forklint]`).

    ## Why is this bad?
    A stale `# noqa` hides the next real finding on that line: once the job is
    fixed or the code moves, the comment keeps silencing whatever forklint finds
    there later. A comment is used when it silences any rule's finding, selected or
    not, so turning a rule off does not make its comments look stale.

    Only FRK codes are judged: other codes in the same comment belong to other
    tools, and a bare `# noqa` may be there for any of them. (ruff users: add
    `external = ["FRK"]` to `[tool.ruff.lint]` so RUF100 leaves FRK codes alone.)

    ## Example
    ```python
    import requests  # noqa: FRK104

    @job("mail")
    def send(order_id):
        ...
    ```

    ## Use instead
    ```python
    import requests

    @job("mail")
    def send(order_id):
        ...
    ```

    ## Fix safety
    No fix yet; remove the code (or the whole comment) by hand.

    ## Applies to
    Every file checked.
    """

    # The engine reports it (forklint/noqa.py): it depends on what every other
    # rule found, before `# noqa` silenced it.
    code = "FRK100"
    name = "unused-noqa"
    summary = "a `# noqa: FRK...` comment that silences nothing (off by default)"
