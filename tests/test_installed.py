"""Reading what installed packages import: found on the path, parsed, never run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import run_cli
from forklint.installed import Installed

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def site(tmp_path: Path, files: dict[str, str]) -> Installed:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return Installed([str(tmp_path)])


def test_closure_follows_module_level_imports_of_installed_packages_without_running_them(tmp_path: Path) -> None:
    installed = site(tmp_path, {
        "soapy/__init__.py": "raise SystemExit('never imported')\nfrom .client import Client\n",
        "soapy/client.py": "from typing import TYPE_CHECKING\nfrom fakexml import etree\n"
                           "if TYPE_CHECKING:\n    import typed_only\n"
                           "try:\n    import speedups\nexcept ImportError:\n    import fallback\n"
                           "def later():\n    import lazy_one\n",
        "fakexml/__init__.py": "",
        "fakexml/etree.py": "import os\n",
        "speedups.py": "",
        "typed_only.py": "", "fallback.py": "", "lazy_one.py": "",
    })
    loaded = installed.closure(["soapy"])
    assert {"soapy", "soapy.client", "fakexml", "fakexml.etree", "speedups"} <= loaded
    assert not loaded & {"typed_only", "fallback", "lazy_one", "os"}


def test_what_is_not_installed_is_not_claimed(tmp_path: Path) -> None:
    installed = site(tmp_path, {"present.py": "import absent\n"})
    assert installed.is_installed("present") and not installed.is_installed("absent")
    assert installed.closure(["present"]) == frozenset({"present"})


def test_import_of_what_an_installed_package_imports_is_not_reported() -> None:
    run = run_cli("fixtures/installed_imports", cwd=FIXTURES.parent)
    assert "urllib3" not in run.stdout
    assert "nothing the worker's parent loads imports yaml" in run.stdout


def test_when_the_parents_imports_are_not_installed_the_message_says_so() -> None:
    run = run_cli("fixtures/installed_imports_unknown", cwd=FIXTURES.parent)
    assert "zeep (imported before the job) is not installed here, so whether it loads lxml is unknown" in run.stdout
    assert "nothing the worker's parent loads" not in run.stdout


def test_what_installed_files_import_is_kept_across_runs_until_a_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from forklint import installed as module

    packages, cache = tmp_path / "site", tmp_path / "cache"
    first = site(packages, {"soapy/__init__.py": "from fakexml import etree\n", "fakexml/__init__.py": "",
                            "fakexml/etree.py": "", "other.py": ""})
    first.keep_in(cache)
    assert "fakexml.etree" in first.closure(["soapy"])

    def no_reading(*args: object) -> list[str]:
        raise AssertionError("read again")

    monkeypatch.setattr(module, "_module_level_imports", no_reading)
    second = Installed([str(packages)])
    second.keep_in(cache)
    assert "fakexml.etree" in second.closure(["soapy"])  # from the kept table, no file read

    init = packages / "soapy" / "__init__.py"
    init.write_text("import other\n")  # another size: read again
    os.utime(init, ns=(1, 1))
    monkeypatch.undo()
    third = Installed([str(packages)])
    third.keep_in(cache)
    assert "other" in third.closure(["soapy"]) and "fakexml" not in third.closure(["soapy"])


def test_equal_files_of_two_packages_import_each_its_own_modules(tmp_path: Path) -> None:
    files = {"a/__init__.py": "from .core import x\n", "a/core.py": "", "b/__init__.py": "from .core import x\n", "b/core.py": ""}
    installed = site(tmp_path / "site", files)
    installed.keep_in(tmp_path / "cache")
    assert installed.closure(["a", "b"]) == {"a", "a.core", "b", "b.core"}
    again = Installed([str(tmp_path / "site")])
    again.keep_in(tmp_path / "cache")
    assert again.closure(["a"]) == {"a", "a.core"}
