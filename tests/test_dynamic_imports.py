"""Computed imports whose name is read from a class attribute, for the class a call binds."""

from __future__ import annotations

from pathlib import Path

from forklint.config import Config
from forklint.extract import parse_source
from forklint.prefork import ParentState, module_loads
from forklint.project import Project

LOADER = '''
from importlib import import_module

from django.apps import apps


class Loader:
    _module_name = None

    @classmethod
    def configs(cls):
        return apps.get_app_configs()

    @classmethod
    def load_modules(cls, configs=None, module_name=None):
        module_name = module_name or cls._module_name
        if configs is None:
            configs = cls.configs()
        for app in configs:
            try:
                import_module(name="{}.{}".format(app.name, module_name))
            except ImportError:
                pass


class Settings(Loader):
    _module_name = "settings"


class Reports(Loader):
    _module_name = "reports"


class MoreSettings(Settings):
    pass
'''

APPS = [(["billing.settings"], "X = 1\n"), (["billing.reports"], "Y = 1\n"), (["billing.tasks"], "Z = 1\n")]


def loads(*modules: tuple[list[str], str], start: str = "start") -> ParentState:
    parsed = [(names, parse_source(f"{names[0]}.py", source.encode()), f"{names[0]}.py")
              for names, source in (*modules, *APPS)]
    project = Project(Path("."), Config(root=Path(".")), parsed)  # type: ignore[arg-type]
    return module_loads(project, start)


def test_the_class_a_call_names_picks_the_attribute() -> None:
    state = loads((["loader"], LOADER), (["start"], "from loader import Reports\nReports.load_modules()\n"))
    assert "billing.reports" in state.plugin_modules
    assert "billing.settings" not in state.plugin_modules  # another subclass's value: not this call's


def test_an_inherited_attribute_is_read_through_the_mro() -> None:
    state = loads((["loader"], LOADER), (["start"], "from loader import MoreSettings\nMoreSettings.load_modules()\n"))
    assert "billing.settings" in state.plugin_modules
    assert "billing.reports" not in state.plugin_modules


def test_an_argument_given_at_the_call_wins_over_the_attribute() -> None:
    state = loads((["loader"], LOADER),
                  (["start"], "from loader import Settings\nSettings.load_modules(module_name='tasks')\n"))
    assert "billing.tasks" in state.plugin_modules
    assert "billing.settings" not in state.plugin_modules


def test_a_call_through_cls_keeps_the_outer_binding() -> None:
    source = LOADER + '''
class Reports2(Reports):
    @classmethod
    def load_all(cls):
        cls.load_modules()
'''
    state = loads((["loader"], source), (["start"], "from loader import Reports2\nReports2.load_all()\n"))
    assert "billing.reports" in state.plugin_modules
    assert "billing.settings" not in state.plugin_modules


def test_an_unpinned_receiver_makes_every_subclass_value_possible_only() -> None:
    # `loader` could be any Loader: each subclass's module name may be imported.
    start = "from loader import Loader\n\ndef run(loader: Loader):\n    loader.load_modules()\n\nrun(make())\n"
    state = loads((["loader"], LOADER), (["start"], start))
    assert {"billing.settings", "billing.reports"} <= state.plugin_modules
    assert "billing.settings" not in state.modules and "billing.reports" not in state.modules


def test_percent_and_fstrings_and_type_of_self() -> None:
    source = '''
from importlib import import_module


class Collector:
    kind = "tasks"

    def collect(self, names):
        for name in names:
            import_module("%s.%s" % (name, self.kind))
            import_module(f"{name}.{type(self).kind}")


Collector().collect(["billing"])
'''
    state = loads((["start"], source))
    assert "billing.tasks" in state.plugin_modules
    assert "billing.settings" not in state.plugin_modules


def test_a_whole_name_from_a_pinned_class_is_imported_for_certain() -> None:
    source = '''
from importlib import import_module


class Backend:
    module = None

    @classmethod
    def load(cls):
        return import_module(cls.module)


class Tasks(Backend):
    module = "billing.tasks"


class Reports(Backend):
    module = "billing.reports"


Tasks.load()
'''
    state = loads((["start"], source))
    assert "billing.tasks" in state.modules  # one class, one name: run in the parent
    assert "billing.reports" not in state.modules and "billing.reports" not in state.plugin_modules


def test_a_suffix_glued_to_the_attribute_is_not_the_attribute_alone() -> None:
    source = LOADER.replace('"{}.{}".format(app.name, module_name)', 'f"{app.name}.{module_name}_tasks"')
    state = loads((["loader"], source), (["start"], "from loader import Settings\nSettings.load_modules()\n"))
    assert "billing.settings" not in state.plugin_modules  # it would import billing.settings_tasks


def test_an_attribute_a_method_sets_on_the_instance_is_not_the_class_value() -> None:
    source = '''
from importlib import import_module


class Backend:
    module = "billing.tasks"

    def __init__(self, module):
        self.module = module

    def load(self):
        return import_module(self.module)


Backend("billing.reports").load()
'''
    state = loads((["start"], source))
    assert "billing.tasks" not in state.modules and "billing.tasks" not in state.plugin_modules


def test_a_conditional_assignment_leaves_the_argument_possible() -> None:
    source = LOADER.replace("module_name = module_name or cls._module_name",
                            "if module_name is None:\n            module_name = cls._module_name")
    state = loads((["loader"], source),
                  (["start"], "from loader import Settings\nSettings.load_modules(module_name='tasks')\n"))
    assert {"billing.tasks", "billing.settings"} <= state.plugin_modules  # which one ran is not read


def test_a_constructor_binds_self_to_the_class_it_makes() -> None:
    source = '''
from importlib import import_module


class Collector:
    kind = None

    def __init__(self, names):
        for name in names:
            import_module(f"{name}.{self.kind}")


class Tasks(Collector):
    kind = "tasks"


class Reports(Collector):
    kind = "reports"


Tasks(["billing"])
'''
    state = loads((["start"], source))
    assert "billing.tasks" in state.plugin_modules
    assert "billing.reports" not in state.plugin_modules


def test_subclasses_that_agree_on_a_name_still_do_not_make_it_certain() -> None:
    # `backend` may be any Backend; only one subclass names a module, but a call on the
    # base (or on a subclass defined elsewhere) imports something else or nothing.
    source = '''
from importlib import import_module


class Backend:
    module = None

    def load(self):
        return import_module(self.module)


class Tasks(Backend):
    module = "billing.tasks"


def start(backend: Backend):
    backend.load()


start(make())
'''
    state = loads((["start"], source))
    assert "billing.tasks" in state.plugin_modules
    assert "billing.tasks" not in state.modules
