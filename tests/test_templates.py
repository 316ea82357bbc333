"""Template files found by the name a job loads them by (forklint/templates.py)."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli

from forklint.templates import TemplateFiles

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "frk102_template_files"


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


def test_a_template_comes_with_what_it_extends_and_includes(tmp_path: Path) -> None:
    _write(tmp_path, {
        "app/templates/mail/welcome.html": '{% extends "base.html" %}{% block b %}{% include "mail/row.html" %}{% endblock %}',
        "app/templates/base.html": "<html>{% block b %}{% endblock %}</html>",
        "app/templates/mail/row.html": "{{ row }}",
    })
    sources = TemplateFiles(tmp_path).sources("mail/welcome.html")
    assert sources is not None and len(sources) == 3


def test_a_base_template_outside_the_project_is_left_out(tmp_path: Path) -> None:
    _write(tmp_path, {"app/templates/page.html": '{% extends "admin/base_site.html" %}'})
    assert TemplateFiles(tmp_path).sources("page.html") == ['{% extends "admin/base_site.html" %}']


def test_a_name_two_files_answer_or_none_does_is_unknown(tmp_path: Path) -> None:
    _write(tmp_path, {"a/templates/x.html": "a", "b/templates/x.html": "b", "c/x.html": "not under templates"})
    files = TemplateFiles(tmp_path)
    assert files.sources("x.html") is None
    assert files.sources("missing.html") is None


def test_an_environment_built_in_the_job_costs_its_templates_measured_here() -> None:
    result = run_cli("--no-cache", ".", cwd=FIXTURE)
    assert "FRK102" in result.stdout and "measured here" in result.stdout


SHARED = Path(__file__).resolve().parent.parent / "fixtures" / "frk102_shared_env_first_load"


def test_a_first_load_on_a_shared_environment_names_each_template_and_its_measured_cost() -> None:
    result = run_cli("--no-cache", ".", cwd=SHARED)
    digest = next(line for line in result.stdout.splitlines() if line.startswith("reports/jobs.py:17:"))
    # The name is written in the job, formatted over a literal list, and passed to a helper.
    assert "(digest.html, digest.txt)" in digest and "measured here" in digest


def test_a_first_load_on_a_module_environment_is_warmed_in_the_worker_script() -> None:
    result = run_cli("--no-cache", "--diff", ".", cwd=SHARED)
    assert "+    import reports.env" in result.stdout
    assert "+    reports.env.ENV.get_template('digest.txt')" in result.stdout
    assert "welcome.html" not in result.stdout  # a Flask app's Environment: said, not edited


def test_a_template_using_the_projects_own_filters_is_measured() -> None:
    from forklint.costs import jinja2_compile_ms

    assert jinja2_compile_ms("{{ cert.not_after|time }} {% if x is weekend %}{% trans %}hi{% endtrans %}{% endif %}") is not None
