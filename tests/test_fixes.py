"""`--fix` / `--diff`: before/after trees byte for byte, idempotence, and the guarantees."""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import stat
from pathlib import Path

import pytest
from conftest import CliRun, run_cli

from forklint.catalogue import load_catalogue
from forklint.fix import DisplayOnly, FixError, Hoist, MoveImport, MoveToHook, Position, Span, apply_plan, write_atomically

FIXES = Path(__file__).resolve().parent.parent / "fixtures" / "fixes"
CASES = sorted(p.name for p in FIXES.iterdir() if (p / "before").is_dir())
# Cases run with the unsafe opt-in too (nothing unsafe may be applied without it).
UNSAFE_CASES = {"import_to_top"}


def forklint(*args: str, cwd: Path) -> CliRun:
    return run_cli(*args, cwd=cwd, env=os.environ)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file's bytes (forklint's own cache, left by a developer's run, aside)."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".forklint_cache" not in p.parts
    }


@pytest.mark.parametrize("case", CASES)
def test_fix_gives_the_after_tree(case: str, tmp_path: Path) -> None:
    work = tmp_path / case
    shutil.copytree(FIXES / case / "before", work)
    flags = ["--fix", "--unsafe-fixes"] if case in UNSAFE_CASES else ["--fix"]
    result = forklint(*flags, ".", cwd=work)
    assert snapshot(work) == snapshot(FIXES / case / "after")
    # What is left has no fix --fix would apply; the exit code says whether anything is.
    left = json.loads(forklint("--format", "json", ".", cwd=work).stdout)
    applied = {"safe", "unsafe"} if case in UNSAFE_CASES else {"safe"}
    assert not [d for d in left if d["fix"] and d["fix"]["applicability"] in applied]
    assert result.returncode == (1 if left else 0), result.stdout + result.stderr
    # A second --fix changes nothing, and nothing fixed is reported again.
    again = forklint(*flags, ".", cwd=work)
    assert "applied 0 fixes" in again.stderr
    assert snapshot(work) == snapshot(FIXES / case / "after")
    for path in work.rglob("*.py"):
        compile(path.read_bytes(), str(path), "exec")


@pytest.mark.parametrize("case", CASES)
def test_diff_shows_the_fix_and_changes_nothing(case: str, tmp_path: Path) -> None:
    work = tmp_path / case
    shutil.copytree(FIXES / case / "before", work)
    flags = ["--diff", "--unsafe-fixes"] if case in UNSAFE_CASES else ["--diff"]
    result = forklint(*flags, ".", cwd=work)
    assert result.returncode == 1
    assert result.stdout.startswith("--- a/")
    assert snapshot(work) == snapshot(FIXES / case / "before")


def test_guarded_imports_and_cycles_are_never_moved_to_the_top(tmp_path: Path) -> None:
    work = tmp_path / "case"
    shutil.copytree(FIXES / "import_to_top" / "before", work)
    result = forklint("--fix", "--unsafe-fixes", ".", cwd=work)
    assert result.returncode == 1  # the cycle remains, advised to the worker's parent
    tasks = (work / "shop" / "tasks.py").read_text()
    assert "    try:\n        from weasyprint import HTML" in tasks  # optional: not reported
    assert "    from shop import audit" in tasks
    assert "    import pandas as pd" not in tasks  # the safe one moved
    remaining = json.loads(forklint("--format", "json", ".", cwd=work).stdout)
    assert [d["fix"]["applicability"] for d in remaining] == ["display-only"]
    assert "breaks an import cycle" in remaining[0]["message"]


def test_seed_fix_inserts_configure_mappers_before_work(tmp_path: Path) -> None:
    work = tmp_path / "seed"
    shutil.copytree(FIXES / "warm_worker_script" / "before", work)
    diff = forklint("--diff", ".", cwd=work)
    added = [l for l in diff.stdout.splitlines() if l.startswith("+") and not l.startswith("+++")]
    assert added == ["+    from sqlalchemy.orm import configure_mappers", "+    configure_mappers()"]
    assert forklint("--fix", ".", cwd=work).returncode == 0
    assert forklint(".", cwd=work).returncode == 0


# --- guarantees -------------------------------------------------------------------------


def test_a_plan_whose_target_is_gone_is_refused() -> None:
    plan = Hoist(path="x.py", applicability="safe", description="hoist", call=Span(Position(3, 12)), name_hint="P", api="re.compile")
    with pytest.raises(FixError):
        apply_plan(b"import re\n\nx = 1\n", plan)


def test_a_display_only_plan_is_never_applied() -> None:
    plan = DisplayOnly(path="x.py", description="call configure_mappers() in the worker")
    assert plan.applicability == "display-only"
    with pytest.raises(FixError, match="display-only fixes are not applied"):
        apply_plan(b"x = 1\n", plan)


def test_a_call_moved_out_of_a_child_hook_gets_a_new_parent_handler() -> None:
    source = (b"from celery.signals import worker_process_init\nimport re\n\n\n"
              b"@worker_process_init.connect\ndef init(**kwargs):\n    re.compile('a')\n")
    plan = MoveToHook(path="x.py", applicability="safe", description="move", call=Position(7, 5))
    fixed = apply_plan(source, plan).decode()
    assert "def init(**kwargs):\n    pass\n" in fixed
    assert fixed.endswith("@worker_init.connect\ndef forklint_warm_up(**kwargs):\n"
                          "    # Runs once in the worker's parent, before the pool forks: children inherit it.\n"
                          "    re.compile('a')\n")


