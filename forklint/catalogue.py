"""Load the catalogue (`rules/*.toml`): which library calls cost what in a forked child."""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

KINDS = ("construct-per-call", "first-use", "import-cost", "unsafe-before-fork", "orm-trigger")
FIXES = ("hoist", "warm-in-parent", "per-child", "none")
SAFETY = ("safe", "unsafe")
_REQUIRED = ("id", "rule", "kind", "apis", "cold-ms", "warm-ms", "evidence", "fix", "safety", "summary", "advice", "doc")
_OPTIONAL = (
    "constant-args", "warm-up", "warm-up-imports", "reported", "reported-when-used", "skip-frameworks", "measure",
    "hoist-name",
    "closed-by", "no-work-when", "warm-up-misses", "harmless-when-local", "lazy-apis",
)
# How forklint can measure an entry's cost on the call in front of it (forklint/costs.py).
MEASURES = ("regex-compile", "jinja2-compile", "jinja2-loaded-templates", "jinja2-template-by-name")


class CatalogueError(Exception):
    """A bad catalogue file: the CLI prints it on one line and exits 2."""


@dataclass(frozen=True)
class Entry:
    id: str
    rule: str
    kind: str
    apis: tuple[str, ...]
    cold_ms: float
    warm_ms: float
    evidence: str
    fix: str
    safety: str
    summary: str
    advice: str
    doc: str
    constant_args: tuple[int | str | tuple[int, str], ...] | None = None  # a position, a keyword, or [position, keyword]
    warm_up: str | None = None
    warm_up_imports: tuple[str, ...] = ()
    reported: bool = True  # False: known (never hoisted, documented) but not reported
    reported_when_used: bool = False  # FRK901: report once the parent uses the object
    skip_frameworks: tuple[str, ...] = ()  # frameworks whose parent already does this
    measure: str | None = None  # one of MEASURES: the cost is measured on the call itself
    hoist_name: str | None = None  # the hoisted constant's suffix: `CLASSIFY_TICKET_TOKENIZER`
    closed_by: tuple[str, ...] = ()  # FRK901: calls that close it all, when the parent makes one after it
    # FRK901: a connection checked out of a pool its receiver owns (`engine.connect()`):
    # harmless where the receiver is a local that one of these constructors made and no
    # child can reach.
    harmless_when_local: tuple[str, ...] = ()
    # Literal argument values for which the call takes a fast path and does none of the
    # work: `pytz.timezone("UTC")` returns a singleton. Each is (argument, values).
    no_work_when: tuple[tuple[int | str | tuple[int, str], tuple[object, ...]], ...] = ()
    # Arguments that make the call use other state than the warm-up fills: `reverse(...,
    # urlconf=module)` has its own resolver, so warming the default one does not help it.
    warm_up_misses: tuple[int | str | tuple[int, str], ...] = ()
    # APIs among `apis` that return a lazy proxy (`reverse_lazy`): the work is done when the
    # result is used, so such a call at import in the parent warms nothing.
    lazy_apis: tuple[str, ...] = ()
    source: str = ""

    @property
    def saving_ms(self) -> float:
        """What moving it before the fork saves per child: all of it for per-call work."""
        return self.cold_ms if self.kind == "construct-per-call" else self.cold_ms - self.warm_ms

    def cost(self) -> str:
        """`~41 ms cold per child, 0.2 ms warm`, or "" when unmeasured."""
        if not self.cold_ms:
            return ""
        return f"~{format_ms(self.cold_ms)} ms per child cold, {format_ms(self.warm_ms)} ms warm"


def format_ms(value: float) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}".rstrip("0").rstrip(".") if value >= 1 else f"{value:.2g}"


