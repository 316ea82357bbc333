"""Entry points: what the packaging files declare, which group a loader call names, and
the star re-exports a plugin API is reached through."""

from __future__ import annotations

from pathlib import Path

from forklint.config import Config
from forklint.entry_points import group_names, read_pyproject, read_setup_cfg, read_setup_py
from forklint.extract import parse_source
from forklint.project import Project


def project(*modules: tuple[str, str]) -> Project:
    parsed = [([name], parse_source(f"{name}.py", source.encode()), f"{name}.py") for name, source in modules]
    return Project(Path("."), Config(root=Path(".")), parsed)  # type: ignore[arg-type]


def test_every_group_is_read_from_each_packaging_file() -> None:
    cfg = "[options.entry_points]\nconsole_scripts =\n    app = app.cli:main\nApp.Plugins =\n    search = app_search.plugin:Search [extra]\n"
    assert [(e.group, e.name, e.module, e.line) for e in read_setup_cfg(cfg)] == [
        ("console_scripts", "app", "app.cli", 3), ("App.Plugins", "search", "app_search.plugin", 5)]
    py = 'PLUGINS = ["search = app_search.plugin:Search"]\nsetup(entry_points={"app.plugins": PLUGINS, "console_scripts": "app = app.cli:main"})\n'
    assert [(e.group, e.target) for e in read_setup_py(py)] == [("app.plugins", "app_search.plugin:Search"), ("console_scripts", "app.cli:main")]
    toml = '[project.scripts]\napp = "app.cli:main"\n[project.entry-points."app.plugins"]\nsearch = "app_search.plugin:Search"\n' \
           '[tool.poetry.plugins."app.hooks"]\naudit = "app_audit:hook"\n'
    assert [(e.group, e.name) for e in read_pyproject(toml)] == [("console_scripts", "app"), ("app.plugins", "search"), ("app.hooks", "audit")]


def test_the_group_a_loader_names_is_followed_through_constants_loops_and_parameters() -> None:
    p = project(
        ("groups", 'MAIN = "app.plugins"\nGROUPS = [MAIN, "app.test_plugins"]\n'),
        ("loader", "from importlib.metadata import entry_points\nfrom groups import GROUPS\n"
                   "def service(name):\n    for group in GROUPS:\n        entry_points(group=group, name=name)\n"
                   "def commands(group='app.commands'):\n    entry_points(group=group)\n"
                   "def unknown(group):\n    entry_points(group=group)\n"
                   "commands()\nunknown(input())\n"),
    )
    found = {}
    for qualname in ("service", "commands", "unknown"):
        fn = p.functions[f"loader.{qualname}"]
        found[qualname] = group_names(p, fn.module, fn, fn.facts.calls[0].kwarg("group"))
    assert found == {"service": {"app.plugins", "app.test_plugins"}, "commands": {"app.commands"}, "unknown": None}


def test_a_star_import_re_exports_the_names_its_module_lists() -> None:
    p = project(
        ("plugins", "from plugins_core import *\n"),
        ("plugins_core", '__all__ = ["load_all"]\ndef load_all(): pass\ndef hidden(): pass\n'),
        ("env", "import plugins\nfrom plugins import *\nplugins.load_all()\nplugins.hidden()\nload_all()\n"),
    )
    env = p.modules["env"]
    assert [p.call_target(None, env, call) for call in env.facts.calls] == [
        "plugins_core.load_all", "plugins.hidden", "plugins_core.load_all"]
