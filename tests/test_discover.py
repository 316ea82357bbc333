"""Discovery as users expect: which folder is the project, which files are read.

- Without any root marker (`pyproject.toml`, `setup.cfg`, `setup.py`, `.git`), the
  folder given (or the current one) is the project root and every file is found.
- A `pyproject.toml` that does not parse and has no `[tool.forklint]` (a cookiecutter
  template) is skipped with one warning; a broken one with `[tool.forklint]` is exit 2.
- Folders whose name holds `{{` (templates) are skipped.
- A `setup.py` marks a root only beside a `setup.cfg` / `pyproject.toml` or outside a
  package: a module named `setup.py` inside a package does not split the package.
- `.gitignore` (and `.git/info/exclude`) is respected inside a git work tree, as ruff
  and git do: what it ignores is neither reported nor read, unless named explicitly.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import CliRun, run_cli

from forklint.discover import discover

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
# Six jobs import requests in their work horse: one root cause, reported at the first.
SHOP_FINDINGS = ["shop/tasks.py:10:5: FRK104"]
JOB = 'from rq.decorators import job\n\n\n@job("default")\ndef fetch(url):\n    import requests\n    return requests.get(url).text\n'
NOT_PYTHON = b"def broken(:\n    {{ cookiecutter.body }}\n"  # FRK000 if it were read


def codes(done: CliRun) -> list[str]:
    """`path:line:col: CODE` of each finding."""
    return [" ".join(line.split(" ", 2)[:2]) for line in done.stdout.splitlines() if line.strip()]


def _no_marker_above(folder: Path) -> None:
    for parent in folder.parents:
        if any((parent / m).exists() for m in ("pyproject.toml", "setup.py", "setup.cfg", ".git")):
            pytest.skip(f"{parent} holds a root marker: the temporary folder is inside a project")


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """The rq_enqueue_forms fixture without its pyproject.toml: no root marker at all."""
    project = Path(shutil.copytree(FIXTURES / "rq_enqueue_forms", tmp_path / "shop_project"))
    (project / "pyproject.toml").unlink()
    (project / "expected.txt").unlink()
    _no_marker_above(project)
    return project


# --- no root marker --------------------------------------------------------------------


def test_without_a_marker_the_folder_given_is_the_root(shop: Path) -> None:
    (root,) = discover([shop])
    assert root.root == shop.resolve()
    assert {p.relative_to(shop.resolve()).as_posix() for p in root.files} == {
        "shop/__init__.py", "shop/app.py", "shop/tasks.py"}
    done = run_cli(".", cwd=shop)
    assert (done.returncode, codes(done)) == (1, SHOP_FINDINGS), done.stderr


def test_without_a_marker_findings_are_those_of_an_empty_pyproject(shop: Path) -> None:
    unmarked = run_cli(".", cwd=shop)
    (shop / "pyproject.toml").write_text("")
    marked = run_cli(".", cwd=shop)
    assert codes(unmarked) == codes(marked) == SHOP_FINDINGS


@pytest.mark.parametrize("case", ["seed_redash", "rq_worker_script", "celery_max_tasks_1"])
def test_without_a_marker_nested_packages_are_one_project(case: str, tmp_path: Path) -> None:
    """Packages in packages (redash/models, redash/tasks) were split into one project each."""
    project = Path(shutil.copytree(FIXTURES / case, tmp_path / case))
    expected = [line for line in (project / "expected.txt").read_text().splitlines() if line.strip()]
    (project / "pyproject.toml").unlink()
    (project / "expected.txt").unlink()
    _no_marker_above(project)
    assert codes(run_cli(".", cwd=project)) == expected


def test_without_a_marker_and_no_path_the_current_folder_is_the_root(shop: Path) -> None:
    done = run_cli(cwd=shop)
    assert codes(done) == SHOP_FINDINGS, done.stderr


def test_without_a_marker_a_file_given_is_read_in_the_current_folder(shop: Path) -> None:
    # app.py, not named, makes tasks.py's functions jobs: it must be read for context.
    done = run_cli("shop/tasks.py", cwd=shop)
    assert codes(done) == SHOP_FINDINGS, done.stderr


def test_without_a_marker_a_sub_folder_given_is_read_with_its_siblings(shop: Path) -> None:
    done = run_cli("shop_project", cwd=shop.parent)
    assert codes(done) == [f"shop_project/{c}" for c in SHOP_FINDINGS], done.stderr


# --- pyproject.toml files that do not parse ---------------------------------------------


def test_a_nested_template_pyproject_is_skipped_with_one_warning(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\n')
    (tmp_path / "jobs.py").write_text(JOB)
    template = tmp_path / "templates" / "service"
    template.mkdir(parents=True)
    (template / "pyproject.toml").write_text('[project]\nname = {{ name }}\nversion = "{{ version }}"\n')
    (template / "settings.py").write_text("DEBUG = True\n")
    done = run_cli(".", cwd=tmp_path)
    assert (done.returncode, codes(done)) == (1, ["jobs.py:6:5: FRK104"]), done.stderr
    warnings = [line for line in done.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1, done.stderr
    assert warnings[0].startswith("forklint: warning: ") and "templates/service/pyproject.toml" in warnings[0]
    assert "in 2 files" in done.stderr  # the template folder's files are the project's now


def test_the_template_warning_is_said_once_with_fix_and_diff_too(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\n')
    (tmp_path / "jobs.py").write_text("import re\n\n\ndef clean(text):\n    return re.sub(r'\\s+', ' ', text)\n")
    (tmp_path / "tpl").mkdir()
    (tmp_path / "tpl" / "pyproject.toml").write_text("name = {{ name }}\n")
    for flags in (["--diff"], ["--fix"]):
        done = run_cli(*flags, ".", cwd=tmp_path)
        assert done.returncode in (0, 1), done.stderr
        assert done.stderr.count("forklint: warning: ") == 1, done.stderr


def test_a_broken_pyproject_at_the_root_with_a_forklint_table_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = {{ name }}\n\n[tool.forklint]\nselect = ["FRK1"]\n')
    (tmp_path / "jobs.py").write_text(JOB)
    done = run_cli(".", cwd=tmp_path)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("forklint: error: ") and "pyproject.toml" in done.stderr


def test_a_nested_broken_pyproject_with_a_forklint_table_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\n')
    (tmp_path / "jobs.py").write_text(JOB)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "pyproject.toml").write_text("[tool.forklint\nselect = []\n")
    (tmp_path / "sub" / "x.py").write_text("x = 1\n")
    done = run_cli(".", cwd=tmp_path)
    assert done.returncode == 2 and "sub/pyproject.toml" in done.stderr, (done.stdout, done.stderr)


# --- template folders -----------------------------------------------------------------------


def test_folders_named_with_double_braces_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "cookiecutter-app"\n')
    (tmp_path / "jobs.py").write_text(JOB)
    template = tmp_path / "{{cookiecutter.project_slug}}"
    (template / "{{cookiecutter.package}}").mkdir(parents=True)
    (template / "pyproject.toml").write_text('[project]\nname = "{{ cookiecutter.project_slug }}"\n{% if x %}\n')
    (template / "{{cookiecutter.package}}" / "tasks.py").write_bytes(NOT_PYTHON)
    (template / "setup.py").write_bytes(NOT_PYTHON)
    done = run_cli(".", cwd=tmp_path)
    assert (done.returncode, codes(done)) == (1, ["jobs.py:6:5: FRK104"]), done.stdout + done.stderr
    assert "warning" not in done.stderr and "in 1 file" in done.stderr


# --- setup.py ---------------------------------------------------------------------------------


def _package_with_a_setup_module(tmp_path: Path) -> Path:
    """`app/setup.py` is a module of the package `app` (it sets up logging), not a project."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\n')
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "setup.py").write_text("import logging\n\n\ndef configure():\n    logging.basicConfig()\n")
    (tmp_path / "app" / "tasks.py").write_text(
        "from app.setup import configure\n\n\ndef send(order_id):\n    import requests\n    configure()\n"
        "    return requests.post('https://example.org', json=order_id)\n"
    )
    (tmp_path / "web.py").write_text(
        "from redis import Redis\nfrom rq import Queue\n\nfrom app import tasks\n\n"
        "queue = Queue(connection=Redis())\n\n\ndef on_order(order_id):\n    return queue.enqueue(tasks.send, order_id)\n"
    )
    return tmp_path


