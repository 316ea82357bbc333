"""`forklint - --stdin-filename PATH`: check stdin's content as the file at PATH.

The rest of the project around PATH is read from disk for context (jobs and calls
span files); only PATH is reported on. PATH need not exist yet (an editor's unsaved
buffer), but its folder must.
"""

from __future__ import annotations

from pathlib import Path

from .config import find_config_file, load_config
from .discover import ProjectFiles, default_root, discover, is_excluded, is_gitignored, project_root
from .sources import Sources


def discover_files(paths: list[Path], force_exclude: bool, sources: Sources) -> list[ProjectFiles]:
    """`discover(paths)`, except that a path with stdin content may be missing on disk."""
    missing = [p for p in paths if p.resolve() in sources.overrides and not p.exists()]
    projects = discover([p for p in paths if p not in missing], force_exclude) if len(missing) < len(paths) else []
    for path in missing:
        projects.extend(_around_missing_file(path, force_exclude))
    return projects


def _around_missing_file(path: Path, force_exclude: bool) -> list[ProjectFiles]:
    """The project the missing file would belong to, reporting on that file only."""
    file = path.resolve()
    if not file.parent.is_dir():
        raise FileNotFoundError(path.parent)
    root = project_root(file, default_root(file))
    project = next((p for p in discover([root]) if p.root == root), None)
    if project is None:  # a project with no Python files yet
        project = ProjectFiles(root, load_config(find_config_file(root), root))
    if force_exclude and (is_excluded(file, project.config) or is_gitignored(file, project.config)):
        return []
    project.targets = {file}
    project.files = sorted({*project.files, file})
    return [project]
