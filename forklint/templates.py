"""Template files of the project, found by the name a job loads them by, so what loading
one costs is measured on the template itself: its source and those it extends, includes
or imports, where the project holds them.

A loader's search path is often read from settings or the environment at run time, so a
template is found by its name alone: the one file whose path below a `templates` folder
is that name. Two files answering one name (an app's and a theme's) leave it unknown.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

# `{% extends "base.html" %}`, `{% include 'parts/row.html' %}`, `{% from "macros.html" import x %}`
_REFERENCE = re.compile(r"""\{%-?\s*(?:extends|include|import|from)\s+["']([^"']+)["']""")
_TEMPLATES_FOLDER = "templates"
# Folders no project template lives in: walking them would only cost time.
_SKIPPED = frozenset({"node_modules", "__pycache__", "site-packages", "venv", "build", "dist"})
# A template larger than this is data, not a page: not read.
_MAX_BYTES = 1 << 20


class TemplateFiles:
    """The templates under the project root, by name, indexed on first use."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._by_name: dict[str, list[Path]] | None = None

    def sources(self, name: str) -> list[str] | None:
        """The source of template `name` and of every project template it references,
        transitively; None when `name` itself is not one project file."""
        found: dict[str, str] = {}
        pending = [name]
        while pending:
            current = pending.pop()
            if current in found:
                continue
            text = self._source(current)
            if text is None:
                if current == name:
                    return None
                continue  # a library's base template: not ours to measure
            found[current] = text
            pending.extend(_REFERENCE.findall(text))
        return list(found.values())

    def _source(self, name: str) -> str | None:
        paths = self._index().get(name.lstrip("/"), [])
        if len(paths) != 1:
            return None
        try:
            if paths[0].stat().st_size > _MAX_BYTES:
                return None
            return paths[0].read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None

    def _index(self) -> dict[str, list[Path]]:
        if self._by_name is None:
            self._by_name = {}
            for folder, dirs, files in os.walk(self.root):
                dirs[:] = [d for d in dirs if not d.startswith(".") and d not in _SKIPPED]
                parts = Path(folder).relative_to(self.root).parts
                if _TEMPLATES_FOLDER not in parts:
                    continue
                below = parts[len(parts) - parts[::-1].index(_TEMPLATES_FOLDER):]  # below the innermost `templates`
                for file in files:
                    self._by_name.setdefault("/".join((*below, file)), []).append(Path(folder, file))
        return self._by_name
