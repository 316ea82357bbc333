from .base import Rule


class UnparsableFile(Rule):
    """## What it does
    Reports a file that LibCST cannot parse (a syntax error, Python 2 code, a file
    that is not text). forklint reports it and goes on with the other files.

    ## Why is this bad?
    forklint cannot see the jobs or the calls in a file it cannot parse, so findings
    that run through it are missed. Python itself will refuse to import it too.

    ## Example
    ```python
    print "hello"
    ```

    ## Use instead
    ```python
    print("hello")
    ```

    ## Fix safety
    No fix.

    ## Applies to
    Every file.
    """

    code = "FRK000"
    name = "unparsable-file"
    summary = "a file forklint cannot parse (reported; the run goes on)"
