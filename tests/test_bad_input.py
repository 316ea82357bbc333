"""Bad input: every odd file, path or setting gets one clear message, never a traceback.

Each case drives the CLI (in-process: `conftest.run_cli`) in a small project that has a
`pyproject.toml`. Unparsable files are FRK000 (exit 1) and the other files are still
checked: each project holds a real finding in `jobs.py` (an RQ job importing
`requests` inside the function) that must still be reported. Bad arguments and
bad settings are exit 2 with one `forklint: ...` line on stderr.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import CliRun, run_cli

JOBS = b'''from rq.decorators import job


@job("default")
def fetch(url):
    import requests
    return requests.get(url).text
'''
JOB_FINDING = "jobs.py:6:5: FRK104"


def _project(tmp_path: Path, files: dict[str, bytes] | None = None, forklint_table: str = "") -> Path:
    (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "bad-input"\n{forklint_table}')
    (tmp_path / "jobs.py").write_bytes(JOBS)
    for name, content in (files or {}).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(content)
    return tmp_path


def _run(cwd: Path, *args: str) -> CliRun:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("FORKLINT_DEBUG", None)
    done = run_cli("--no-cache", *args, cwd=cwd, env=env)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def _codes(done: CliRun) -> list[str]:
    """`path:line:col: CODE` of each finding."""
    return [line.split(" ", 2)[0] + " " + line.split(" ", 2)[1] for line in done.stdout.splitlines() if line.strip()]


def _one_error_line(done: CliRun) -> str:
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("forklint: "), lines
    return lines[0]


def _unparsable(tmp_path: Path, name: str, content: bytes) -> list[str]:
    """Lint a project with one bad file; the job finding must survive it."""
    done = _run(_project(tmp_path, {name: content}), ".")
    assert done.returncode == 1, (done.stdout, done.stderr)
    found = _codes(done)
    assert JOB_FINDING in found, done.stdout
    bad = [f for f in found if f.startswith(f"{name}:")]
    assert len(bad) == 1 and bad[0].endswith(" FRK000"), done.stdout
    assert len(done.stdout.splitlines()) == 2, done.stdout  # one line each, nothing else
    return bad


# --- files forklint cannot parse: FRK000, and the rest is still checked -------------------


def test_syntax_error(tmp_path: Path) -> None:
    bad = _unparsable(tmp_path, "broken.py", b"def f(:\n    pass\n")
    assert bad[0].split(":")[1] in ("1", "2")  # where the parser stopped


def test_python2_print(tmp_path: Path) -> None:
    bad = _unparsable(tmp_path, "legacy.py", b'print "x"\n')
    assert bad[0].startswith("legacy.py:1:")


def test_nul_bytes(tmp_path: Path) -> None:
    _unparsable(tmp_path, "blob.py", b"x = 1\n\0\0\0\ny = 2\n")


def test_unterminated_string(tmp_path: Path) -> None:
    _unparsable(tmp_path, "open_string.py", b'x = "abc\n')


def test_bad_coding_cookie(tmp_path: Path) -> None:
    _unparsable(tmp_path, "cookie.py", b"# -*- coding: no-such-codec -*-\nx = 1\n")


def test_deeply_nested_brackets(tmp_path: Path) -> None:
    """LibCST's walks recurse per nesting level: a RecursionError is FRK000, not a crash."""
    _unparsable(tmp_path, "nested.py", b"x = " + b"[" * 300 + b"]" * 300 + b"\n")


def test_long_expression_chain(tmp_path: Path) -> None:
    """Valid Python (CPython compiles it) that LibCST's tree walks cannot: FRK000, not a crash."""
    chain = b"x = " + b" + ".join([b"1"] * 1000) + b"\n"
    compile(chain, "chain.py", "exec")
    _unparsable(tmp_path, "chain.py", chain)


def test_undecodable_utf8(tmp_path: Path) -> None:
    _unparsable(tmp_path, "latin.py", b's = "caf\xe9"\n')  # latin-1 bytes, no cookie


# --- files that are fine, however they are spelled ------------------------------------------


def _clean_except_job(tmp_path: Path, files: dict[str, bytes]) -> CliRun:
    done = _run(_project(tmp_path, files), ".")
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert _codes(done) == [JOB_FINDING], done.stdout
    return done


def test_latin1_with_coding_cookie(tmp_path: Path) -> None:
    _clean_except_job(tmp_path, {"legacy.py": b'# -*- coding: latin-1 -*-\ns = "caf\xe9"\n'})


def test_utf8_bom(tmp_path: Path) -> None:
    _clean_except_job(tmp_path, {"bom.py": b'\xef\xbb\xbfs = "caf\xc3\xa9"\n'})


def test_empty_file(tmp_path: Path) -> None:
    done = _clean_except_job(tmp_path, {"empty.py": b"", "pkg/__init__.py": b""})
    assert "in 3 files" in done.stderr