def test_a_setup_module_inside_a_package_does_not_split_it(tmp_path: Path) -> None:
    project = _package_with_a_setup_module(tmp_path)
    (found,) = discover([project])
    assert found.root == project.resolve()
    assert {p.name for p in found.files} == {"__init__.py", "setup.py", "tasks.py", "web.py"}
    done = run_cli(".", cwd=project)
    assert codes(done) == ["app/tasks.py:5:5: FRK104"], done.stdout + done.stderr  # web.py enqueues it


def test_a_setup_module_named_alone_stays_in_its_project(tmp_path: Path) -> None:
    project = _package_with_a_setup_module(tmp_path)
    done = run_cli("app/tasks.py", cwd=project)
    assert codes(done) == ["app/tasks.py:5:5: FRK104"], done.stdout + done.stderr


def test_a_setup_py_outside_a_package_marks_a_nested_project(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\n')
    (tmp_path / "app.py").write_text("x = 1\n")
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "setup.py").write_text("from setuptools import setup\n\nsetup(name='tools')\n")
    (tmp_path / "tools" / "cli.py").write_text("y = 2\n")
    roots = {p.root: sorted(f.name for f in p.files) for p in discover([tmp_path])}
    assert roots == {tmp_path.resolve(): ["app.py"], (tmp_path / "tools").resolve(): ["cli.py", "setup.py"]}


