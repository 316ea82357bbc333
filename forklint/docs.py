"""Rule documentation pages, generated from one source: each rule's docstring plus
its catalogue entries (costs and evidence). Used by `forklint rule`, `forklint rules`,
the README's rule table and SARIF rule descriptions."""

from __future__ import annotations

import inspect

from .catalogue import Catalogue
from .rules.base import REGISTRY, Rule

_FIX_TEXT = {
    "never": "No fix is available.",
    "sometimes": "Fix is sometimes available.",
    "always": "Fix is always available.",
}


def page(rule: type[Rule], catalogue: Catalogue) -> str:
    """The Markdown page of one rule, in the shape of ruff's."""
    lines = [f"# {rule.name} ({rule.code})", "", _FIX_TEXT[rule.fix_availability], "", inspect.getdoc(rule) or ""]
    entries = [e for e in catalogue.for_rule(rule.code) if e.reported]
    if entries:
        lines += ["", "## Catalogue entries", "", "| entry | APIs | cold ms | warm ms | fix | evidence |", "|---|---|---|---|---|---|"]
        for e in entries:
            apis = ", ".join(f"`{a}`" for a in e.apis) or "(an idiom, not an API)"
            cold = f"{e.cold_ms:g}" if e.cold_ms else "depends on the data"
            lines.append(f"| {e.id} | {apis} | {cold} | {e.warm_ms:g} | {e.fix} | {e.evidence} |")
        lines += ["", f"Entries come from `{', '.join(sorted({e.source for e in entries}))}`; add your own with "
                  "`[tool.forklint] extra-catalogues`."]
    return "\n".join(lines).rstrip() + "\n"


def rules_table() -> str:
    """The table of rules, for `forklint rules` and the README."""
    rows = ["| code | name | fix | what it finds |", "|---|---|---|---|"]
    for code in sorted(REGISTRY):
        rule = REGISTRY[code]
        rows.append(f"| {code} | {rule.name} | {rule.fix_availability} | {rule.summary} |")
    return "\n".join(rows) + "\n"