def test_a_fix_that_would_not_compile_is_dropped() -> None:
    # Moving a `from __future__` import out of a function would put it after other code.
    source = b'"""Doc."""\nimport os\n\n\ndef f():\n    from __future__ import annotations\n'
    plan = MoveImport(path="x.py", applicability="safe", description="move", statement=Position(6, 5))
    with pytest.raises(FixError, match="would not compile"):
        apply_plan(source, plan)


def test_write_is_atomic_and_keeps_the_mode(tmp_path: Path) -> None:
    target = tmp_path / "job.py"
    target.write_bytes(b"x = 1\n")
    target.chmod(0o640)
    write_atomically(target, b"x = 2\n", expected=b"x = 1\n")
    assert target.read_bytes() == b"x = 2\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["job.py"]  # no temporary left behind


def test_a_file_changed_during_the_run_is_not_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "job.py"
    target.write_bytes(b"x = 'edited by someone else'\n")
    with pytest.raises(FixError, match="changed on disk"):
        write_atomically(target, b"x = 2\n", expected=b"x = 1\n")
    assert target.read_bytes() == b"x = 'edited by someone else'\n"


def test_the_writer_creates_a_new_file_with_the_umask_mode(tmp_path: Path) -> None:
    # The baseline writer's case: no file yet, nothing to guard.
    target = tmp_path / "baseline.json"
    umask = os.umask(0o027)
    try:
        write_atomically(target, b"{}\n")
    finally:
        os.umask(umask)
    assert target.read_bytes() == b"{}\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["baseline.json"]


def test_the_guard_compares_with_what_the_run_read(tmp_path: Path) -> None:
    target = tmp_path / "job.py"
    target.write_bytes(b"x = 1\n")
    write_atomically(target, b"x = 2\n", expected=b"x = 1\n")
    with pytest.raises(FixError, match="changed on disk"):  # it now holds what we wrote, not x = 1
        write_atomically(target, b"x = 3\n", expected=b"x = 1\n")
    assert target.read_bytes() == b"x = 2\n"


def test_a_failed_write_leaves_the_original_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "job.py"
    target.write_bytes(b"x = 1\n")

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError):
        write_atomically(target, b"x = 2\n" * 1000, expected=b"x = 1\n")
    assert target.read_bytes() == b"x = 1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["job.py"]


# --- nothing unsafe is ever moved before the fork ----------------------------------------


def _unsafe_calls() -> list[tuple[str, str]]:
    """(entry id, code that creates the object) for each reported unsafe family."""
    catalogue = load_catalogue()
    factories = {cls: fn for fn, cls in catalogue.returns.items()}
    found = []
    for entry in catalogue.for_rule("FRK901"):
        if not entry.reported:
            continue
        for api in entry.apis:
            owner, _, name = api.rpartition(".")
            if owner.rpartition(".")[2][:1].isupper():  # a method: build its object first
                if owner in factories:
                    found.append((entry.id, f"{factories[owner]}('sqlite://').{name}()"))
                    break
                continue
            found.append((entry.id, f"{api}()"))
            break
    return found


UNSAFE = _unsafe_calls()


def test_every_reported_unsafe_family_is_covered() -> None:
    reported = {e.id for e in load_catalogue().for_rule("FRK901") if e.reported}
    assert {entry for entry, _ in UNSAFE} == reported


@pytest.mark.parametrize("entry,code", UNSAFE, ids=[e for e, _ in UNSAFE])
def test_unsafe_objects_are_never_warmed_or_preloaded(entry: str, code: str, tmp_path: Path) -> None:
    module = code.split("(")[0].rsplit(".", 1)[0]
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "unsafe"\nversion = "0"\n')
    (tmp_path / "clients.py").write_text(
        f"import {module}\n\n_client = None\n\n\ndef get_client():\n    global _client\n"
        f"    if _client is None:\n        _client = {code}\n    return _client\n"
    )
    (tmp_path / "jobs.py").write_text(
        f"import {module}\nfrom rq.decorators import job\n\nfrom clients import get_client\n\n"
        f"AT_IMPORT = {code}\n\n\n@job('default')\ndef work(x):\n    return get_client(), x\n"
    )
    (tmp_path / "worker.py").write_text(
        "from redis import Redis\nfrom rq import Queue, Worker\n\n"
        "Worker([Queue(connection=Redis())], connection=Redis()).work()\n"
    )
    result = forklint("--format", "json", ".", cwd=tmp_path)
    findings = {d["code"]: d for d in json.loads(result.stdout)}
    assert "FRK107" in findings, result.stdout
    # A client built once per child is what a child should do: not reported, never warmed.
    assert "FRK105" not in findings, result.stdout
    assert findings["FRK107"]["fix"]["applicability"] == "unsafe"  # preloading runs AT_IMPORT
    before = snapshot(tmp_path)
    forklint("--fix", ".", cwd=tmp_path)
    assert snapshot(tmp_path) == before
