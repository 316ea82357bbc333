"""The wheel ships the catalogue and every subpackage (not only the editable install)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_carries_the_catalogue_and_all_packages(tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True,
    )
    assert built.returncode == 0, built.stderr
    wheel = next(tmp_path.glob("forklint-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    catalogue = {p.name for p in (ROOT / "rules").glob("*.toml")}
    assert {f"forklint/catalogue_data/{name}" for name in catalogue} <= names
    packages = {str(p.parent.relative_to(ROOT)) for p in (ROOT / "forklint").rglob("__init__.py")}
    assert {f"{package}/__init__.py" for package in packages} <= names
    assert any(name.endswith("entry_points.txt") for name in names)
