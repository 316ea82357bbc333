"""Find the Python files to check, the project each belongs to, and module names."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

import pathspec

from .config import TEST_CODE, Config, find_config_file, load_config, skipped_pyproject

# A folder holding one of these is a project root. `setup.py` counts only outside a
# package (a module named setup.py inside one is just a module), and a pyproject.toml
# only when it is read (see config.skipped_pyproject).
_ROOT_MARKERS = ("pyproject.toml", "setup.cfg", ".git")
_TEMPLATE = "{{"  # a folder named with it is a template (cookiecutter, copier): not code


@dataclass
class ProjectFiles:
    """The files of one project root, and the ones the user asked to report on."""

    root: Path
    config: Config
    files: list[Path] = field(default_factory=list)  # every file, for context
    targets: set[Path] = field(default_factory=set)  # files to report on
    warnings: list[str] = field(default_factory=list)  # met while finding them, for the user


def resolved(path: Path) -> Path:
    """`path.resolve()`, or its absolute form when symlinks loop (reading it then fails
    with a clear "too many levels of symbolic links", reported as FRK000)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop, on Python < 3.13
        return Path(os.path.abspath(path))


def default_root(path: Path) -> Path:
    """The root of a path with no root marker above it: the folder given; for a file,
    the current folder when the file is below it, else the file's folder."""
    path = resolved(path)
    if path.is_dir():
        return path
    cwd = resolved(Path.cwd())
    return cwd if cwd in path.parents else path.parent


def project_root(path: Path, fallback: Path) -> Path:
    """The nearest folder at or above `path` that looks like a project root, else `fallback`."""
    folder = path if path.is_dir() else path.parent
    return _Tree().marked_folder(folder) or fallback


def is_excluded(path: Path, config: Config) -> bool:
    """Does an `exclude` / `extend-exclude` glob of `config` match `path`?"""
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
    for pattern in (*config.exclude, *config.extend_exclude, *(TEST_CODE if config.exclude_tests else ())):
        pattern = pattern.rstrip("/")
        if fnmatch(relative, pattern) or fnmatch(name, pattern):
            return True
    return False


def is_gitignored(path: Path, config: Config, tree: _Tree | None = None) -> bool:
    """Is `path` (or a folder above it) ignored by git, when `config` respects .gitignore?"""
    return config.respect_gitignore and (tree or _Tree()).gitignored(Path(os.path.abspath(path)))


class _Tree:
    """What one run learns about the folders it visits: roots, configs, ignore files.

    Asked for every folder of a walk, and most answers are their parent's: remembering
    them saves most of the stat calls. Kept for one run only, so a file created between
    two runs in one process (an editor, the tests) is seen.
    """

    def __init__(self) -> None:
        self._roots: dict[Path, bool] = {}
        self._marked: dict[Path, Path | None] = {}
        self._git_top: dict[Path, Path | None] = {}
        self._specs: dict[Path, tuple[tuple[Path, pathspec.GitIgnoreSpec], ...]] = {}
        self.warnings: dict[str, None] = {}  # ordered, each once

    def is_root(self, folder: Path) -> bool:
        """Does `folder` hold a root marker (see `_ROOT_MARKERS`)?"""
        if folder not in self._roots:
            self._roots[folder] = self._holds_marker(folder)
        return self._roots[folder]

    def _holds_marker(self, folder: Path) -> bool:
        if any((folder / marker).exists() for marker in _ROOT_MARKERS if marker != "pyproject.toml"):
            return True
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            skipped = skipped_pyproject(pyproject)
            if skipped is None:
                return True
            self.warnings[f"forklint: warning: {skipped}"] = None
        return (folder / "setup.py").is_file() and not (folder / "__init__.py").is_file()

    def marked_folder(self, folder: Path) -> Path | None:
        """The nearest folder at or above `folder` that is a project root."""
        if folder not in self._marked:
            if self.is_root(folder):
                self._marked[folder] = folder
            else:
                self._marked[folder] = None if folder.parent == folder else self.marked_folder(folder.parent)
        return self._marked[folder]

    # --- .gitignore, as git reads it: inside a work tree, each folder's file for the
    # paths below it (the deepest decides), then .git/info/exclude.

    def gitignored(self, path: Path) -> bool:
        """`path` is absolute; a folder above it that git ignores ignores it too."""
        top = self._work_tree(path.parent)
        if top is None or path == top:
            return False
        below = path.relative_to(top).parts
        return any(self._ignored(top.joinpath(*below[:i]), is_dir=i < len(below)) for i in range(1, len(below) + 1))

    def gitignored_in_walk(self, path: Path, is_dir: bool) -> bool:
        """`path`, met in a walk whose folders above it were not ignored."""
        top = self._work_tree(path.parent)
        return top is not None and path != top and self._ignored(path, is_dir)

    def _ignored(self, path: Path, is_dir: bool) -> bool:
        for base, spec in self._specs_for(path.parent):
            relative = path.relative_to(base).as_posix() + ("/" if is_dir else "")
            include = spec.check_file(relative).include
            if include is not None:
                return include
        return False

    def _work_tree(self, folder: Path) -> Path | None:
        if folder not in self._git_top:
            if (folder / ".git").exists():
                self._git_top[folder] = folder
            else:
                self._git_top[folder] = None if folder.parent == folder else self._work_tree(folder.parent)
        return self._git_top[folder]

    def _specs_for(self, folder: Path) -> tuple[tuple[Path, pathspec.GitIgnoreSpec], ...]:
        """(folder of the file, its patterns) that apply in `folder`, deepest first."""
        if folder not in self._specs:
            top = self._work_tree(folder)
            own = tuple((folder, spec) for spec in self._read_ignore_files(folder, top))
            above = self._specs_for(folder.parent) if top is not None and folder != top else ()
            self._specs[folder] = own + above
        return self._specs[folder]

    @staticmethod
    def _read_ignore_files(folder: Path, top: Path | None) -> tuple[pathspec.GitIgnoreSpec, ...]:
        # Git's order: a folder's .gitignore, then (at the top) .git/info/exclude.
        names = [folder / ".gitignore"] + ([folder / ".git" / "info" / "exclude"] if folder == top else [])
        specs = []
        for name in names:
            try:
                lines = name.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                continue
            specs.append(pathspec.GitIgnoreSpec.from_lines(lines))
        return tuple(specs)