@dataclass(frozen=True)
class Catalogue:
    entries: tuple[Entry, ...]
    returns: dict[str, str]  # factory function -> the class of what it returns
    digest: str  # changes whenever any catalogue byte changes (cache keys)

    def by_api(self, rule: str | None = None) -> dict[str, Entry]:
        table: dict[str, Entry] = {}
        for entry in self.entries:
            if rule is None or entry.rule == rule:
                for api in entry.apis:
                    table.setdefault(api, entry)
        return table

    def api_name(self, target: str) -> str:
        """A resolved target in the catalogue's spelling: `create_engine().connect`
        becomes `sqlalchemy.engine.Engine.connect`, `jinja2.Environment().from_string`
        becomes `jinja2.Environment.from_string`."""
        target = target.replace("[]", "")
        if target.endswith("()"):
            # `UREG(q)` where `UREG = pint.UnitRegistry()` calls the instance, not the class.
            return self.api_name(target[:-2] + "().__call__")
        while "()" in target:
            head, _, rest = target.partition("()")
            head = self.returns.get(head, head)
            target = head + rest
        return target

    def for_rule(self, rule: str) -> list[Entry]:
        return [e for e in self.entries if e.rule == rule]

    def entry(self, entry_id: str) -> Entry | None:
        return next((e for e in self.entries if e.id == entry_id), None)


@lru_cache(maxsize=1)
def builtin_files() -> tuple[tuple[str, bytes], ...]:
    """The catalogue shipped with forklint (works from a wheel and an editable install)."""
    folder = resources.files("forklint.catalogue_data")
    found = [(f"rules/{item.name}", item.read_bytes()) for item in folder.iterdir() if item.name.endswith(".toml")]
    return tuple(sorted(found))


def load_catalogue(extra: tuple[str, ...] = (), root: Path | None = None) -> Catalogue:
    """The built-in catalogue plus the user's `extra-catalogues` (relative to `root`)."""
    files = list(builtin_files())
    for name in extra:
        path = Path(name) if root is None else root / name
        try:
            files.append((str(path), path.read_bytes()))
        except OSError as error:
            raise CatalogueError(f"{path}: cannot read extra catalogue: {error.strerror}") from error
    return _parse(tuple(files))


@lru_cache(maxsize=32)
def _parse(files: tuple[tuple[str, bytes], ...]) -> Catalogue:
    # Keyed by content: a run over many projects parses the built-in files once.
    entries: list[Entry] = []
    returns: dict[str, str] = {}
    digest = hashlib.sha256()
    seen: dict[str, str] = {}
    for name, data in files:
        digest.update(name.encode() + b"\0" + data)
        try:
            table = tomllib.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise CatalogueError(f"{name}: not valid TOML: {error}") from error
        if not isinstance(table.get("returns", {}), dict):
            raise CatalogueError(f"{name}: [returns] must be a table of factory = class names")
        if not isinstance(table.get("entry", []), list):
            raise CatalogueError(f"{name}: entries must be [[entry]] tables")
        returns.update({k: v for k, v in table.get("returns", {}).items() if isinstance(v, str)})
        for raw in table.get("entry", []):
            entry = _entry(name, raw)
            if entry.id in seen:
                raise CatalogueError(f"{name}: entry {entry.id!r}: id already used in {seen[entry.id]}")
            seen[entry.id] = name
            entries.append(entry)
    return Catalogue(tuple(entries), returns, digest.hexdigest()[:16])


def _argument(item: object) -> bool:
    """An argument of `constant-args` (and `no-work-when`, `warm-up-misses`): 0, "model_file",
    or [2, "model_file"] (either way of passing it)."""
    if isinstance(item, list):
        return len(item) == 2 and type(item[0]) is int and isinstance(item[1], str)
    return type(item) is int or isinstance(item, str)


