"""What a finding's work costs per child: measured here where the work is a constant we can
redo in-process, else the catalogue's figure, and said which it is.

The catalogue's figures were measured on typical work (ten patterns, a large template), so
they misstate the work in front of us: `re.match(r"^x\\d{3}$", s)` is not Django's
URL validator. A regex with a literal pattern is compiled here, bypassing `re`'s cache, and
timed; the figure is what every child pays to compile it again.
"""

from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from .catalogue import Entry, format_ms
from .facts import Const, Dotted, Val

if sys.version_info >= (3, 11):
    from re import _compiler as _sre_compile
else:  # pragma: no cover - 3.10
    import sre_compile as _sre_compile

CostSource = Literal["measured", "catalogue"]

_REPEATS = 5


@dataclass(frozen=True)
class Cost:
    """Milliseconds per forked child: `cold` when the child does the work, `warm` when the
    parent did it first; `saving` is what moving it before the fork saves."""

    cold_ms: float
    warm_ms: float
    source: CostSource
    per_call: bool = False  # the work is redone on every call, so the whole of it is saved

    @property
    def saving_ms(self) -> float:
        return self.cold_ms if self.per_call else self.cold_ms - self.warm_ms

    @property
    def known(self) -> bool:
        return self.cold_ms > 0

    def text(self) -> str:
        """`~0.31 ms per child, measured here` or `~41 ms per child cold, 0.2 ms warm`."""
        if not self.known:
            return ""
        if self.source == "measured":
            return f"~{format_ms(self.cold_ms)} ms per child, measured here"
        return f"~{format_ms(self.cold_ms)} ms per child cold, {format_ms(self.warm_ms)} ms warm"


def catalogue_cost(entry: Entry) -> Cost:
    return Cost(entry.cold_ms, entry.warm_ms, "catalogue", per_call=entry.kind == "construct-per-call")


def call_cost(entry: Entry, args: tuple[Val, ...], kwargs: tuple[tuple[str, Val], ...]) -> Cost:
    """The cost of one catalogue call: measured when its entry says how and the arguments
    allow it, else the catalogue's figure."""
    if entry.measure == "regex-compile":
        measured = _regex_cost(args, kwargs)
        if measured is not None:
            return Cost(measured, 0.0, "measured", per_call=True)
    return catalogue_cost(entry)


def _regex_cost(args: tuple[Val, ...], kwargs: tuple[tuple[str, Val], ...]) -> float | None:
    pattern = args[0] if args else dict(kwargs).get("pattern")
    if not isinstance(pattern, Const) or not isinstance(pattern.value, (str, bytes)):
        return None
    written = dict(kwargs).get("flags")
    if written is None:  # positional: the one argument that names an `re` flag, if any
        written = next((a for a in args[1:] if isinstance(a, Dotted) and _flags(a) is not None), None)
    flags = _flags(written)
    return compile_ms(pattern.value, flags) if flags is not None else None


def _flags(value: Val | None) -> int | None:
    """`re.I | re.M` written as names: their value; None when not a constant we can read."""
    if value is None:
        return 0
    if isinstance(value, Const) and isinstance(value.value, int):
        return value.value
    if isinstance(value, Dotted) and value.name.startswith(("re.", "regex.")):
        flag = getattr(re, value.name.rpartition(".")[2], None)
        return int(flag) if isinstance(flag, re.RegexFlag) else None
    return None


@lru_cache(maxsize=4096)
def compile_ms(pattern: str | bytes, flags: int = 0) -> float | None:
    """Milliseconds to compile `pattern` from scratch (the best of a few runs, in this
    thread's CPU time so a busy machine does not inflate it), or None when it does not
    compile here (a `regex`-module pattern, say)."""
    best = float("inf")
    for _ in range(_REPEATS):
        start = time.thread_time()
        try:
            _sre_compile.compile(pattern, flags)
        except (re.error, TypeError, ValueError, OverflowError, RecursionError):
            return None
        best = min(best, time.thread_time() - start)
    return best * 1000
