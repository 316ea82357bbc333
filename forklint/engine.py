"""The pipeline: discover → facts → project → rules → diagnostics (filtered, sorted)."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import rules as _rules  # noqa: F401  (registers every rule)
from .analysis import Analysis
from .catalogue import Catalogue, load_catalogue
from .config import Config
from .diagnostics import Diagnostic, LaunchSite
from .discover import ProjectFiles, module_names, resolved
from .facts_cache import CACHE_DIR_NAME, FactsCache, shared
from .facts import ModuleFacts, ParseError
from .noqa import apply_noqa
from .project import Project
from .rules.base import REGISTRY
from .sources import Sources
from .stdin import discover_files

# The extractor (LibCST) and the fixer are imported when a run needs them: a run whose
# facts are all cached parses nothing, and a fix's edits are computed only on request.


@dataclass
class RunResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files_checked: int = 0
    suppressed: int = 0
    warnings: list[str] = field(default_factory=list)  # one line each, for stderr


def display_path(path: Path) -> str:
    """Paths are shown relative to the current folder when below it."""
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def read_source(path: Path) -> bytes | ParseError:
    """A file's bytes, or the reason it cannot be read."""
    try:
        return path.read_bytes()
    except IsADirectoryError:
        return ParseError(str(path), "cannot read: is a directory", 1, 1)
    except OSError as error:
        return ParseError(str(path), f"cannot read: {error.strerror or error}", 1, 1)


def facts_of(path: str, source: bytes) -> ModuleFacts | ParseError:
    """One file's facts, or where it does not parse."""
    if b"\0" in source:
        return ParseError(path, "cannot parse: the file contains NUL bytes", 1, 1)
    from .extract import parse_source

    return shared(parse_source(path, source))


# Below this many files to parse, starting worker processes costs more than it saves.
PARALLEL_MIN_FILES = 48
# Parsing makes millions of short-lived nodes and a little cyclic garbage (~700 objects
# a file), and a run keeps every file's facts (a million objects on a 1,000-file
# project) alive to its end: collecting every 700 allocations, as Python does by
# default, cost up to a third of a cold run's CPU and two thirds of a warm one's
# (unpickling cached facts: 8.4 s of CPU instead of 1.7 s on netbox). Every 100,000
# keeps the garbage of a few files at most.
QUIET_GC_THRESHOLD = (100_000, 50, 100)


def usable_cpus() -> int:
    """The CPUs this process may run on: its affinity (taskset, a container's cpuset),
    not the machine's count, so that two workers are never forked onto one core."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # macOS, Windows
        return os.cpu_count() or 1


_quiet_gc = False  # inside `quiet_gc()`: nested uses leave the outer one in charge


@contextmanager
def quiet_gc() -> Iterator[None]:
    """Collect garbage seldom for a run; what is alive now is never scanned again.

    `gc.freeze()` moves the objects alive before the run (modules, the catalogue) out of
    the collector's sight, so the rare full collection scans only what the run made,
    and forked workers do not touch (and copy) the parent's pages by scanning them.
    `keep_out_of_sight()` does the same for facts once they are all loaded.
    """
    global _quiet_gc
    if _quiet_gc:
        yield
        return
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*QUIET_GC_THRESHOLD)
    _quiet_gc = True
    try:
        yield
    finally:
        _quiet_gc = False
        gc.set_threshold(*before)
        gc.unfreeze()


@contextmanager
def no_collections() -> Iterator[None]:
    """No garbage collection at all: for reading cached facts, which are frozen values
    and cannot form cycles, so the collector would only scan them in vain. Freeze them
    (`keep_out_of_sight`) before leaving, or the first collection after scans them all."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def keep_out_of_sight() -> None:
    """Inside `quiet_gc()`: what is alive now (facts, read once, kept to the end of the
    run) is never scanned again by this run's collections."""
    if _quiet_gc:
        gc.freeze()


def too_large(path: Path, size: int, max_bytes: int) -> ParseError:
    """Why a file over the size limit was not parsed (not cached: the limit may change)."""
    return ParseError(str(path), f"skipped: {size // 1024:,} KB is over max-file-size-kb = {max_bytes // 1024:,} "
                                 "(raise it, or exclude the file, in [tool.forklint])", 1, 1)


def _facts_of(item: tuple[str, bytes]) -> ModuleFacts | ParseError:
    return facts_of(*item)