def test_a_setup_py_beside_a_setup_cfg_in_a_package_marks_a_root(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "outer"\n')
    inner = tmp_path / "vendored"
    inner.mkdir()
    for name in ("__init__.py", "setup.py", "setup.cfg", "mod.py"):
        (inner / name).write_text("")
    assert {p.root for p in discover([tmp_path])} == {inner.resolve()}


# --- .gitignore -------------------------------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git work tree (a `.git` folder is what git and ruff look for) with ignore files."""
    (tmp_path / ".git" / "info").mkdir(parents=True)
    (tmp_path / ".git" / "info" / "exclude").write_text("scratch_*.py\n")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\n')
    (tmp_path / "jobs.py").write_text(JOB)
    (tmp_path / ".gitignore").write_text("# generated\n/out/\n*_pb2.py\n!keep_pb2.py\nbuild-*/\n")
    for ignored in ("out/gen.py", "api_pb2.py", "build-x86/mod.py", "pkg/local_settings.py", "scratch_1.py",
                    "pkg/deep/cache/c.py"):
        (tmp_path / ignored).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / ignored).write_bytes(NOT_PYTHON)
    (tmp_path / "pkg" / ".gitignore").write_text("local_settings.py\ndeep/cache\n")
    (tmp_path / "keep_pb2.py").write_bytes(NOT_PYTHON)  # re-included by `!keep_pb2.py`
    (tmp_path / "pkg" / "out").mkdir()
    (tmp_path / "pkg" / "out" / "kept.py").write_bytes(NOT_PYTHON)  # `/out/` is anchored to the root
    return tmp_path


def test_gitignored_files_are_not_read(repo: Path) -> None:
    done = run_cli(".", cwd=repo)
    assert codes(done) == ["jobs.py:6:5: FRK104", "keep_pb2.py:2:5: FRK000", "pkg/out/kept.py:2:5: FRK000"], (
        done.stdout + done.stderr)
    (project,) = discover([repo])
    assert sorted(p.relative_to(repo.resolve()).as_posix() for p in project.files) == [
        "jobs.py", "keep_pb2.py", "pkg/out/kept.py"]


def test_a_gitignored_file_named_explicitly_is_checked_unless_force_exclude(repo: Path) -> None:
    assert codes(run_cli("api_pb2.py", cwd=repo)) == ["api_pb2.py:2:5: FRK000"]
    forced = run_cli("--force-exclude", "api_pb2.py", cwd=repo)
    assert (forced.returncode, forced.stdout) == (0, "")


def test_a_gitignored_folder_named_explicitly_is_read_whole(repo: Path) -> None:
    """An unpacked project under an ignored cache folder: naming it asks for all of it."""
    vendored = repo / "out" / "vendored"
    vendored.mkdir(parents=True)
    (vendored / "pyproject.toml").write_text('[project]\nname = "vendored"\n')
    (vendored / "jobs.py").write_text(JOB)
    assert codes(run_cli("out/vendored", cwd=repo)) == ["out/vendored/jobs.py:6:5: FRK104"]
    assert codes(run_cli(".", cwd=vendored)) == ["jobs.py:6:5: FRK104"]


