"""`[tool.forklint]`: read it from the nearest pyproject.toml and check every key."""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

DEFAULT_EXCLUDE = (
    ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "__pycache__", "node_modules",
    "build", "dist", ".eggs", "*.egg-info", ".mypy_cache", ".pytest_cache", ".ruff_cache",
    ".forklint_cache", "site-packages",
)

# Test code: production workers never fork it, so its jobs are not jobs and the workers
# its fixtures start are not the parent (`exclude-tests = false` reads it all the same).
TEST_CODE = ("tests", "test", "testing", "test_*.py", "*_test.py", "*_tests.py", "conftest.py")

# Generated code: nobody edits it, so nothing forklint says about it can be acted on,
# and it is where the huge files are (a 3.6 MB Alembic migration took 37 s and 1.1 GB).
# Migrations are run by `migrate` / `alembic upgrade`, never by a worker: no job lives
# there. Only Django's numbered migration files are matched, not every folder named
# `migrations` (Django's own `django/db/migrations/` is the framework, not generated).
# `exclude-generated = false` reads them all the same; see also `discover.GENERATED_MARKERS`.
GENERATED_CODE = (
    "migrations/[0-9]*.py", "*/migrations/[0-9]*.py",  # Django: 0001_initial.py, ...
    "alembic/versions/*.py", "*/alembic/versions/*.py",  # Alembic
    "migrations/versions/*.py", "*/migrations/versions/*.py",  # Alembic through Flask-Migrate
)

# A file larger than this is reported as skipped (FRK000) instead of being parsed: LibCST
# needs ~15 s of CPU and ~550 MB per MB of code. Hand-written modules stay far below it.
DEFAULT_MAX_FILE_SIZE_KB = 1024

# Codes that exist but are off unless selected by their full code.
OFF_BY_DEFAULT = ("FRK100",)


class ConfigError(Exception):
    """A bad `[tool.forklint]` value: the CLI prints it on one line and exits 2."""


@dataclass(frozen=True)
class Config:
    root: Path  # the project root: where paths in the config are relative to
    select: tuple[str, ...] = ("FRK",)
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    job_decorators: tuple[str, ...] = ()
    prefork_modules: tuple[str, ...] = ()
    report_per_child: bool = False
    respect_gitignore: bool = True
    exclude_tests: bool = True
    exclude_generated: bool = True
    max_file_size_kb: int = DEFAULT_MAX_FILE_SIZE_KB
    # Findings whose work saves less than this per child are noise next to a job's own cost.
    min_cost_ms: float = 1.0
    # The same floor for work a long-lived child pays once and then reuses for every job
    # it runs: README's "Configuration" says why 50 ms (1 ms per job over ~50 jobs).
    min_cost_per_child_ms: float = 50.0
    extra_catalogues: tuple[str, ...] = ()
    source: str = ""  # the file it came from, for messages

    def with_overrides(self, **changes: object) -> "Config":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def code_enabled(self, code: str, path: str | None = None) -> bool:
        """Is `code` selected (and not ignored, globally or for `path`)?"""
        ignores = list(self.ignore)
        if path is not None:
            from fnmatch import fnmatch

            for pattern, codes in self.per_file_ignores:
                if fnmatch(path, pattern) or fnmatch(Path(path).name, pattern):
                    ignores.extend(codes)
        chosen = _longest_prefix(code, self.select)
        if chosen is None or (code in OFF_BY_DEFAULT and chosen != code):
            return False
        ignored = _longest_prefix(code, tuple(ignores))
        return ignored is None or len(ignored) < len(chosen)


def _longest_prefix(code: str, selectors: tuple[str, ...]) -> str | None:
    best = None
    for selector in selectors:
        selector = "FRK" if selector == "ALL" else selector
        if code.startswith(selector) and (best is None or len(selector) > len(best)):
            best = selector
    return best


