"""Command-line frameworks that start workers, and what they run before the command.

A worker is often started by a command: a click group's command (the root group's
callback and eager options' callbacks run first), a Flask CLI command (`AppGroup`,
`app.cli`, `FlaskGroup(create_app=...)`: the app factory runs first, `with_appcontext`),
or a Django management command (`django.setup()` first: the settings, every installed
app, its models and `AppConfig.ready()`). All of it runs in the worker's parent, before
the fork.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..facts import Call, Const
from ..project import FunctionRef, Project
from .base import all_calls
from .django import django_settings_module, is_django_command, run_django_parent, run_django_setup, runs_system_checks

__all__ = ["before_command", "django_settings_module", "flask_app_factory", "run_before_command", "run_django_setup"]

if TYPE_CHECKING:
    from ..prefork import Simulator

CLICK_GROUPS = frozenset({"click.group", "click.decorators.group", "flask.cli.AppGroup.group"})
CLICK_OPTIONS = frozenset({"click.option", "click.decorators.option"})
FLASK_COMMAND_OWNERS = ("flask.cli.AppGroup()", "flask.cli.FlaskGroup()", "flask.Flask().cli", "flask.app.Flask().cli",
                        "flask.Blueprint().cli", "flask.blueprints.Blueprint().cli")
FLASK_WITH_APPCONTEXT = frozenset({"flask.cli.with_appcontext"})
FLASK_GROUPS = frozenset({"flask.cli.FlaskGroup"})
FLASK_FACTORY_NAMES = ("create_app", "make_app")  # what `flask --app pkg` looks for


def before_command(project: Project, fn: FunctionRef) -> list[FunctionRef]:
    """Project functions a CLI framework runs in the same process before `fn`, in order:
    the Flask app factory for a Flask command, then from the root group down to the
    command, each one's eager options' callbacks and each group's callback."""
    chain: list[FunctionRef] = []
    flask = False
    for decorator in fn.facts.decorators:
        func = decorator.func if isinstance(decorator, Call) else decorator
        target = project.resolve(fn.module, None, func) or ""
        owner, _, attr = target.rpartition(".")
        if attr in ("command", "group") and owner in project.functions:
            chain = _groups(project, project.functions[owner])
        if (attr in ("command", "group") and owner.startswith(FLASK_COMMAND_OWNERS)) or target in FLASK_WITH_APPCONTEXT:
            flask = True
    if any(_flask_group_class(project, group) for group in chain):
        flask = True  # `@click.group(cls=AppFlaskGroup)`: a FlaskGroup runs the app factory first
    found: list[FunctionRef] = []
    if flask:
        factory = flask_app_factory(project)
        if factory is not None:
            found.append(factory)
    for group in chain:
        found += [*_eager_callbacks(project, group), group]
    found += _eager_callbacks(project, fn)
    return found


def _flask_group_class(project: Project, group: FunctionRef) -> bool:
    """A click group made with `cls=` a FlaskGroup (subclass)."""
    for decorator in group.facts.decorators:
        cls = decorator.kwarg("cls") if isinstance(decorator, Call) else None
        name = project.resolve(group.module, None, cls) if cls is not None else None
        if name is not None and (name in FLASK_GROUPS or project.is_subclass(name, FLASK_GROUPS)):
            return True
    return False


def _eager_callbacks(project: Project, fn: FunctionRef) -> list[FunctionRef]:
    """`@click.option(..., is_eager=True, callback=f)`: click calls f before the command."""
    found = []
    for decorator in fn.facts.decorators:
        if not isinstance(decorator, Call) or project.resolve(fn.module, None, decorator.func) not in CLICK_OPTIONS:
            continue
        eager, callback = decorator.kwarg("is_eager"), decorator.kwarg("callback")
        if isinstance(eager, Const) and eager.value is True and callback is not None:
            name = project.resolve(fn.module, None, callback)
            if name in project.functions:
                found.append(project.functions[name])
    return found


def _groups(project: Project, group: FunctionRef, depth: int = 0) -> list[FunctionRef]:
    """A click group and the groups above it, outermost first."""
    if depth > 5:
        return [group]
    for decorator in group.facts.decorators:
        func = decorator.func if isinstance(decorator, Call) else decorator
        target = project.resolve(group.module, None, func) or ""
        owner, _, attr = target.rpartition(".")
        if attr == "group" and owner in project.functions:
            return [*_groups(project, project.functions[owner], depth + 1), group]
    # `root.add_command(jobs)` at a module's top level makes `jobs` a subcommand of `root`.
    for module in project.modules.values():
        for call in module.facts.calls:
            target = project.call_target(None, module, call) or ""
            owner, _, attr = target.rpartition(".")
            if attr == "add_command" and owner in project.functions and call.args \
                    and project.resolve(module, None, call.args[0]) == group.qualified:
                return [*_groups(project, project.functions[owner], depth + 1), group]
    return [group]


def flask_app_factory(project: Project) -> FunctionRef | None:
    """The app factory `flask` runs: `FlaskGroup(create_app=...)`, else `create_app` / `make_app`."""
    for module, fn, call in all_calls(project):
        # `FlaskGroup(create_app=f)`, or a subclass's `super().__init__(create_app=f)`
        in_subclass = fn is not None and fn.facts.class_name is not None and \
            project.is_subclass(f"{module.name}.{fn.facts.class_name}", FLASK_GROUPS)
        if project.call_target(fn, module, call) in FLASK_GROUPS or in_subclass:
            factory = call.kwarg("create_app")
            name = project.resolve(module, fn.facts if fn else None, factory) if factory is not None else None
            if name in project.functions:
                return project.functions[name]
    for name in FLASK_FACTORY_NAMES:
        for candidate in sorted(project.functions.values(), key=lambda f: (f.module.name.count("."), f.module.name)):
            if candidate.facts.qualname == name:
                return candidate
    return None


def run_before_command(project: Project, sim: "Simulator", fn: FunctionRef) -> None:
    """Run in `sim` what the CLI framework runs before the command `fn`."""
    if is_django_command(project, fn):
        run_django_parent(project, sim, checks=runs_system_checks(project, fn))
    for before in before_command(project, fn):
        sim.run(before)
