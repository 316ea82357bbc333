"""Find the Python files to check, the project each belongs to, and module names."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from fnmatch import fnmatch
from functools import lru_cache
from pathlib import Path

from .config import Config, find_config_file, load_config

_ROOT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")


@dataclass
class ProjectFiles:
    """The files of one project root, and the ones the user asked to report on."""

    root: Path
    config: Config
    files: list[Path] = field(default_factory=list)  # every file, for context
    targets: set[Path] = field(default_factory=set)  # files to report on


def resolved(path: Path) -> Path:
    """`path.resolve()`, or its absolute form when symlinks loop (reading it then fails
    with a clear "too many levels of symbolic links", reported as FRK000)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop, on Python < 3.13
        return Path(os.path.abspath(path))


def project_root(path: Path, fallback: Path) -> Path:
    """The nearest folder at or above `path` that looks like a project root."""
    folder = path if path.is_dir() else path.parent
    return _marked_folder(folder) or fallback


@lru_cache(maxsize=4096)
def _marked_folder(folder: Path) -> Path | None:
    # Asked for every folder of a walk, and every answer is its parent's unless the
    # folder itself holds a marker: remembering them saves most of the stat calls.
    if any((folder / marker).exists() for marker in _ROOT_MARKERS):
        return folder
    return None if folder.parent == folder else _marked_folder(folder.parent)


def is_excluded(path: Path, config: Config) -> bool:
    absolute = os.path.abspath(path)
    root = os.fspath(config.root)
    if not absolute.startswith(root + os.sep):  # reached through a symlink, or elsewhere
        absolute = os.fspath(resolved(path))
    relative = os.path.relpath(absolute, root) if absolute.startswith(root + os.sep) else path.as_posix()
    relative = relative.replace(os.sep, "/")
    # Like ruff: a pattern matches the path from the project root or the base name.
    # A folder below an excluded one is only skipped because the walk prunes it, so
    # naming it explicitly still checks it.
    name = path.name
    for pattern in (*config.exclude, *config.extend_exclude):
        pattern = pattern.rstrip("/")
        if fnmatch(relative, pattern) or fnmatch(name, pattern):
            return True
    return False


def discover(paths: list[Path], force_exclude: bool = False) -> list[ProjectFiles]:
    """Group the Python files under `paths` by project, reading each project's config.

    A project's other files are read too (jobs and calls span files), but only the
    files under `paths` are reported on.
    """
    projects: dict[Path, ProjectFiles] = {}

    def project_for(path: Path) -> ProjectFiles:
        root = project_root(resolved(path), resolved(path) if path.is_dir() else resolved(path).parent)
        if root not in projects:
            pyproject = root / "pyproject.toml"
            if not pyproject.is_file():
                pyproject = find_config_file(root)
            config = load_config(pyproject, root)
            projects[root] = ProjectFiles(root, config)
        return projects[root]

    for given in paths:
        if given.is_dir():
            for file in _walk(given, project_for):
                project = project_for(file)
                project.targets.add(resolved(file))
        elif given.exists() or given.is_symlink():
            project = project_for(given)
            if force_exclude and is_excluded(given, project.config):
                continue
            project.targets.add(resolved(given))
        else:
            raise FileNotFoundError(given)
    checked = [p for p in projects.values() if p.targets]
    for project in checked:
        context = {resolved(f) for f in _walk(project.root, project_for, only=project)}
        project.files = sorted(context | project.targets)
    return sorted(checked, key=lambda p: str(p.root))


def _walk(top: Path, project_for, only: ProjectFiles | None = None):
    """Python files under `top`, pruning excluded folders and other projects."""
    top_project = project_for(top)
    for folder, dirnames, filenames in os.walk(top, followlinks=False):
        here = Path(folder)
        config = project_for(here).config if here != top else top_project.config
        keep = []
        for name in sorted(dirnames):
            child = here / name
            if is_excluded(child, config):
                continue
            if only is not None and any((child / m).exists() for m in _ROOT_MARKERS):
                continue  # a nested project: checked on its own
            keep.append(name)
        dirnames[:] = keep
        for name in sorted(filenames):
            if name.endswith((".py", ".pyi")):
                file = here / name
                if not is_excluded(file, config):
                    yield file


def module_names(file: Path, root: Path) -> list[str]:
    """Names a file's module can be imported as, canonical first.

    A file inside packages (folders with `__init__.py`) is named from the first folder
    that is not a package. When that folder is not the project root (or its `src/`),
    the name from the root is canonical (a namespace package) and the short name is
    kept as an alias (a script importing its neighbours).
    """
    parts = [file.stem] if file.stem != "__init__" else []
    folder = file.parent
    while (folder / "__init__.py").exists() and folder != root.parent:
        parts.insert(0, folder.name)
        folder = folder.parent
    short = ".".join(parts)
    names: list[str] = []
    for base in (root / "src", root):
        try:
            relative = file.with_suffix("").relative_to(base).parts
        except ValueError:
            continue
        if relative and relative[-1] == "__init__":
            relative = relative[:-1]
        if relative and all(p.isidentifier() for p in relative):
            names.append(".".join(relative))
            break
    if short and short not in names:
        if folder in (root, root / "src") or not names:
            names.insert(0, short)
        else:
            names.append(short)
    return names
