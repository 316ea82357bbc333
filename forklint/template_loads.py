"""Templates loaded by name on an Environment every job of a child shares (a module-level
`Environment`, a Flask app's `jinja_env`), and the names they are loaded by.

The Environment caches a template after its first load, so a child pays the compile once,
unless its parent loaded it before the fork. The name is often written in a caller, not at
the load: `render_template(path)` is a project helper, and the job passes
`"emails/failures.{}".format(f)` for `f` in `["html", "txt"]`. A helper whose parameter
becomes the name is a loader; a call of a loader that passes a constant is a load by that
name, reported where the name is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from .analysis import Analysis
from .catalogue import Entry
from .facts import Attr, Call, Dotted, Either, Operation, Val
from .prefork import Parent
from .project import FunctionRef, Module

# The catalogue's measure for loads by name on a shared Environment (rules/jinja2.toml).
BY_NAME = "jinja2-template-by-name"
# How the load APIs name their template argument (`get_template(name)`,
# `get_or_select_template(template_name_or_list)`, `render_template(template_name_or_list)`).
_NAME_KEYWORDS = ("name", "template_name_or_list", "names")
_MAX_HELPERS = 6


@dataclass(frozen=True)
class Step:
    """One level between the name and the load: in `function`, its parameter `param`
    becomes the template name `name` (written in terms of `param`)."""

    function: FunctionRef
    param: str
    name: Val


@dataclass(frozen=True)
class Loader:
    """How a call loads a template by name on a shared Environment: the catalogue entry,
    what the load's receiver is (None for a function such as Flask's `render_template`),
    and the helper levels from the caller's argument down to the load, outermost first."""

    entry: Entry
    receiver: str | None
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Load:
    """A load by constant names: at `call` in `function`, the templates `names`."""

    function: FunctionRef
    call: Call
    loader: Loader
    names: tuple[str, ...]