def test_whitespace_and_comment_only_file(tmp_path: Path) -> None:
    _clean_except_job(tmp_path, {"blank.py": b"\n\n   \n# only a comment", "formfeed.py": b"\x0c\nx = 1\n"})


@pytest.mark.parametrize(
    "name, transform",
    [
        ("crlf", lambda text: text.replace(b"\n", b"\r\n")),
        ("mixed", lambda text: text.replace(b"\n", b"\r\n", 3)),
        ("cr-only-line", lambda text: text.replace(b"def fetch(url):\n", b"def fetch(url):\r")),
        ("tabs", lambda text: text.replace(b"    ", b"\t")),
        ("bom", lambda text: b"\xef\xbb\xbf" + text),
        ("cookie", lambda text: b"# -*- coding: latin-1 -*-\n" + text.replace(b"url):", b'url="caf\xe9"):')),
        ("no-final-newline", lambda text: text.rstrip(b"\n")),
    ],
)
def test_job_file_spellings(tmp_path: Path, name: str, transform) -> None:
    """The job's finding is at the same place however the file spells newlines or indents."""
    _project(tmp_path)
    source = transform(JOBS)
    (tmp_path / "jobs.py").write_bytes(source)
    done = _run(tmp_path, ".")
    expected_line = 7 if name == "cookie" else 6
    col = 2 if name == "tabs" else 5
    assert _codes(done) == [f"jobs.py:{expected_line}:{col}: FRK104"], (done.stdout, done.stderr)


@pytest.mark.parametrize("name", ["crlf", "mixed", "bom", "latin1"])
def test_fix_keeps_encoding_and_newlines(tmp_path: Path, name: str) -> None:
    body = (
        'import re\n\nfrom rq.decorators import job\n\n\n@job("q")\n'
        'def clean(text):\n    s = "caf\\xe9"\n    return re.sub(r"\\s+", " ", text, flags=re.I) + s\n'
    )
    if name == "crlf":
        source = body.replace("\n", "\r\n").encode()
    elif name == "mixed":
        source = body.replace("\n", "\r\n", 4).encode()
    elif name == "bom":
        source = b"\xef\xbb\xbf" + body.encode()
    else:
        source = ("# -*- coding: latin-1 -*-\n" + body.replace("\\xe9", "\xe9")).encode("latin-1")
    # The pattern is cheap; this is about what the fix writes, so report it anyway.
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.forklint]\nmin-cost-ms = 0\n')
    (tmp_path / "clean.py").write_bytes(source)
    done = _run(tmp_path, "--fix", ".")
    assert done.returncode == 0, (done.stdout, done.stderr)
    fixed = (tmp_path / "clean.py").read_bytes()
    assert fixed != source and b".sub(" in fixed
    compile(fixed, "clean.py", "exec")
    if name == "crlf":
        assert fixed.count(b"\r\n") == fixed.count(b"\n")
    if name == "bom":
        assert fixed.startswith(b"\xef\xbb\xbf") and fixed.count(b"\xef\xbb\xbf") == 1
    if name == "latin1":
        assert b"caf\xe9" in fixed  # still latin-1, as the cookie says
    assert _run(tmp_path, ".").returncode == 0


# --- paths ----------------------------------------------------------------------------------


def test_directory_named_like_a_module(tmp_path: Path) -> None:
    _project(tmp_path, {"x.py/inner.py": b"y = 1\n"})
    done = _run(tmp_path, ".")
    assert _codes(done) == [JOB_FINDING], (done.stdout, done.stderr)
    done = _run(tmp_path, "x.py")  # named on the command line: checked as a folder
    assert done.returncode == 0 and done.stdout == "", (done.stdout, done.stderr)


def test_empty_directory_named_like_a_module(tmp_path: Path) -> None:
    _project(tmp_path)
    (tmp_path / "empty.py").mkdir()
    done = _run(tmp_path, "empty.py")
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert _codes(_run(tmp_path, ".")) == [JOB_FINDING]


def test_unreadable_file_subprocess(tmp_path: Path) -> None:
    _project(tmp_path, {"secret.py": b"x = 1\n"})
    secret = tmp_path / "secret.py"
    secret.chmod(0)
    try:
        try:
            secret.read_bytes()
        except PermissionError:
            pass
        else:
            pytest.skip("running as root (or with CAP_DAC_OVERRIDE): chmod 000 does not stop reads; "
                        "see test_unreadable_file_in_process")
        done = _run(tmp_path, ".")
        assert done.returncode == 1, done.stderr
        assert set(_codes(done)) == {JOB_FINDING, "secret.py:1:1: FRK000"}
        assert "cannot read" in done.stdout
    finally:
        secret.chmod(0o644)


def test_unreadable_file_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """chmod 000 simulated: reading secret.py raises PermissionError, whoever we run as."""
    from forklint.cli import main

    _project(tmp_path, {"secret.py": b"x = 1\n"})
    secret = (tmp_path / "secret.py").resolve()
    real_read_bytes = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.resolve() == secret:
            raise PermissionError(13, "Permission denied", str(self))
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["--no-cache", "."])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "secret.py:1:1: FRK000 cannot read: Permission denied" in result.output
    assert JOB_FINDING in result.output


