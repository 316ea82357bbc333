"""Huey: `@huey.task()` and djhuey's decorators; the consumer's process workers.

`huey_consumer.py module.huey -k process` imports the module holding the Huey
instance, then forks long-lived workers that run `on_startup` hooks first.
"""

from __future__ import annotations

from typing import Mapping as EnvMapping
from typing import TYPE_CHECKING, Hashable, Iterator, Sequence

from ..facts import Call
from ..project import Project
from .base import (
    NO_ENV, NO_FORK, PER_CHILD, Adapter, ChildHook, ForkModel, ForkModels, Job, Launch, as_int, instance_attr, modules_creating,
    parse_args, program, spellings,
)
from .django import run_django_parent
from .launch_lines import first_launch, project_launches

if TYPE_CHECKING:
    from ..prefork import Parent, Parents

HUEY_CLASSES = frozenset(
    {f"huey.{name}" for name in ("Huey", "RedisHuey", "RedisExpireHuey", "PriorityRedisHuey",
                                 "PriorityRedisExpireHuey", "SqliteHuey", "MemoryHuey", "FileHuey")}
    | {"huey.api.Huey"}
)
HUEY_TASK_METHODS = frozenset({"task", "periodic_task", "context_task"})
HUEY_DJANGO = frozenset(
    {f"huey.contrib.djhuey.{name}" for name in ("task", "periodic_task", "db_task", "db_periodic_task", "on_commit_task")}
)


class Huey(Adapter):
    name = "huey"
    title = "Huey"
    flavours = ("huey",)

    def decorator_flavour(self, project: Project, base: str) -> str | None:
        if base in HUEY_DJANGO or instance_attr(project, base, HUEY_CLASSES, HUEY_TASK_METHODS):
            return "huey"
        return None

    def fork_model(self, models: ForkModels, flavour: str) -> ForkModel:
        launches = [launch for launch in project_launches(models.project) if launch.framework == "huey"]
        if launches and all(launch.forks is False for launch in launches):
            kinds = ", ".join(sorted({launch.pool or "thread" for launch in launches}))
            return ForkModel(NO_FORK, "Huey consumer", f"the consumer runs tasks in its own process (-k {kinds})")
        return ForkModel(PER_CHILD, "Huey worker process", "Huey's process workers are forked once and reused")

    def build_parent(self, parents: "Parents", key: Hashable, job: Job) -> "Parent":
        from ..prefork import Parent, Simulator

        project = parents.project
        sim = Simulator(project, lambda *_: False)
        launch = first_launch(project, self.flavours)
        creators = modules_creating(project, HUEY_CLASSES)
        # `manage.py run_huey` (djhuey builds the Huey from settings.HUEY): a management
        # command, so Django's setup and system checks run before the consumer starts.
        if (launch.app is None) if launch is not None else not creators:
            run_django_parent(project, sim, launch.settings_module if launch else None)
        for module in creators:
            sim.load(module.name)
        for other in parents.jobs:
            if other.adapter is self:
                sim.load(other.function.module.name)
        sim.state.launch = launch
        return Parent([sim.state], known=True)

    def child_hook(self, flavour: str) -> str | None:
        return "an @huey.on_startup() hook"

    def child_hooks(self, project: Project) -> Iterator[ChildHook]:
        for fn in project.iter_functions():
            for decorator in fn.facts.decorators:
                func = decorator.func if isinstance(decorator, Call) else decorator
                target = project.resolve(fn.module, None, func)
                if target and instance_attr(project, target, HUEY_CLASSES, {"on_startup"}):
                    yield ChildHook(fn, "in every Huey worker (on_startup)", "the module that creates the Huey instance")

    def launch(self, argv: Sequence[str], env: EnvMapping[str, str] = NO_ENV) -> Launch | None:
        """`huey_consumer[.py] pkg.huey -k process -w 4`, and Django's `manage.py run_huey`."""
        prog, args = program(argv)
        django = prog in ("manage.py", "django-admin", "django-admin.py") and args[:1] == ["run_huey"]
        if prog not in ("huey_consumer", "huey_consumer.py", "huey.bin.huey_consumer") and not django:
            return None
        parsed = parse_args(args[1:] if django else args, _HUEY_VALUES, _HUEY_FLAGS)
        # huey_consumer's default is threads; run_huey's comes from settings.HUEY, unread here.
        pool = parsed.options.get("pool") or (None if django else "thread")
        app = None if django else (parsed.positional[0] if parsed.positional else None)
        if not django and app is None:
            return None  # `huey_consumer --help`
        settings = (parsed.options.get("settings") or env.get("DJANGO_SETTINGS_MODULE")) if django else None
        return Launch(
            "huey",
            app=app,
            settings_module=settings,
            pool=pool,
            concurrency=as_int(parsed.options.get("concurrency")),
            forks=True if pool == "process" else (False if pool in ("thread", "greenlet") else None),
        )


_HUEY_VALUES = spellings(
    pool="-k --worker-type",
    concurrency="-w --workers",
    settings="--settings",
    other="-d --delay -m --max-delay -b --backoff -c --health-check-interval -s --scheduler-interval "
    "-l -o --logfile -L --extra-locks --pythonpath",
)
_HUEY_FLAGS = spellings(flag="-n --no-periodic -u --utc --localtime -v --verbose -q --quiet -f --flush-locks "
                        "-C --disable-health-check -S --simple")
