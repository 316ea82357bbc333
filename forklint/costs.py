"""What a finding's work costs per child: measured here where the work is a constant we can
redo in-process, else the catalogue's figure, and said which it is.

The catalogue's figures were measured on typical work (ten patterns, a large template), so
they misstate the work in front of us: `re.match(r"^x\\d{3}$", s)` is not Django's
URL validator. A regex with a literal pattern is compiled here, bypassing `re`'s cache, and
timed; the figure is what every child pays to compile it again. A Jinja2 template from a
literal source is compiled the same way where Jinja2 is installed.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, packages_distributions, version
from pathlib import Path
from typing import Literal

from .catalogue import Entry, format_ms
from .facts import Const, Dotted, Val

if sys.version_info >= (3, 11):
    from re import _compiler as _sre_compile
else:  # pragma: no cover - 3.10
    import sre_compile as _sre_compile

# measured: on the work itself, here; catalogue: the catalogue's figure for typical work.
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
    def every_call(self) -> bool:
        """Most of the work remains when the parent did it first (`ssl.create_default_context`
        loads the CA store on every call): a long-lived child pays it in every job, not once."""
        return self.per_call and self.warm_ms >= self.cold_ms / 2

    @property
    def known(self) -> bool:
        return self.cold_ms > 0

    def text(self) -> str:
        """`~0.31 ms per child, measured here` or `~41 ms per child cold, 0.2 ms warm, catalogue`."""
        if not self.known:
            return ""
        if self.source == "measured":
            return f"~{format_ms(self.cold_ms)} ms per child, measured here"
        return f"~{format_ms(self.cold_ms)} ms per child cold, {format_ms(self.warm_ms)} ms warm, {self.source}"


def catalogue_cost(entry: Entry) -> Cost:
    return Cost(entry.cold_ms, entry.warm_ms, "catalogue", per_call=entry.kind == "construct-per-call")


def call_cost(entry: Entry, args: tuple[Val, ...], kwargs: tuple[tuple[str, Val], ...]) -> Cost:
    """The cost of one catalogue call: measured when its entry says how and the arguments
    allow it, else the catalogue's figure."""
    measured = None
    if entry.measure == "regex-compile":
        measured = _regex_cost(args, kwargs)
    elif entry.measure == "jinja2-compile":
        source = args[0] if args else dict(kwargs).get("source")
        if isinstance(source, Const) and isinstance(source.value, str):
            measured = jinja2_compile_ms(source.value)
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


# Jinja's own extensions a project template may use (`{% trans %}`, `{% do %}`, `{% break %}`).
_JINJA2_EXTENSIONS = ("jinja2.ext.i18n", "jinja2.ext.do", "jinja2.ext.loopcontrols")


class _AnyName(dict):  # type: ignore[type-arg]
    """Filters or tests where a name the project registers itself (`|time`) is known:
    Jinja refuses to compile a template using an unknown one."""

    def get(self, key: object, default: object = None) -> object:
        found = super().get(key)
        return found if found is not None else _unknown

    def __contains__(self, key: object) -> bool:
        return True


def _unknown(*args: object, **kwargs: object) -> None:
    return None


@lru_cache(maxsize=1024)
def jinja2_compile_ms(source: str, *more: str) -> float | None:
    """Milliseconds a child takes to compile `source` (and `more`) as its first templates
    with a default Jinja2 Environment (the lexer and the regexes the first template builds
    included: a forked child that never compiled one pays them), best of a few runs in this
    thread's CPU time. None when Jinja2 is not installed here or a source does not compile.
    Compiling runs no template code: it turns the source into Python functions."""
    try:
        import jinja2
        from jinja2 import lexer
    except ImportError:
        return None
    best = float("inf")
    for _ in range(_REPEATS):
        getattr(lexer, "_lexer_cache", {}).clear()  # Jinja's cache of lexers by settings
        re.purge()
        start = time.thread_time()
        try:
            # A project's own filters and tests are unknown here; compiling never calls them.
            environment = jinja2.Environment(extensions=_JINJA2_EXTENSIONS)
            environment.filters = _AnyName(environment.filters)
            environment.tests = _AnyName(environment.tests)
            for text in (source, *more):
                environment.from_string(text)
        except (jinja2.TemplateError, RecursionError, ValueError):
            return None
        best = min(best, time.thread_time() - start)
    return best * 1000