def discover(paths: list[Path], force_exclude: bool = False) -> list[ProjectFiles]:
    """Group the Python files under `paths` by project, reading each project's config.

    A project's other files are read too (jobs and calls span files), but only the
    files under `paths` are reported on. A path with no root marker at or above it
    belongs to the outermost folder given that holds it (see `default_root`).
    """
    tree = _Tree()
    projects: dict[Path, ProjectFiles] = {}
    anchors = sorted({default_root(p) for p in paths if p.exists()}, key=lambda a: len(a.parts))

    def project_for(path: Path) -> ProjectFiles:
        path = resolved(path)
        folder = path if path.is_dir() else path.parent
        root = tree.marked_folder(folder)
        if root is None:
            root = next((a for a in anchors if a == folder or a in folder.parents), folder)
        if root not in projects:
            pyproject = root / "pyproject.toml"
            if not pyproject.is_file() or skipped_pyproject(pyproject) is not None:
                pyproject = find_config_file(root)
            config = load_config(pyproject, root)
            projects[root] = ProjectFiles(root, config)
        return projects[root]

    for given in paths:
        if given.is_dir():
            for file in _walk(given, project_for, tree):
                project = project_for(file)
                project.targets.add(resolved(file))
        elif given.exists() or given.is_symlink():
            project = project_for(given)
            if force_exclude and (is_excluded(given, project.config) or is_gitignored(given, project.config, tree)):
                continue
            project.targets.add(resolved(given))
        else:
            raise FileNotFoundError(given)
    checked = [p for p in projects.values() if p.targets]
    for project in checked:
        context = {resolved(f) for f in _walk(project.root, project_for, tree, only=project)}
        project.files = sorted(context | project.targets)
    for project in checked:
        project.warnings = list(tree.warnings)
    return sorted(checked, key=lambda p: str(p.root))


def _walk(top: Path, project_for, tree: _Tree, only: ProjectFiles | None = None):
    """Python files under `top`, pruning excluded, ignored and template folders and,
    with `only`, other projects. A folder named that git ignores as a whole (an unpacked
    sdist under a cache folder) is read all the same, as an excluded one is: naming it
    asks for it."""
    named_ignored = tree.gitignored(Path(os.path.abspath(top)))
    for folder, dirnames, filenames in os.walk(top, followlinks=False):
        here = Path(folder)
        config = project_for(here).config
        absolute = Path(os.path.abspath(here))
        ignoring = config.respect_gitignore and not named_ignored
        keep = []
        for name in sorted(dirnames):
            child = here / name
            if _TEMPLATE in name or is_excluded(child, config):
                continue
            if ignoring and tree.gitignored_in_walk(absolute / name, is_dir=True):
                continue
            if only is not None and tree.is_root(child):
                continue  # a nested project: checked on its own
            keep.append(name)
        dirnames[:] = keep
        for name in sorted(filenames):
            if name.endswith((".py", ".pyi")):
                file = here / name
                if is_excluded(file, config) or (ignoring and tree.gitignored_in_walk(absolute / name, is_dir=False)):
                    continue
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
