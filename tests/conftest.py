"""Test-wide settings."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _cache_outside_the_trees(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests compare whole trees (fixtures, before/after): keep forklint's cache of
    # facts out of them. Subprocesses inherit the variable.
    monkeypatch.setenv("FORKLINT_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "forklint-cache"))
