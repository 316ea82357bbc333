"""The worker launch lines of a project, as the adapters read them.

This is the one seam between launch files and the adapters. `forklint.launch` finds
the commands the project's launch files run (Procfile, Dockerfile, compose,
supervisord, systemd, Kubernetes/Helm, entrypoint scripts, Makefiles, console
scripts) and follows an entrypoint down to what really runs; every adapter's
`launch(argv, env)` says whether that command starts one of its workers.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Callable

from ..launch import LaunchCommand, find_launch_commands, follow
from ..launch_shell import expand
from ..project import Project
from .base import Launch
from .clis import runs_as


def worker_launch(command: LaunchCommand) -> Launch | None:
    """The worker `command` starts, if an adapter reads it as one, carrying the command."""
    from . import read_launch

    # `celery -A $APP worker` with APP set by the service, the unit or the script.
    argv = tuple(expand(word, command.env) for word in command.argv) if command.env else command.argv
    launch = read_launch(argv, command.env)
    return dataclasses.replace(launch, command=command) if launch is not None else None


def find_worker_launches(root: Path, runs_as: Callable[[LaunchCommand], LaunchCommand] | None = None) -> list[Launch]:
    """Every worker start-up written in the launch files under `root`, one per launch
    line, an entrypoint followed down to the commands it ends up running (and, with
    `runs_as`, through the project's own CLI code to the command line that really runs)."""
    commands = find_launch_commands(root)
    ends: dict[tuple[str, int, tuple[str, ...]], LaunchCommand] = {}
    for command in commands:
        for end in follow(root, command, commands):
            end = runs_as(end) if runs_as is not None else end
            key = (end.path, end.line, end.argv)
            # A line reached through an entrypoint gets the environment its service sets.
            if key not in ends or len(end.env) > len(ends[key].env):
                ends[key] = end
    found = [launch for launch in map(worker_launch, ends.values()) if launch is not None]
    # A command documented in a docstring stands in only for runners no launch file starts.
    written = {launch.framework for launch in found if launch.command and launch.command.source != "docstring"}
    return [l for l in found if not (l.command and l.command.source == "docstring" and l.framework in written)]


def project_launches(project: Project) -> list[Launch]:
    """What every worker launch line of the project says (read once per project)."""
    return list(project.derived("launches", lambda: tuple(
        find_worker_launches(Path(project.root), runs_as=lambda c: runs_as(project, c)))))


def first_launch(project: Project, flavours: tuple[str, ...]) -> Launch | None:
    """The project's first launch line that starts a worker of one of `flavours`."""
    return next((launch for launch in project_launches(project) if launch.framework in flavours), None)
