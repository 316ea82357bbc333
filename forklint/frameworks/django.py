"""Django: what it runs in a worker's parent before the fork, asked by every adapter
whose worker can run under Django (a management command, Celery's Django fixup).

`django.setup()` imports the settings, every installed app, its models and runs each
`AppConfig.ready()`; the system checks a management command (or Celery's fixup) runs
next import the URLconfs. All of it is inherited by every child.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..facts import Call, Const, Dotted, Operation, Seq, Val
from ..project import FunctionRef, Module, Project
from .base import all_calls, const_str

if TYPE_CHECKING:
    from ..prefork import Simulator

DJANGO_COMMAND_BASES = frozenset({"django.core.management.base.BaseCommand", "django.core.management.BaseCommand"})
DJANGO_APP_CONFIG = frozenset({"django.apps.AppConfig", "django.apps.config.AppConfig"})
DJANGO_INCLUDE = frozenset({"django.urls.include", "django.urls.conf.include", "django.conf.urls.include"})
# `@register`, `@register(Tags.models)`, `register(check)`: a system check, run by run_checks().
DJANGO_CHECK_REGISTER = frozenset({
    "django.core.checks.register", "django.core.checks.registry.register", "django.core.checks.registry.registry.register",
})


def is_django_command(project: Project, fn: FunctionRef) -> bool:
    """`handle` of a management command: Django runs setup() before it."""
    if fn.facts.class_name is None or not fn.facts.qualname.endswith(".handle"):
        return False
    return project.is_subclass(f"{fn.module.name}.{fn.facts.class_name}", DJANGO_COMMAND_BASES)


def django_settings_module(project: Project) -> str | None:
    """The DJANGO_SETTINGS_MODULE the project sets (`os.environ.setdefault(...)`), given as
    a string or as a name assigned strings (`settings_file = "cfg.dev"`; the last one that
    is a project module: the `else` of a test switch)."""
    for module, fn, call in all_calls(project):
        if project.call_target(fn, module, call) in ("os.environ.setdefault", "os.putenv") and call.args:
            if const_str(call.arg(0)) == "DJANGO_SETTINGS_MODULE":
                value = call.arg(1)
                if not isinstance(value, Dotted):
                    return const_str(value)
                assigns = fn.facts.assigns if fn else module.facts.assigns
                names = [const_str(a.value) for a in assigns if a.target == value.name]
                return next((n for n in reversed(names) if n and project.module(n) is not None), None)
    return None


def installed_apps(project: Project, settings: Module, depth: int = 0) -> list[str]:
    """INSTALLED_APPS as the settings module builds it: a list, tuples added together
    (`DJANGO_APPS + LOCAL_APPS`), or from a module it star-imports (`from .base import *`).
    Where it is rebuilt from the deployment's configuration (`X = tuple(EXTRA or ()) + X`,
    a comprehension dropping the disabled ones, a function of it), the last list the code
    spells stands: what the configuration adds or drops is not read."""
    return _setting_strings(project, settings, Dotted("INSTALLED_APPS"), depth) or []


def _setting_strings(project: Project, module: Module, value: Val, depth: int, before: int | None = None) -> list[str] | None:
    if depth > 5:
        return None
    if isinstance(value, Seq):
        return [item.value for item in value.items if isinstance(item, Const) and isinstance(item.value, str)]
    if isinstance(value, Operation) and value.op == "+":
        parts = [_setting_strings(project, module, operand, depth, before) for operand in value.operands]
        return None if any(part is None for part in parts) else [name for part in parts for name in part]  # type: ignore[union-attr]
    if isinstance(value, Dotted) and "." not in value.name:
        # `before`: in `X = X + [...]` the right side's X is the value from an earlier line.
        assigned = [a for a in module.facts.assigns if a.target == value.name and (before is None or a.pos.line < before)]
        for assign in reversed(assigned):
            found = _setting_strings(project, module, assign.value, depth + 1, assign.pos.line)
            if found is not None:
                return found
        if assigned:
            return None
        for imp in module.facts.imports:
            star = project.module(project.import_target(module, imp).removesuffix(".*")) if imp.name == "*" else None
            found = _setting_strings(project, star, value, depth + 1) if star is not None else None
            if found is not None:
                return found
    return None


def django_settings(project: Project, settings_name: str | None = None) -> Module | None:
    """The project's settings module: the one a launch line gives (`--settings`,
    DJANGO_SETTINGS_MODULE), else the one the project sets; None without one."""
    settings_name = settings_name if settings_name and project.module(settings_name) else django_settings_module(project)
    return project.module(settings_name) if settings_name else None


def run_django_parent(project: Project, sim: "Simulator", settings_name: str | None = None, checks: bool = True) -> bool:
    """What Django runs in a worker's parent before it forks: `django.setup()`, then
    (`checks`) the system checks. A management command runs them before `handle()`
    (BaseCommand.execute, unless the command sets `requires_system_checks` empty), and so
    does Celery's Django fixup at worker start (celery/fixups/django.py validate_models:
    `run_checks()` unless CELERY_SKIP_CHECKS). False when the project has no settings."""
    if not run_django_setup(project, sim, settings_name):
        return False
    if checks:
        run_url_check(project, sim, django_settings(project, settings_name))
        run_registered_checks(project, sim)
    return True


def run_registered_checks(project: Project, sim: "Simulator") -> None:
    """`run_checks()` runs every check function registered by then: registration happens
    as the modules holding them are imported (`@register`, `@register(Tags.models)`) or as
    code the parent ran calls `register(check)` (module level, an `AppConfig.ready()`), so
    those run, decorated ones in the order their modules loaded. Deploy checks
    (`deploy=True`) run only under `check --deploy`: not here."""
    checks: list[FunctionRef] = []
    for name in list(sim.state.modules):
        module = project.modules.get(name)
        for fn in (project.functions.get(f"{name}.{f.qualname}") for f in module.facts.functions) if module else ():
            if fn is not None and any(_registers_check(project, module, d) for d in fn.facts.decorators):
                checks.append(fn)
    for step in list(sim.state.timeline):
        call = step.call
        if step.kind == "call" and step.name in DJANGO_CHECK_REGISTER and call is not None and call.args \
                and not _deploy(call):
            scope = step.function.facts if step.function else None
            target = project.resolve(step.module, scope, call.args[0], at=call)
            if target in project.functions:
                checks.append(project.functions[target])
    for fn in dict.fromkeys(checks):
        sim.run(fn)


def _registers_check(project: Project, module: Module, decorator: Val) -> bool:
    """Is the decorator Django's `register` (`@register`, `@checks.register(Tags.x)`) of a
    check that is not a deploy one?"""
    func = decorator.func if isinstance(decorator, Call) else decorator
    if not isinstance(func, Dotted) or project.resolve(module, None, func) not in DJANGO_CHECK_REGISTER:
        return False
    return not (isinstance(decorator, Call) and _deploy(decorator))


def _deploy(call: Call) -> bool:
    deploy = call.kwarg("deploy")
    return isinstance(deploy, Const) and bool(deploy.value)


def run_url_check(project: Project, sim: "Simulator", settings: Module | None) -> None:
    """Django's URL system check (django/core/checks/urls.py check_url_config) walks
    `get_resolver()`: it imports ROOT_URLCONF and every URLconf included by name in it."""
    root = next((const_str(a.value) for a in reversed(settings.facts.assigns) if a.target == "ROOT_URLCONF"), None) \
        if settings is not None else None
    pending = [root] if root else []
    seen: set[str] = set()
    while pending:
        name = pending.pop(0)
        module = project.module(name)
        if name in seen or module is None:
            continue
        seen.add(name)
        sim.load(module.name)
        for call in module.facts.calls:  # module level: `urlpatterns = [path("x/", include("app.urls"))]`
            if project.call_target(None, module, call) in DJANGO_INCLUDE:
                included = call.arg(0, "arg")
                if isinstance(included, Seq) and included.items:  # include(("app.urls", "app"))
                    included = included.items[0]
                if const_str(included):
                    pending.append(const_str(included))  # type: ignore[arg-type]


def runs_system_checks(project: Project, fn: FunctionRef) -> bool:
    """Whether the management command whose `handle` is `fn` runs the system checks first:
    Django's default (`requires_system_checks = "__all__"`) unless the command's class
    (or a project base) sets it to something empty."""
    if fn.facts.class_name is None:
        return True
    for owner in project.mro(f"{fn.module.name}.{fn.facts.class_name}"):
        cls = project.classes.get(owner)
        setting = next((a.value for a in cls.facts.assigns if a.target == "requires_system_checks"), None) if cls else None
        if setting is not None:
            return not (isinstance(setting, Seq) and not setting.items) and not (isinstance(setting, Const) and not setting.value)
    return True


def run_django_setup(project: Project, sim: "Simulator", settings_name: str | None = None) -> bool:
    """What `django.setup()` runs: the settings, every installed app's package and
    AppConfig, their models modules, then each `AppConfig.ready()`. False when the
    project has no Django settings module (`django_settings`)."""
    sim.django_set_up = True  # the project's own django.setup() calls then do nothing again
    settings = django_settings(project, settings_name)
    if settings is None:
        return False
    sim.load(settings.name)
    apps = installed_apps(project, settings)
    configs: list[str] = []
    packages: list[str] = []
    for entry in apps:
        cls = project.canonical(entry)
        if cls in project.classes:  # "shop.apps.ShopConfig"
            configs.append(cls)
            packages.append(project.classes[cls].module.name.removesuffix(".apps"))
            sim.load(project.classes[cls].module.name)
            continue
        if project.module(entry) is None:
            continue
        packages.append(entry)
        sim.load(entry)
        apps_module = project.module(f"{entry}.apps")
        if apps_module is not None:
            sim.load(apps_module.name)
            configs += [c.qualified for c in project.classes.values()
                        if c.module is apps_module and project.is_subclass(c.qualified, DJANGO_APP_CONFIG)][:1]
    for package in packages:
        if project.module(f"{package}.models") is not None:
            sim.load(f"{package}.models")
    for cls in configs:
        ready = project.find_method(cls, "ready")
        if ready is not None:
            sim.run(ready)
    return True
