"""`sarif`: a SARIF 2.1.0 log, for GitHub code scanning and other SARIF viewers.

One run; the driver lists every rule with its documentation page (the rule's
docstring). Each result carries its location, the job→call chain as a code flow,
and the fix's edits as replacements. Paths are relative to the folder forklint ran
in (`%SRCROOT%`); lines and columns are 1-based, counted in code points.
"""

from __future__ import annotations

import inspect
import json
import re
from importlib import metadata
from pathlib import Path
from typing import Sequence
from urllib.parse import quote

from .. import __version__
from ..diagnostics import ChainLink, Diagnostic, Edit, Fix
from ..rules import REGISTRY, Rule  # the package: importing it registers every rule
from .base import ReportContext

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"


def sarif_log(diagnostics: Sequence[Diagnostic], context: ReportContext) -> str:
    rules = sorted(REGISTRY.values(), key=lambda rule: rule.code)
    index = {rule.code: i for i, rule in enumerate(rules)}
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "forklint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": _homepage(),
                        "rules": [_rule(rule) for rule in rules],
                    }
                },
                "originalUriBaseIds": {SRCROOT: {"uri": Path.cwd().as_uri() + "/"}},
                "columnKind": "unicodeCodePoints",
                "results": [_result(d, index.get(d.code)) for d in diagnostics],
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


# -- rules -------------------------------------------------------------------------------


def _rule(rule: type[Rule]) -> dict[str, object]:
    page = inspect.cleandoc(rule.__doc__ or "")
    summary = _section(page, "What it does") or page
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": _first_sentence(summary)},
        "fullDescription": {"text": _plain(summary)},
        "help": {"text": _plain(page), "markdown": page},
        "defaultConfiguration": {"level": "error"},
        "properties": {"fixAvailability": rule.fix_availability},
    }


def _section(page: str, title: str) -> str:
    """The body of `## title` in a rule's Markdown page."""
    match = re.search(rf"^## {re.escape(title)}\s*\n(.*?)(?=^## |\Z)", page, re.M | re.S)
    return match.group(1).strip() if match else ""


def _plain(markdown: str) -> str:
    """Markdown without heading marks, code fences and backticks, for plain-text viewers."""
    text = re.sub(r"^```.*\n?", "", markdown, flags=re.M)
    return re.sub(r"^#+ ", "", text, flags=re.M).replace("`", "")


def _first_sentence(text: str) -> str:
    flat = " ".join(_plain(text).split())
    match = re.match(r"(.+?[.!?])(\s|$)", flat)
    return match.group(1) if match else flat


def _homepage() -> str:
    """The project's URL from the installed metadata, else its PyPI page."""
    try:
        meta = metadata.metadata("forklint")
    except metadata.PackageNotFoundError:
        meta = None
    if meta is not None:
        for entry in meta.get_all("Project-URL") or []:
            _, _, url = entry.partition(", ")
            if url:
                return url
        if meta.get("Home-page"):
            return meta["Home-page"]
    return "https://pypi.org/project/forklint/"


# -- results -----------------------------------------------------------------------------


def _result(d: Diagnostic, rule_index: int | None) -> dict[str, object]:
    result: dict[str, object] = {
        "ruleId": d.code,
        "level": "error",
        "message": {"text": d.message},
        "locations": [_location(d.path, _region(d.line, d.col, d.end_line, d.end_col))],
        "properties": {"name": d.name, "job": d.job, "forkModel": d.fork_model},
    }
    if rule_index is not None:
        result["ruleIndex"] = rule_index
    if d.related:  # the other sites of the same root cause
        result["relatedLocations"] = [
            {"id": index, **_location(site.path, {"startLine": site.line, "startColumn": site.col}),
             "message": {"text": site.job or "the same root cause"}}
            for index, site in enumerate(d.related, start=1)
        ]
    if d.chain:
        result["codeFlows"] = [{"threadFlows": [{"locations": [_chain_step(link) for link in d.chain]}]}]
    if d.fix is not None and d.fix.edits:
        result["fixes"] = [_fix(d.fix)]
    return result


def _chain_step(link: ChainLink) -> dict[str, object]:
    location = _location(link.path, {"startLine": link.line})
    location["message"] = {"text": link.function}
    return {"location": location}


def _fix(fix: Fix) -> dict[str, object]:
    return {
        "description": {"text": fix.description},
        "artifactChanges": [
            {
                "artifactLocation": _artifact(fix.path),
                "replacements": [_replacement(edit) for edit in fix.edits],
            }
        ],
        "properties": {"applicability": fix.applicability},
    }


def _replacement(edit: Edit) -> dict[str, object]:
    # Both conventions are end-exclusive, so an insertion is an empty region.
    return {
        "deletedRegion": _region(edit.line, edit.col, edit.end_line, edit.end_col),
        "insertedContent": {"text": edit.content},
    }


def _location(path: str, region: dict[str, int]) -> dict[str, object]:
    return {"physicalLocation": {"artifactLocation": _artifact(path), "region": region}}


def _region(line: int, col: int, end_line: int, end_col: int) -> dict[str, int]:
    return {"startLine": line, "startColumn": col, "endLine": end_line, "endColumn": end_col}


def _artifact(path: str) -> dict[str, str]:
    """A URI relative to `%SRCROOT%` for paths below it, else an absolute `file:` URI."""
    if Path(path).is_absolute():
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(Path(path).as_posix(), safe="/"), "uriBaseId": SRCROOT}