def test_symlink_loops(tmp_path: Path) -> None:
    _project(tmp_path)
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    (tmp_path / "self.py").symlink_to("self.py")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "up").symlink_to("..", target_is_directory=True)  # a cycle through a real folder
    (tmp_path / "pkg" / "ok.py").write_text("x = 1\n")
    done = _run(tmp_path, ".")
    assert done.returncode == 1, done.stderr
    assert _codes(done) == [JOB_FINDING, "self.py:1:1: FRK000"], done.stdout
    assert "symbolic links" in done.stdout


def test_symlink_loop_named_on_the_command_line(tmp_path: Path) -> None:
    _project(tmp_path)
    (tmp_path / "self.py").symlink_to("self.py")
    done = _run(tmp_path, "self.py", "jobs.py")
    assert done.returncode in (1, 2), done.stderr  # FRK000 (or a one-line error), never a traceback
    if done.returncode == 2:
        _one_error_line(done)


def test_path_that_does_not_exist(tmp_path: Path) -> None:
    _project(tmp_path)
    line = _one_error_line(_run(tmp_path, "no_such_file.py"))
    assert "no_such_file.py" in line
    line = _one_error_line(_run(tmp_path, "jobs.py", "missing_dir/"))
    assert "missing_dir" in line


# --- settings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "table, named",
    [
        ('[tool.forklint]\nreport-per-child = "yes"\n', "report-per-child"),
        ('[tool.forklint]\nselect = "FRK101"\n', "select"),
        ('[tool.forklint]\nselect = ["E501"]\n', "E501"),
        ('[tool.forklint]\nper-file-ignores = { "x.py" = "FRK104" }\n', "per-file-ignores"),
        ("[tool.forklint]\nfrobnicate = 1\n", "frobnicate"),
        ("[tool]\nforklint = 3\n", "[tool.forklint]"),
        ("[tool.forklint\n", "pyproject.toml"),
    ],
)
def test_bad_config(tmp_path: Path, table: str, named: str) -> None:
    _project(tmp_path, forklint_table=table)
    line = _one_error_line(_run(tmp_path, "."))
    assert named in line, line


def test_bad_command_line_value(tmp_path: Path) -> None:
    _project(tmp_path)
    done = _run(tmp_path, "--select", "E501", ".")
    assert done.returncode == 2 and "E501" in done.stderr, done.stderr


_ENTRY = """[[entry]]
id = "mine"
rule = "FRK106"
kind = "first-use"
apis = ["mylib.load"]
cold-ms = {cold}
warm-ms = 1
evidence = "https://example.org"
fix = "none"
safety = "safe"
summary = "loads mylib"
advice = "load it in the parent"
doc = "doc"
"""


@pytest.mark.parametrize(
    "catalogue, named",
    [
        (_ENTRY.format(cold='"fast"'), ["cat.toml", "'mine'", "cold-ms"]),
        (_ENTRY.format(cold="1") + 'colour = "red"\n', ["cat.toml", "'mine'", "colour"]),
        (_ENTRY.format(cold="1").replace('kind = "first-use"', 'kind = "slow"'), ["cat.toml", "'mine'", "kind"]),
        ("[[entry\n", ["cat.toml", "TOML"]),
        (None, ["cat.toml", "cannot read"]),
    ],
)
def test_bad_extra_catalogue(tmp_path: Path, catalogue: str | None, named: list[str]) -> None:
    _project(tmp_path, forklint_table='[tool.forklint]\nextra-catalogues = ["cat.toml"]\n')
    if catalogue is not None:
        (tmp_path / "cat.toml").write_text(catalogue)
    line = _one_error_line(_run(tmp_path, "."))
    for word in named:
        assert word in line, line


def test_good_extra_catalogue_is_used(tmp_path: Path) -> None:
    _project(tmp_path, forklint_table='[tool.forklint]\nextra-catalogues = ["cat.toml"]\n')
    (tmp_path / "cat.toml").write_text(_ENTRY.format(cold="1"))
    assert _codes(_run(tmp_path, ".")) == [JOB_FINDING]


# --- the last line of defence ---------------------------------------------------------------


def test_unexpected_exception_is_one_line_and_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import forklint.cli
    import forklint.engine

    def boom(*args: object, **kwargs: object) -> None:
        raise ValueError("something\nbroke")

    _project(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FORKLINT_DEBUG", raising=False)
    monkeypatch.setattr(forklint.engine, "lint_paths", boom)  # the CLI imports it when it runs
    result = CliRunner().invoke(forklint.cli.main, ["--no-cache", "."])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert lines == ["forklint: internal error: ValueError: something broke (set FORKLINT_DEBUG=1 for the traceback)"]


def test_usage_errors_still_go_through_click(tmp_path: Path) -> None:
    _project(tmp_path)
    done = _run(tmp_path, "--no-such-option")
    assert done.returncode == 2 and "internal error" not in done.stderr
