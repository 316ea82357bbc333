"""`forklint workers`: how forklint reads a project's workers, before any rule runs.

For each project: every worker parent forklint found (or assumed), how it is launched,
its fork model, and the jobs it runs. What a finding says about "the worker's parent"
comes from here, so a user can check it against how the app is really deployed.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from .analysis import Analysis
from .catalogue import load_catalogue
from .discover import discover
from .engine import display_path, link_project
from .facts_cache import CACHE_DIR_NAME, FactsCache
from .sources import Sources

_JOBS_NAMED = 3


@dataclass(frozen=True)
class WorkerReading:
    """One parent and fork model, with the jobs it runs."""

    project: str
    framework: str
    fork_model: str  # per-job | per-child | no-fork
    child: str  # "RQ work horse"
    why: str
    parent: str  # where "before the fork" is, or what is assumed
    parent_known: bool
    launch: str | None  # `rq worker -w pkg.W (Procfile:2)`
    jobs: tuple[str, ...]


def read_workers(paths: list[Path], use_cache: bool = True, cache_dir: Path | None = None) -> list[WorkerReading]:
    """Every worker reading of the projects under `paths`, in a stable order."""
    readings: list[WorkerReading] = []
    for files in discover(paths):
        config = files.config
        cache = FactsCache(cache_dir or files.root / CACHE_DIR_NAME) if use_cache else None
        project, _ = link_project(files, config, Sources(), cache)
        analysis = Analysis(project, load_catalogue(config.extra_catalogues, config.root))
        groups: dict[tuple, list[str]] = {}
        for job in analysis.jobs:
            parent = analysis.parent(job)
            launch = analysis.launch(job)
            where = (
                f"{' '.join(launch.command.argv)} ({display_path(files.root / launch.command.path)}:{launch.command.line}"
                f"{', in a docstring: lower confidence' if launch.command.source == 'docstring' else ''})"
                if launch is not None and launch.command is not None else None
            )
            key = (job.framework, job.fork.kind, job.fork.child, job.fork.why,
                   analysis.parent_id(job) if parent.known else "assumed: " + analysis.parent_id(job),
                   parent.known, where)
            groups.setdefault(key, []).append(job.function.qualified)
        shown = display_path(files.root) or "."
        for (framework, kind, child, why, parent_text, known, where), jobs in sorted(groups.items(), key=str):
            readings.append(WorkerReading(shown, framework, kind, child, why, parent_text, known, where,
                                          tuple(sorted(jobs))))
    return readings


def render_workers(readings: list[WorkerReading], output_format: str) -> str:
    if output_format == "json":
        return json.dumps([asdict(r) for r in readings], indent=2) + "\n"
    lines = []
    for r in readings:
        named = ", ".join(j.rsplit(".", 1)[-1] for j in r.jobs[:_JOBS_NAMED])
        more = f" and {len(r.jobs) - _JOBS_NAMED} more" if len(r.jobs) > _JOBS_NAMED else ""
        lines.append(f"{r.project}: {r.framework}, {r.fork_model} ({r.child}: {r.why})")
        lines.append(f"  parent: {r.parent}" + ("" if r.parent_known else " (no worker entry found)"))
        if r.launch:
            lines.append(f"  launch: {r.launch}")
        lines.append(f"  jobs ({len(r.jobs)}): {named}{more}")
    return "\n".join(lines) + ("\n" if lines else "no jobs found\n")
