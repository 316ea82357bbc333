"""The command lines that start the project's workers, and what each adapter reads there.

This is the one seam between launch files and the adapters: `project_launches` asks
every adapter about every command line. Until `forklint.launch` (which reads Procfile,
Dockerfile, compose, supervisord, systemd, k8s, shell and Makefile) is merged, the
lines come from a small reader of the common files below.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Iterator

from ..project import Project
from .base import Launch

_FILES = ("Procfile", "Procfile.dev", "docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml",
          "Makefile", "supervisord.conf", "app.json", "heroku.yml")
_PREFIXES = ("command:", "command=", "entrypoint:", "- ", "exec ")


def command_lines(root: Path) -> Iterator[list[str]]:
    """Shell-split command lines found in the project's launch files (best effort)."""
    for name in _FILES:
        path = root / name
        if not path.is_file():
            continue
        for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
            text = raw.strip()
            if not text or text.startswith("#"):
                continue
            if name.startswith("Procfile") and ":" in text:
                text = text.partition(":")[2].strip()
            for prefix in _PREFIXES:
                if text.startswith(prefix):
                    text = text[len(prefix):].strip()
            if text.startswith("["):  # compose / Dockerfile exec form: ["celery", "-A", "proj", "worker"]
                try:
                    words = json.loads(text)
                except ValueError:
                    words = None
                if isinstance(words, list) and all(isinstance(w, str) for w in words):
                    yield words
                    continue
            text = text.strip("\"'")
            for part in text.replace("&&", ";").split(";"):
                try:
                    words = shlex.split(part)
                except ValueError:
                    continue
                if words:
                    yield words


def project_launches(project: Project) -> list[Launch]:
    """What every worker launch line of the project says, one Launch per line."""
    from . import read_launch

    found = []
    for argv in command_lines(project.root):
        launch = read_launch(argv)
        if launch is not None:
            found.append(launch)
    return found