def _entry(source: str, raw: object) -> Entry:
    if not isinstance(raw, dict):
        raise CatalogueError(f"{source}: [[entry]] must be a table")
    label = f"{source}: entry {raw.get('id', '?')!r}"
    for key in _REQUIRED:
        if key not in raw:
            raise CatalogueError(f"{label}: missing key {key!r}")
    unknown = set(raw) - set(_REQUIRED) - set(_OPTIONAL)
    if unknown:
        raise CatalogueError(f"{label}: unknown key {sorted(unknown)[0]!r}")

    def check(ok: bool, message: str) -> None:
        if not ok:
            raise CatalogueError(f"{label}: {message}")

    check(isinstance(raw["id"], str) and raw["id"] != "", "id must be a non-empty string")
    check(isinstance(raw["rule"], str) and raw["rule"].startswith("FRK") and raw["rule"][3:].isdigit(), f"rule must be an FRK code, got {raw['rule']!r}")
    check(raw["kind"] in KINDS, f"kind must be one of {', '.join(KINDS)}, got {raw['kind']!r}")
    check(raw["fix"] in FIXES, f"fix must be one of {', '.join(FIXES)}, got {raw['fix']!r}")
    check(raw["safety"] in SAFETY, f"safety must be safe or unsafe, got {raw['safety']!r}")
    check(isinstance(raw["apis"], list) and all(isinstance(a, str) for a in raw["apis"]), "apis must be a list of strings")
    for key in ("cold-ms", "warm-ms"):
        check(isinstance(raw[key], (int, float)) and not isinstance(raw[key], bool) and raw[key] >= 0, f"{key} must be a number >= 0, got {raw[key]!r}")
    for key in ("evidence", "summary", "advice", "doc"):
        check(isinstance(raw[key], str), f"{key} must be a string")
    constant_args = raw.get("constant-args")
    check(constant_args is None or (isinstance(constant_args, list) and all(_argument(i) for i in constant_args)), "constant-args must be a list of positions, keyword names or [position, keyword] pairs")
    warm_up = raw.get("warm-up")
    check(warm_up is None or isinstance(warm_up, str), "warm-up must be a string")
    reported = raw.get("reported", True)
    check(isinstance(reported, bool), "reported must be true or false")
    when_used = raw.get("reported-when-used", False)
    check(isinstance(when_used, bool), "reported-when-used must be true or false")
    skip = raw.get("skip-frameworks", [])
    check(isinstance(skip, list) and all(isinstance(s, str) for s in skip), "skip-frameworks must be a list of strings")
    measure = raw.get("measure")
    check(measure is None or measure in MEASURES, f"measure must be one of {', '.join(MEASURES)}, got {measure!r}")
    hoist_name = raw.get("hoist-name")
    check(hoist_name is None or (isinstance(hoist_name, str) and hoist_name.isidentifier() and hoist_name.isupper()), "hoist-name must be an UPPER_CASE identifier")
    imports = raw.get("warm-up-imports", [])
    check(isinstance(imports, list) and all(isinstance(i, str) for i in imports), "warm-up-imports must be a list of strings")
    closed_by = raw.get("closed-by", [])
    check(isinstance(closed_by, list) and all(isinstance(c, str) for c in closed_by), "closed-by must be a list of strings")
    when_local = raw.get("harmless-when-local", [])
    check(isinstance(when_local, list) and all(isinstance(c, str) for c in when_local),
          "harmless-when-local must be a list of the constructors that make a private receiver")
    no_work = raw.get("no-work-when", [])
    check(isinstance(no_work, list) and all(
        isinstance(w, dict) and set(w) == {"argument", "values"} and _argument(w["argument"]) and isinstance(w["values"], list)
        for w in no_work), "no-work-when must be a list of { argument = ..., values = [...] } tables")
    misses = raw.get("warm-up-misses", [])
    check(isinstance(misses, list) and all(_argument(i) for i in misses),
          "warm-up-misses must be a list of positions, keyword names or [position, keyword] pairs")
    lazy = raw.get("lazy-apis", [])
    check(isinstance(lazy, list) and all(a in raw["apis"] for a in lazy), "lazy-apis must be a list of the entry's apis")
    return Entry(
        id=raw["id"], rule=raw["rule"], kind=raw["kind"], apis=tuple(raw["apis"]),
        cold_ms=float(raw["cold-ms"]), warm_ms=float(raw["warm-ms"]), evidence=raw["evidence"],
        fix=raw["fix"], safety=raw["safety"], summary=raw["summary"], advice=raw["advice"], doc=raw["doc"],
        constant_args=tuple(_item(i) for i in constant_args) if constant_args is not None else None,
        warm_up=warm_up, warm_up_imports=tuple(imports), reported=reported, reported_when_used=when_used,
        skip_frameworks=tuple(skip), measure=measure, hoist_name=hoist_name, closed_by=tuple(closed_by), source=source,
        harmless_when_local=tuple(when_local),
        no_work_when=tuple((_item(w["argument"]), tuple(w["values"])) for w in no_work),
        warm_up_misses=tuple(_item(i) for i in misses), lazy_apis=tuple(lazy),
    )


def _item(item: object) -> int | str | tuple[int, str]:
    """An argument item as the analysis reads it: [2, "x"] becomes (2, "x")."""
    return tuple(item) if isinstance(item, list) else item  # type: ignore[return-value]
