"""The shape of a rule: a code, a kebab-case name, a doc page, and one check."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Iterator

if TYPE_CHECKING:
    from ..analysis import Analysis
    from ..diagnostics import Diagnostic

REGISTRY: dict[str, type["Rule"]] = {}


class Rule:
    """Subclasses register themselves; their docstring is their documentation page.

    The docstring is Markdown with the sections of a ruff rule page: What it does,
    Why is this bad?, Example, Use instead, Fix safety, Applies to, References.
    """

    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str] = ""  # one line for rule tables
    fix_availability: ClassVar[str] = "never"  # never | sometimes | always

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        if "code" in cls.__dict__:  # shared bases (CatalogueCallRule) have no code
            REGISTRY[cls.code] = cls

    def check(self, analysis: "Analysis") -> Iterator["Diagnostic"]:
        return iter(())
