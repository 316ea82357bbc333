"""Test-wide settings, and `run_cli`: the command line run in this process."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from forklint.cli import main


@pytest.fixture(autouse=True)
def _cache_outside_the_trees(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests compare whole trees (fixtures, before/after): keep forklint's cache of
    # facts out of them. Subprocesses and in-process runs both read the variable.
    monkeypatch.setenv("FORKLINT_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "forklint-cache"))


@dataclass(frozen=True)
class CliRun:
    """What a finished `forklint` run gave: the fields of `subprocess.CompletedProcess`."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


def _runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # click 8.1
    except TypeError:
        return CliRunner()  # click >= 8.2 keeps stderr apart by itself


def run_cli(*args: str, cwd: Path, env: Mapping[str, str] | None = None, input: str | None = None) -> CliRun:
    """`forklint ARGS` in `cwd`, in this process: what `python -m forklint` prints and exits with.

    Starting Python for every run cost 0.5-1 s a test. `env`, like subprocess's, is the
    whole environment (default: this one with NO_COLOR=1); it, the current folder and
    stdin are restored afterwards. An exception that escapes the CLI's own last line of
    defence (only with FORKLINT_DEBUG set) is raised here, as a traceback would be.
    """
    wanted = dict(env) if env is not None else {**os.environ, "NO_COLOR": "1"}
    changes: dict[str, str | None] = {key: None for key in os.environ if key not in wanted}
    changes.update(wanted)
    before = os.getcwd()
    os.chdir(cwd)
    try:
        result = _runner().invoke(main, list(args), input=input, env=changes, catch_exceptions=True)
    finally:
        os.chdir(before)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return CliRun(tuple(args), result.exit_code, result.stdout, result.stderr)
