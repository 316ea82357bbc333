"""Command-line frameworks that start workers, and what they run before the command.

A worker is often started by a command: a click group's command (the root group's
callback and eager options' callbacks run first), a Flask CLI command (`AppGroup`,
`app.cli`, `FlaskGroup(create_app=...)`: the app factory runs first, `with_appcontext`),
or a Django management command (`django.setup()` first: the settings, every installed
app, its models and `AppConfig.ready()`). All of it runs in the worker's parent, before
the fork.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from ..facts import Call, Const, Dotted, Seq
from ..project import FunctionRef, Project
from .base import all_calls, const_str, program
from .django import django_settings_module, installed_apps, is_django_command, run_django_parent, run_django_setup, runs_system_checks

__all__ = ["before_command", "django_settings_module", "flask_app_factory", "installed_apps", "run_before_command",
           "run_django_setup", "runs_as"]

if TYPE_CHECKING:
    from ..launch import LaunchCommand
    from ..prefork import Simulator

CLICK_GROUPS = frozenset({"click.group", "click.decorators.group", "flask.cli.AppGroup.group"})
CLICK_OPTIONS = frozenset({"click.option", "click.decorators.option"})
FLASK_COMMAND_OWNERS = ("flask.cli.AppGroup()", "flask.cli.FlaskGroup()", "flask.Flask().cli", "flask.app.Flask().cli",
                        "flask.Blueprint().cli", "flask.blueprints.Blueprint().cli")
FLASK_WITH_APPCONTEXT = frozenset({"flask.cli.with_appcontext"})
FLASK_GROUPS = frozenset({"flask.cli.FlaskGroup"})
FLASK_FACTORY_NAMES = ("create_app", "make_app")  # what `flask --app pkg` looks for
DJANGO_MANAGE = ("manage.py", "django-admin", "django-admin.py", "django")
_COMMANDS_PACKAGE = ".management.commands."


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
    if not chain and fn.facts.decorators:
        chain = _groups(project, fn)[:-1]  # a command attached with `group.add_command(fn)`
    for group in chain:
        found += [*_option_callbacks(project, group), group]
    found += _option_callbacks(project, fn)
    return found


def _flask_group_class(project: Project, group: FunctionRef) -> bool:
    """A click group made with `cls=` a FlaskGroup (subclass)."""
    for decorator in group.facts.decorators:
        cls = decorator.kwarg("cls") if isinstance(decorator, Call) else None
        name = project.resolve(group.module, None, cls) if cls is not None else None
        if name is not None and (name in FLASK_GROUPS or project.is_subclass(name, FLASK_GROUPS)):
            return True
    return False


def _option_callbacks(project: Project, fn: FunctionRef) -> list[FunctionRef]:
    """`@click.option(..., callback=f)`: click calls f while it parses the command line,
    before the command (and, for a group's options, before any subcommand); eager
    options' callbacks first."""
    eager, others = [], []
    for decorator in fn.facts.decorators:
        if not isinstance(decorator, Call) or project.resolve(fn.module, None, decorator.func) not in CLICK_OPTIONS:
            continue
        is_eager, callback = decorator.kwarg("is_eager"), decorator.kwarg("callback")
        name = project.resolve(fn.module, None, callback) if callback is not None else None
        if name in project.functions:
            (eager if isinstance(is_eager, Const) and is_eager.value is True else others).append(project.functions[name])
    return eager + others


def _groups(project: Project, group: FunctionRef, depth: int = 0) -> list[FunctionRef]:
    """A click group and the groups above it, outermost first: `@parent.group()`, or
    `parent.add_command(group)` somewhere in the project."""
    if depth > 5:
        return [group]
    for decorator in group.facts.decorators:
        func = decorator.func if isinstance(decorator, Call) else decorator
        target = project.resolve(group.module, None, func) or ""
        owner, _, attr = target.rpartition(".")
        if attr == "group" and owner in project.functions:
            return [*_groups(project, project.functions[owner], depth + 1), group]
    parent = _added_to(project).get(group.qualified)
    if parent is not None and parent is not group:
        return [*_groups(project, parent, depth + 1), group]
    return [group]


def _added_to(project: Project) -> dict[str, FunctionRef]:
    """Commands and groups attached with `parent.add_command(child)`: child → parent group
    (read once per project)."""
    return project.derived("click commands added", lambda: _find_added(project))


def _find_added(project: Project) -> dict[str, FunctionRef]:
    found: dict[str, FunctionRef] = {}
    for module, fn, call in all_calls(project):
        target = project.call_target(fn, module, call) or ""
        owner, _, attr = target.rpartition(".")
        child = call.arg(0, "cmd")
        if attr != "add_command" or owner not in project.functions or child is None:
            continue
        name = project.resolve(module, fn.facts if fn else None, child)
        if name in project.functions:
            found.setdefault(name, project.functions[owner])
    return found


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


# --- what a launch line runs, read through the project's own CLI code ------------------


def runs_as(project: Project, command: "LaunchCommand") -> "LaunchCommand":
    """The command line `command` really runs, where the project's code says so: a console
    script that sets `sys.argv` and calls another CLI's main in-process runs that line
    (`sys.argv = ["rq", "worker", ...]; rq.cli.main()`); a management command that
    subclasses another app's command runs as that command (`manage.py site_rqworker` →
    `manage.py rqworker`). Anything else runs as written."""
    argv = _console_script_argv(project, command.target) if command.target else None
    if argv is not None:
        return dataclasses.replace(command, argv=argv)
    prog, args = program(command.argv)
    if prog in DJANGO_MANAGE and args:
        base = _inherited_command(project, args[0])
        if base is not None:
            index = len(command.argv) - len(args)
            return dataclasses.replace(command, argv=(*command.argv[:index], base, *args[1:]))
    return command


def _console_script_argv(project: Project, target: str) -> tuple[str, ...] | None:
    """The constant `sys.argv` a console script's function sets, if it sets one."""
    module, _, name = target.partition(":")
    fn = project.functions.get(f"{module}.{name}")
    if fn is None:
        return None
    for assign in fn.facts.assigns:
        if assign.target != "sys.argv":
            continue
        value = assign.value
        if isinstance(value, Dotted):  # `args = [...]; sys.argv = args`
            earlier = [a.value for a in fn.facts.assigns if a.target == value.name and a.pos.line < assign.pos.line]
            value = earlier[-1] if earlier else value
        words = [const_str(item) for item in value.items] if isinstance(value, Seq) else [None]
        if all(word is not None for word in words):
            return tuple(words)  # type: ignore[arg-type]
    return None


def _inherited_command(project: Project, name: str) -> str | None:
    """The name of the management command a project command `name` subclasses, when that
    command is another app's (`django_rq.management.commands.rqworker.Command`)."""
    for module in project.modules.values():
        if not module.name.endswith(f"{_COMMANDS_PACKAGE}{name}"):
            continue
        for ancestor in project.mro(f"{module.name}.Command")[1:]:
            package, found, rest = ancestor.rpartition(_COMMANDS_PACKAGE)
            base, _, cls = rest.partition(".")
            if found and cls == "Command" and project.module(f"{package}{found}{base}") is None and base != name:
                return base
    return None
