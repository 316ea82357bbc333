"""The pipeline: discover → facts → project → rules → diagnostics (filtered, sorted)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from . import rules as _rules  # noqa: F401  (registers every rule)
from .analysis import Analysis
from .catalogue import Catalogue, load_catalogue
from .config import Config
from .diagnostics import Diagnostic
from .discover import ProjectFiles, discover, module_names
from .extract import parse_source
from .facts import ModuleFacts, ParseError
from .project import Project
from .rules.base import REGISTRY


@dataclass
class RunResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files_checked: int = 0
    suppressed: int = 0


def display_path(path: Path) -> str:
    """Paths are shown relative to the current folder when below it."""
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def read_facts(path: Path) -> ModuleFacts | ParseError:
    """One file's facts, or the reason it cannot be read or parsed."""
    try:
        source = path.read_bytes()
    except IsADirectoryError:
        return ParseError(str(path), "cannot read: is a directory", 1, 1)
    except OSError as error:
        return ParseError(str(path), f"cannot read: {error.strerror or error}", 1, 1)
    if b"\0" in source:
        return ParseError(str(path), "cannot parse: the file contains NUL bytes", 1, 1)
    return parse_source(str(path), source)


def lint_project(files: ProjectFiles, catalogue: Catalogue, overrides: dict[str, object]) -> RunResult:
    config: Config = files.config.with_overrides(**overrides)
    result = RunResult(files_checked=len(files.targets))
    parsed: list[tuple[list[str], ModuleFacts, str]] = []
    noqa: dict[str, dict[int, tuple[str, ...] | None]] = {}
    for path in files.files:
        facts = read_facts(path)
        shown = display_path(path)
        if isinstance(facts, ParseError):
            if path in files.targets and config.code_enabled("FRK000", shown):
                result.diagnostics.append(
                    Diagnostic("FRK000", "unparsable-file", facts.message, shown, facts.line, facts.col, facts.line, facts.col)
                )
            continue
        names = module_names(path, files.root)
        if names:
            parsed.append((names, facts, shown))
        noqa[shown] = dict(facts.noqa)
    project = Project(files.root, config, parsed)
    analysis = Analysis(project, catalogue)
    targets = {display_path(p) for p in files.targets}
    for code in sorted(REGISTRY):
        rule = REGISTRY[code]()
        for diagnostic in rule.check(analysis):
            if diagnostic.path not in targets or not config.code_enabled(diagnostic.code, diagnostic.path):
                continue
            if _suppressed(diagnostic, noqa.get(diagnostic.path, {})):
                result.suppressed += 1
                continue
            result.diagnostics.append(diagnostic)
    return result


def _suppressed(diagnostic: Diagnostic, noqa: dict[int, tuple[str, ...] | None]) -> bool:
    for line in (diagnostic.line, *diagnostic.noqa_lines):
        if line in noqa:
            codes = noqa[line]
            if codes is None or any(diagnostic.code.startswith(c) for c in codes):
                return True
    return False


def lint_paths(paths: list[Path], overrides: dict[str, object] | None = None, force_exclude: bool = False) -> RunResult:
    """Check `paths` (files or folders); raise ConfigError/CatalogueError on bad settings."""
    overrides = overrides or {}
    total = RunResult()
    catalogues: dict[tuple[Path, tuple[str, ...]], Catalogue] = {}
    for files in discover(paths, force_exclude=force_exclude):
        extra = files.config.extra_catalogues
        key = (files.config.root, extra)
        if key not in catalogues:
            catalogues[key] = load_catalogue(extra, files.config.root)
        result = lint_project(files, catalogues[key], overrides)
        total.diagnostics.extend(result.diagnostics)
        total.files_checked += result.files_checked
        total.suppressed += result.suppressed
    total.diagnostics.sort(key=lambda d: d.sort_key)
    return total