def all_facts(
    paths: list[Path], sources: Sources, cache: FactsCache | None, max_bytes: int | None = None,
) -> dict[Path, ModuleFacts | ParseError]:
    """Every file's facts: from the cache, or parsed — in parallel when there are many.

    A file over `max_bytes` is not parsed: its ParseError says it was skipped. Workers
    return facts only; each tree is freed as soon as its facts are out. The result does
    not depend on the order workers finish in: it is keyed by path.
    """
    found: dict[Path, ModuleFacts | ParseError] = {}
    todo: list[tuple[Path, str]] = []
    items: list[tuple[str, bytes]] = []
    with no_collections():
        for path in paths:
            source = sources.overrides.get(resolved(path)) if sources.overrides else None
            if source is None:
                source = read_source(path)
            if isinstance(source, ParseError):
                found[path] = source
                continue
            if max_bytes is not None and len(source) > max_bytes:
                found[path] = too_large(path, len(source), max_bytes)
                continue
            key = FactsCache.key(str(path), source) if cache else ""
            cached = cache.get(key) if cache else None
            if cached is not None:
                found[path] = cached
            else:
                todo.append((path, key))
                items.append((str(path), source))
        keep_out_of_sight()  # before the collector is back: its next pass would scan them all
    workers = min(usable_cpus(), len(todo) // (PARALLEL_MIN_FILES // 2) or 1)
    with quiet_gc():
        if workers > 1 and len(todo) >= PARALLEL_MIN_FILES:
            # fork: the workers inherit the loaded parser instead of importing it again.
            # (Imported here: a run that parses little never starts a pool.)
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
                results = list(pool.map(_facts_of, items, chunksize=16))
        else:
            results = [_facts_of(item) for item in items]
    del items  # the sources: facts hold what is needed of them
    for (path, key), facts in zip(todo, results):
        found[path] = facts
        if cache:
            cache.put(key, facts)
    return found


def link_project(
    files: ProjectFiles, config: Config, sources: Sources, cache: FactsCache | None,
) -> tuple[Project, dict[Path, ModuleFacts | ParseError]]:
    """One project's files parsed (or read from the cache) and linked."""
    with quiet_gc():
        facts_by_path = all_facts(files.files, sources, cache, config.max_file_size_kb * 1024)
        keep_out_of_sight()
    parsed: list[tuple[list[str], ModuleFacts, str]] = []
    packages: dict[Path, bool] = {}
    for path in files.files:
        facts = facts_by_path[path]
        names = module_names(path, files.root, packages) if not isinstance(facts, ParseError) else None
        if names:
            parsed.append((names, facts, display_path(path)))  # type: ignore[arg-type]
    return Project(files.root, config, parsed), facts_by_path


# The facts, linked project and analysis of the last project checked, when the process
# ends with the run (the command line): the OS reclaims them at exit, where freeing a
# 1,000-file project's million objects one by one costs ~0.15 s. None: freed as usual.
_held: list[object] | None = None


def hold_until_exit() -> None:
    """Keep the last project's objects to the end of the process (see `_held`)."""
    global _held
    _held = []


def lint_project(
    files: ProjectFiles, catalogue: Catalogue, overrides: dict[str, object], sources: Sources | None = None,
    cache: FactsCache | None = None,
) -> RunResult:
    """Check one project; `sources` may hold stdin content standing in for a file on disk."""
    config: Config = files.config.with_overrides(**overrides)
    sources = sources or Sources()
    result = RunResult(files_checked=len(files.targets))
    noqa: dict[str, dict[int, tuple[str, ...] | None]] = {}
    project, facts_by_path = link_project(files, config, sources, cache)
    for path in files.files:
        facts = facts_by_path[path]
        shown = display_path(path)
        if isinstance(facts, ParseError):
            if path in files.targets and config.code_enabled("FRK000", shown):
                result.diagnostics.append(
                    Diagnostic("FRK000", "unparsable-file", facts.message, shown, facts.line, facts.col, facts.line, facts.col)
                )
        elif path in files.targets:
            noqa[shown] = dict(facts.noqa)
    analysis = Analysis(project, catalogue, cache.folder if cache is not None else None)
    targets = {display_path(p) for p in files.targets}
    # Every rule's findings on the reported files, selected or not: `apply_noqa` needs
    # them all to tell a used `# noqa` from a stale one (FRK100).
    every = [d for code in sorted(REGISTRY) for d in REGISTRY[code]().check(analysis)]
    found = [d for d in every if d.path in targets]
    found += at_the_job([d for d in every if d.path not in targets], project, targets, found)
    found = _with_launch_sites(found, analysis, files.root)
    outcome = apply_noqa(found, noqa, config, sources)
    if _held is not None:
        _held[:] = [project, facts_by_path, analysis]  # (a --fix loop frees the one before)
    result.diagnostics.extend(outcome.reported)
    result.suppressed += outcome.suppressed
    return result


def at_the_job(outside: list[Diagnostic], project: Project, targets: set[str],
               reported: list[Diagnostic]) -> list[Diagnostic]:
    """Findings whose work lies outside the checked paths, reported at their job's `def`
    when the job is in them: where the user looks. One per job and rule, naming every
    place; the chain shows the way. The finding itself is reported where the work is
    when that file is checked. No fix here: it would edit a file not asked about."""
    grouped: dict[tuple[str, str], list[Diagnostic]] = {}
    for d in outside:
        fn = project.functions.get(d.job) if d.job else None
        if fn is not None and fn.module.display in targets:
            grouped.setdefault((fn.qualified, d.code), []).append(d)
    taken = {d.sort_key for d in reported}
    anchored = []
    for (job, code), found in grouped.items():
        fn = project.functions[job]
        pos = fn.facts.name_pos
        first = found[0]
        if (fn.module.display, pos.line, pos.col, code) in taken:
            continue
        where = ", ".join(f"{d.path}:{d.line}" for d in found)
        anchored.append(Diagnostic(
            code, first.name, f"{first.message}; reported at the job: the work is in {where}, outside the checked paths",
            fn.module.display, pos.line, pos.col, pos.end_line, pos.end_col, job=job, chain=first.chain,
            fork_model=first.fork_model, noqa_lines=tuple(range(fn.facts.pos.line, pos.line)),
        ))
    return anchored


def _with_launch_sites(found: list[Diagnostic], analysis: Analysis, root: Path) -> list[Diagnostic]:
    """Each job's finding with the launch line that starts its parent, when one was read."""
    jobs = {job.function.qualified: job for job in analysis.jobs}
    sites: dict[str, LaunchSite | None] = {}
    out = []
    for d in found:
        job = jobs.get(d.job) if d.job else None
        if job is None:
            out.append(d)
            continue
        if d.job not in sites:
            launch = analysis.launch(job)
            command = launch.command if launch is not None else None
            sites[d.job] = (LaunchSite(display_path(root / command.path), command.line, " ".join(command.argv))
                            if command is not None else None)
        out.append(replace(d, launch=sites[d.job]) if sites[d.job] is not None else d)
    return out


def lint_paths(
    paths: list[Path],
    overrides: dict[str, object] | None = None,
    force_exclude: bool = False,
    sources: Sources | None = None,
    cache_dir: Path | None = None,
    use_cache: bool = True,
    fix_edits: bool = False,
) -> RunResult:
    """Check `paths` (files or folders); raise ConfigError/CatalogueError on bad settings.

    `sources` may give a path's content (stdin); that path need not exist on disk.
    Facts are cached in `cache_dir` (default: `.forklint_cache` in each project root).
    `fix_edits` computes each fix's text edits (JSON, SARIF), which costs a parse each.
    """
    overrides = overrides or {}
    sources = sources or Sources()
    with quiet_gc():
        return _lint_paths(paths, overrides, force_exclude, sources, cache_dir, use_cache, fix_edits)


def _lint_paths(paths: list[Path], overrides: dict[str, object], force_exclude: bool, sources: Sources,
                cache_dir: Path | None, use_cache: bool, fix_edits: bool) -> RunResult:
    total = RunResult()
    catalogues: dict[tuple[Path, tuple[str, ...]], Catalogue] = {}
    for files in discover_files(paths, force_exclude, sources):
        extra = files.config.extra_catalogues
        key = (files.config.root, extra)
        if key not in catalogues:
            catalogues[key] = load_catalogue(extra, files.config.root)
        cache = FactsCache(cache_dir or files.root / CACHE_DIR_NAME) if use_cache else None
        result = lint_project(files, catalogues[key], overrides, sources, cache)
        total.diagnostics.extend(result.diagnostics)
        total.files_checked += result.files_checked
        total.suppressed += result.suppressed
        total.warnings.extend(w for w in files.warnings if w not in total.warnings)
    total.diagnostics.sort(key=lambda d: d.sort_key)
    if any(d.plan is not None for d in total.diagnostics):
        from .fix import attach_fixes

        total.diagnostics = attach_fixes(total.diagnostics, lambda shown: _read(shown, sources), fix_edits)
    return total


def _read(shown: str, sources: Sources) -> bytes | None:
    try:
        return sources.read(Path(shown))
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop, on Python < 3.13
        return None