def test_respect_gitignore_false_reads_everything(repo: Path) -> None:
    (repo / "pyproject.toml").write_text('[project]\nname = "app"\n\n[tool.forklint]\nrespect-gitignore = false\n')
    found = codes(run_cli(".", cwd=repo))
    assert len([c for c in found if c.endswith("FRK000")]) == 8, found


def test_gitignore_outside_a_git_work_tree_is_not_read(tmp_path: Path) -> None:
    _no_marker_above(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\n')
    (tmp_path / ".gitignore").write_text("*_pb2.py\n")
    (tmp_path / "api_pb2.py").write_text("x = 1\n")
    (project,) = discover([tmp_path])
    assert [p.name for p in project.files] == ["api_pb2.py"]


@pytest.mark.parametrize("exclude_tests", [True, False])
def test_exclude_globs_match_as_fnmatch_does_on_the_path_or_the_name(exclude_tests: bool, tmp_path: Path) -> None:
    """`is_excluded` matches all of a config's globs at once; each still matches the
    path from the root or the base name, as `fnmatch` reads it (`*` crosses `/`)."""
    from fnmatch import fnmatch

    from forklint.config import GENERATED_CODE, TEST_CODE, Config
    from forklint.discover import is_excluded

    config = Config(tmp_path, extend_exclude=("legacy/*.py", "gen_?.py", "[ab]x.py", "deep/*/x.py"),
                    exclude_tests=exclude_tests)
    paths = ["a.py", "build", "pkg/build", "pkg/builder.py", "tests", "pkg/test_a.py", "pkg/a_test.py",
             "legacy/x.py", "legacy/sub/x.py", "gen_1.py", "gen_12.py", "ax.py", "cx.py", "deep/a/b/x.py",
             "app/migrations/0001_initial.py", "app/migrations/helpers.py", "x.egg-info", "conftest.py"]
    patterns = [*config.exclude, *config.extend_exclude, *(TEST_CODE if exclude_tests else ()), *GENERATED_CODE]
    for relative in paths:
        expected = any(fnmatch(relative, p) or fnmatch(Path(relative).name, p) for p in patterns)
        assert is_excluded(tmp_path / relative, config) == expected, relative


def test_a_walked_file_that_is_a_symlink_is_resolved(tmp_path: Path) -> None:
    """Below a real root the walk follows no folder link, so only a file itself may be a
    link: it is read as its target, like a file named on the command line."""
    root = tmp_path / "app"
    (root / "pkg").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "app"\nversion = "0"\n')
    (root / "pkg" / "__init__.py").write_text("")
    (root / "lib").mkdir()
    (root / "lib" / "real.py").write_text("x = 1\n")
    (root / "pkg" / "linked.py").symlink_to(root / "lib" / "real.py")
    (project,) = discover([root])
    assert project.files == [root / "lib" / "real.py", root / "pkg" / "__init__.py"]
    assert project.targets == set(project.files)


def test_a_project_walked_from_its_root_reads_a_linked_file_from_another_project(tmp_path: Path) -> None:
    # Read once for the files to report: the project's own files must be what a walk of
    # its own finds, a link to a file of another project included (as context).
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "pyproject.toml").write_text("")
    (tmp_path / "a" / "main.py").write_text("x = 1\n")
    (tmp_path / "b" / "real.py").write_text("y = 2\n")
    (tmp_path / "a" / "link.py").symlink_to(tmp_path / "b" / "real.py")
    (project,) = [p for p in discover([tmp_path / "a"]) if p.root == (tmp_path / "a").resolve()]
    assert [f.name for f in project.files] == ["main.py", "real.py"]


def test_a_folder_given_through_a_link_is_excluded_by_the_path_as_given(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "src" / "gen").mkdir(parents=True)
    (repo / "pyproject.toml").write_text('[tool.forklint]\nextend-exclude = ["src/gen"]\n')
    (repo / "src" / "gen" / "g.py").write_text("z = 3\n")
    (repo / "link").symlink_to(repo / "src")
    (project,) = discover([repo / "link"])
    assert [f.name for f in project.targets] == ["g.py"]