# -- imports: how long an installed package takes to import, measured once -------------

_IMPORT_TIMEOUT_S = 30
_IMPORT_TIMES_FILE = "import-times.json"
# What this process measured: one figure per package version for the whole run, whatever
# the cache folder, so two projects (or a cached and an uncached run) quote the same.
_MEASURED: dict[str, float | None] = {}


@dataclass
class ImportTimes:
    """Import times of installed third-party modules: measured once per module and package
    version in a fresh, isolated interpreter (`python -I -X importtime -c "import X"`) and
    kept in `folder` (the cache folder; None: this run only). The figure is what a child
    pays when its parent never imported the module: everything it brings that a bare
    interpreter has not loaded."""

    folder: Path | None
    _times: dict[str, float | None] | None = field(default=None, repr=False)

    def cold_ms(self, module: str) -> float | None:
        """Milliseconds to import `module`, or None where it is not installed here (or
        does not import in isolation)."""
        key = _package_key(module)
        if key is None:
            return None
        times = self._load()
        if key not in _MEASURED:
            _MEASURED[key] = times[key] if key in times else _measure_import(module)
        if key not in times or times[key] != _MEASURED[key]:
            times[key] = _MEASURED[key]
            self._save()
        return _MEASURED[key]

    def _load(self) -> dict[str, float | None]:
        if self._times is None:
            self._times = {}
            if self.folder is not None:
                try:
                    loaded = json.loads((self.folder / _IMPORT_TIMES_FILE).read_text(encoding="utf-8"))
                    self._times = {k: v for k, v in loaded.items() if v is None or isinstance(v, (int, float))}
                except (OSError, ValueError, AttributeError):
                    pass  # no cache yet, or a broken one: measure again
        return self._times

    def _save(self) -> None:
        if self.folder is None or self._times is None:
            return
        from .fix.write import keep_in_cache  # the one atomic writer

        if not keep_in_cache(self.folder / _IMPORT_TIMES_FILE, json.dumps(self._times, sort_keys=True).encode()):
            self.folder = None  # a read-only tree: keep the figures for this run only


@lru_cache(maxsize=1)
def _distributions() -> dict[str, list[str]]:
    return packages_distributions()


def _package_key(module: str) -> str | None:
    """`yaml PyYAML==6.0.2 py3.11`: what a measurement of `module` depends on; None when
    no installed distribution provides its package."""
    top = module.split(".")[0]
    names = _distributions().get(top)
    if not names:
        return None
    try:
        installed = version(names[0])
    except PackageNotFoundError:
        return None
    return f"{module} {names[0]}=={installed} py{sys.version_info[0]}.{sys.version_info[1]}"


def _measure_import(module: str) -> float | None:
    # -I: neither the project being linted (the current folder) nor PYTHONPATH shadows
    # the installed package.
    try:
        done = subprocess.run([sys.executable, "-I", "-X", "importtime", "-c", f"import {module}"],
                              capture_output=True, text=True, timeout=_IMPORT_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return import_time_ms(done.stderr, module) if done.returncode == 0 else None


def import_time_ms(report: str, module: str) -> float | None:
    """The cumulative time `-X importtime` reports for `module`, in milliseconds."""
    for line in report.splitlines():
        head, _, rest = line.partition("import time:")
        parts = rest.split("|")
        if head or len(parts) != 3 or parts[2].strip() != module:
            continue
        try:
            return int(parts[1]) / 1000
        except ValueError:
            return None
    return None