class TemplateLoads:
    """Loads by name on shared Environments, found once per project."""

    def __init__(self, analysis: Analysis) -> None:
        self.analysis = analysis
        self.project = analysis.project
        self._loaders: dict[str, Loader | None] = {}
        self._loads: dict[str, list[Load]] = {}
        self._parent_names: dict[int, set[str] | None] = {}

    @cached_property
    def _entries(self) -> dict[str, Entry]:
        return {api: e for e in self.analysis.catalogue.entries if e.measure == BY_NAME for api in e.apis}

    def loads(self, fn: FunctionRef) -> list[Load]:
        """The loads by constant names that `fn` makes, directly or through a loader."""
        if fn.qualified not in self._loads:
            found = [self.load_at(fn, fn.module, call) for call in fn.facts.calls]
            self._loads[fn.qualified] = [load for load in found if load is not None]
        return self._loads[fn.qualified]

    def load_at(self, fn: FunctionRef | None, module: Module, call: Call) -> Load | None:
        """The load `call` makes by constant names, or None."""
        loader, names = self.names_at(fn, module, call)
        if loader is None or names is None or fn is None:
            return None
        return Load(fn, call, loader, names)

    def names_at(self, fn: FunctionRef | None, module: Module, call: Call,
                 any_receiver: bool = False) -> tuple[Loader | None, tuple[str, ...] | None]:
        """The loader `call` reaches and the names it loads (None: not constant, or `fn` is
        itself a loader that passes its parameter on: its callers write the name).
        `any_receiver`: also a load on a local Environment (the parent's own app)."""
        loader, written = self._loader_of_call(fn, module, call, any_receiver)
        if loader is None or written is None:
            return loader, None
        if fn is not None and _the_parameter(written, set(fn.facts.params), fn) is not None:
            return loader, None
        names = self.analysis.strings(module, fn, written)
        for step in loader.steps:
            if names is None:
                break
            names = self.analysis.strings(step.function.module, step.function, step.name, {step.param: names})
        return loader, names

    def _loader_of_call(self, fn: FunctionRef | None, module: Module, call: Call,
                        any_receiver: bool = False) -> tuple[Loader | None, Val | None]:
        """The loader `call` reaches and the argument it gives as the (outermost) name."""
        direct = self._direct(fn, module, call, any_receiver)
        if direct is not None:
            return Loader(direct[0], direct[1], ()), _name_argument(call)
        callee = self.project.callee(fn, call, module) if fn is not None else None
        if callee is None:
            return None, None
        loader = self.loader(callee)
        if loader is None:
            return None, None
        return loader, self.analysis.argument_for(callee, loader.steps[0].param, fn, module, call)

    def _direct(self, fn: FunctionRef | None, module: Module, call: Call,
                any_receiver: bool = False) -> tuple[Entry, str | None] | None:
        """The catalogue entry of a load by name on a shared Environment, and its receiver."""
        api = self.analysis.api(fn, module, call)
        entry = self._entries.get(api) if api else None
        if entry is None:
            return None
        func = call.func
        if isinstance(func, Attr):
            return None  # `Environment(...).get_template(...)`: built right there, for this call
        if not isinstance(func, Dotted):
            return None
        if "." not in func.name:
            return entry, None  # a function (`render_template`) that loads on the app's Environment
        receiver = func.name.rpartition(".")[0]
        head = receiver.partition(".")[0]
        if not any_receiver and fn is not None and (head in fn.facts.params or any(a.target == head for a in fn.facts.assigns)):
            # A local or a parameter: maybe built per job (reported at its constructor), not
            # provably shared.
            return None
        return entry, receiver

    def loader(self, fn: FunctionRef, depth: int = 0) -> Loader | None:
        """How `fn` loads a template whose name is built from one of its parameters."""
        key = fn.qualified
        if key in self._loaders:
            return self._loaders[key]
        self._loaders[key] = None  # cut recursion
        found = None
        if depth <= _MAX_HELPERS:
            found = self._find_loader(fn, depth)
        self._loaders[key] = found
        return found

    def _find_loader(self, fn: FunctionRef, depth: int) -> Loader | None:
        params = set(fn.facts.params)
        for call in fn.facts.calls:
            direct = self._direct(fn, fn.module, call)
            if direct is not None:
                written = _name_argument(call)
                param = _the_parameter(written, params, fn)
                if param is not None and written is not None:
                    return Loader(direct[0], direct[1], (Step(fn, param, written),))
                continue
            callee = self.project.callee(fn, call, fn.module)
            inner = self.loader(callee, depth + 1) if callee is not None and callee is not fn else None
            if inner is None or callee is None:
                continue
            written = self.analysis.argument_for(callee, inner.steps[0].param, fn, fn.module, call)
            param = _the_parameter(written, params, fn)
            if param is not None and written is not None:
                return Loader(inner.entry, inner.receiver, (Step(fn, param, written), *inner.steps))
        return None

    def parent_names(self, parent: Parent) -> set[str] | None:
        """The template names the parent loads by name before the fork; None when it loads
        one whose name is not known here (it may be any)."""
        if id(parent) not in self._parent_names:
            self._parent_names[id(parent)] = self._find_parent_names(parent)
        return self._parent_names[id(parent)]

    def _find_parent_names(self, parent: Parent) -> set[str] | None:
        names: set[str] = set()
        for state in parent.states:
            for step in state.timeline:
                if step.kind != "call" or step.call is None:
                    continue
                # The parent's app or Environment is often a local of its worker function
                # (`app = create_app()`), and it is the one its children inherit.
                loader, found = self.names_at(step.function, step.module, step.call, any_receiver=True)
                if loader is None:
                    continue
                if found is not None:
                    names.update(found)
                elif step.function is None or _the_parameter(
                        self._loader_of_call(step.function, step.module, step.call, True)[1],
                        set(step.function.facts.params), step.function) is None:
                    return None  # not a helper passing its parameter on: a name unknown here
        return names


def _name_argument(call: Call) -> Val | None:
    if call.args:
        return call.args[0]
    return next((call.kwarg(k) for k in _NAME_KEYWORDS if call.kwarg(k) is not None), None)


def _the_parameter(value: Val | None, params: set[str], fn: FunctionRef) -> str | None:
    """The one parameter of `fn` that `value` is built from (`name`, `f"{name}.html"`,
    `prefix + name`), if exactly one and it is not reassigned."""
    used = {n for n in _bare_names(value) if n in params and not any(a.target == n for a in fn.facts.assigns)}
    return used.pop() if len(used) == 1 else None


def _bare_names(value: Val | None) -> list[str]:
    if isinstance(value, Dotted):
        return [value.name] if "." not in value.name else []
    if isinstance(value, Operation):
        return [n for v in value.operands for n in _bare_names(v)]
    if isinstance(value, Either):
        return [n for v in value.options for n in _bare_names(v)]
    if isinstance(value, Call) and isinstance(value.func, Attr) and value.func.attr == "format":
        return [n for v in (value.func.value, *value.args) for n in _bare_names(v)]
    return []