_LIST_KEYS = {
    "select": "select",
    "ignore": "ignore",
    "exclude": "exclude",
    "extend-exclude": "extend_exclude",
    "job-decorators": "job_decorators",
    "prefork-modules": "prefork_modules",
    "extra-catalogues": "extra_catalogues",
}
_BOOL_KEYS = {
    "report-per-child": "report_per_child", "respect-gitignore": "respect_gitignore", "exclude-tests": "exclude_tests",
    "exclude-generated": "exclude_generated",
}
_MS_KEYS = {"min-cost-ms": "min_cost_ms", "min-cost-per-child-ms": "min_cost_per_child_ms"}
KNOWN_KEYS = (*_LIST_KEYS, "per-file-ignores", *_BOOL_KEYS, *_MS_KEYS, "max-file-size-kb")


def find_config_file(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above `start` (template ones aside: `skipped_pyproject`)."""
    start = start.resolve()
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and skipped_pyproject(candidate) is None:
            return candidate
    return None


def skipped_pyproject(pyproject: Path) -> str | None:
    """Why `pyproject` is not read, or None when it is.

    A pyproject.toml that does not parse and never mentions forklint (a cookiecutter
    template's, with `{{ }}` in it) holds nothing forklint needs: it is skipped. One
    that mentions forklint is read, and its error is an error (exit 2).
    """
    try:
        text = pyproject.read_text(encoding="utf-8")
        tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        try:
            mentions_forklint = b"forklint" in pyproject.read_bytes()
        except OSError:
            mentions_forklint = False
        if mentions_forklint:
            return None
        reason = error.strerror if isinstance(error, OSError) else str(error)
        return f"{pyproject}: skipped: it does not parse ({reason}) and has no [tool.forklint]"
    return None


def load_config(pyproject: Path | None, root: Path) -> Config:
    """Read `[tool.forklint]` from `pyproject` (defaults if None or absent)."""
    if pyproject is None:
        return Config(root=root)
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{pyproject}: cannot read: {error}") from error
    table = data.get("tool", {}).get("forklint", {})
    return parse_table(table, root=pyproject.parent, source=str(pyproject))


def parse_table(table: object, root: Path, source: str) -> Config:
    """Check and convert one `[tool.forklint]` table."""
    where = f"{source}: [tool.forklint]"
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table")
    values: dict[str, object] = {}
    for key, value in table.items():
        if key in _LIST_KEYS:
            if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                raise ConfigError(f"{where} {key} must be a list of strings, got {value!r}")
            values[_LIST_KEYS[key]] = tuple(value)
        elif key in _BOOL_KEYS:
            if not isinstance(value, bool):
                raise ConfigError(f"{where} {key} must be true or false, got {value!r}")
            values[_BOOL_KEYS[key]] = value
        elif key in _MS_KEYS:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ConfigError(f"{where} {key} must be a number >= 0, got {value!r}")
            values[_MS_KEYS[key]] = float(value)
        elif key == "max-file-size-kb":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{where} max-file-size-kb must be a whole number >= 1, got {value!r}")
            values["max_file_size_kb"] = value
        elif key == "per-file-ignores":
            if not (
                isinstance(value, dict)
                and all(isinstance(v, list) and all(isinstance(c, str) for c in v) for v in value.values())
            ):
                raise ConfigError(f"{where} per-file-ignores must map globs to lists of codes")
            values["per_file_ignores"] = tuple((k, tuple(v)) for k, v in value.items())
        else:
            raise ConfigError(f"{where} unknown key {key!r} (known: {', '.join(KNOWN_KEYS)})")
    for key in ("select", "ignore"):
        for code in values.get(key, ()):  # type: ignore[union-attr]
            if not (code == "ALL" or code.startswith("FRK")):
                raise ConfigError(f"{where} {key}: {code!r} is not an FRK code or prefix")
    return Config(root=root, source=source, **values)  # type: ignore[arg-type]
