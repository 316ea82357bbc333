"""Link per-file facts into one project: module names, name resolution, call graph.

Resolution turns a value as written in one scope into a *target*: a dotted string in
which `()` marks "the result of calling". `q.enqueue` after `q = Queue(...)` becomes
`rq.Queue().enqueue`; `Event.record` becomes `pkg.models.Event.record` (a project
function), `self.save` inside `Event` becomes `pkg.models.Event.save`. Names outside
the project stay as the import spells them (`rq.Queue`); `frameworks.py` knows the
spellings that mean the same thing.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Hashable, Iterator, TypeVar, Union

from .config import Config
from .facts import (
    Assign, Attr, Call, Class, Const, Dotted, Either, Function, Import, Item, Mapping, ModuleFacts, Operation, Seq, Val,
)

_MAX_DEPTH = 12
_D = TypeVar("_D")
# A call through a table or a loop over classes may call any of several functions; past
# this many the analysis stops listing them (precision over reach).
_MAX_ALTERNATIVES = 8


@dataclass(frozen=True)
class Module:
    name: str  # canonical dotted name
    facts: ModuleFacts
    display: str  # path as reported (relative to where forklint was run)


@dataclass(frozen=True)
class FunctionRef:
    qualified: str  # `pkg.mod.Class.method`
    module: Module
    facts: Function


@dataclass(frozen=True)
class ClassRef:
    qualified: str
    module: Module
    facts: Class


@dataclass(frozen=True, eq=False)
class _Bound:
    """A value a name is bound to (a table, a list, a record), and where to read the
    names in it: its module, its function (None at module level) and its assignment."""

    module: Module
    scope: Function | None
    value: Val
    at: Assign | Call | None
    where: str = ""  # the module-level name holding it: `pkg.handlers.TABLE`


class _Possible(str):
    """A target found by class hierarchy analysis: an override in a subclass of the
    receiver's declared class. The call may run it; the chain says so."""


class _Declared(str):
    """An instance of a parameter's annotated class (`parser: BaseParser`): any project
    subclass may stand in for it."""


# What a value may stand for: targets (dotted strings) and structured values.
_Thing = Union[str, _Bound]
_UseSite = Union[Assign, Call, None]  # where a name is used: its position and blocks


@dataclass(frozen=True)
class Hop:
    """One step of a chain: in `function`, at `line`, the path goes on (or ends)."""

    function: FunctionRef
    line: int
    possible: bool = False  # the call may run the next function (an override: see `_Possible`)


class Project:
    """The linked view of one project's modules."""

    def __init__(self, root: Path, config: Config, modules: list[tuple[list[str], ModuleFacts, str]]):
        self.root = root
        self.config = config
        self.modules: dict[str, Module] = {}
        self._aliases: dict[str, str] = {}
        for names, facts, display in modules:
            canonical = names[0]
            if canonical in self.modules:
                continue
            self.modules[canonical] = Module(canonical, facts, display)
            for alias in names[1:]:
                self._aliases.setdefault(alias, canonical)
        self.functions: dict[str, FunctionRef] = {}
        self.classes: dict[str, ClassRef] = {}
        self._bindings: dict[str, dict[str, tuple[str, object]]] = {}
        self._stars: dict[str, tuple[Import, ...]] = {}  # `from pkg.core import *` at module level
        for module in self.modules.values():
            self._index(module)
        self._names_cache: dict[tuple[str, str, str, object], list[_Thing]] = {}
        self._callees: dict[str, list[tuple[Call, FunctionRef]]] = {}
        self._wrappers: dict[str, tuple[FunctionRef, ...]] = {}
        self._hosts: dict[str, list[str]] | None = None
        self._call_targets: dict[int, tuple[str, ...]] = {}
        self._registries: dict[str, list[str]] | None = None
        self._subclasses: dict[str, list[str]] | None = None
        self._possible_edges: set[tuple[int, str]] = set()  # (id of the call, callee)
        self._callers: dict[str, list[tuple[FunctionRef | None, Module, Call]]] | None = None
        self._assigned_names: dict[int, frozenset[str]] = {}
        self._mros: dict[str, list[str]] = {}
        self._canonicals: dict[str, str] = {}
        self._read_registries: dict[str, list[str]] = {}
        self._members_cache: dict[tuple[str, str], list[_Thing]] = {}
        self._instances: dict[str, list[str]] | None = None
        self._every_call: list[tuple[Module, FunctionRef | None, Call]] | None = None
        self._methods_by_name: dict[str, list[FunctionRef]] | None = None
        self._derived: dict[Hashable, object] = {}
        # How many memo entries are being computed right now: a cycle-cut placeholder
        # (`_names_cache`, `_members_cache`), a half-built table (`registries`,
        # `subclasses`), an MRO or a canonical name that an inner computation may store
        # first. While none is, every memo entry a resolution reads is final, so what a
        # value resolves to no longer depends on when it is asked (see `_func_targets_at`).
        self._busy = 0
        # What a callee value resolves to, by (module, scope, value): `shared` facts hold one
        # `Dotted("models.CharField")` for every call in a file that spells it.
        self._func_targets: dict[tuple[int, int, int], tuple[str, ...]] = {}

    # -- indexing --------------------------------------------------------------------

    def _index(self, module: Module) -> None:
        for fn in module.facts.functions:
            self.functions[f"{module.name}.{fn.qualname}"] = FunctionRef(f"{module.name}.{fn.qualname}", module, fn)
        for cls in module.facts.classes:
            self.classes[f"{module.name}.{cls.qualname}"] = ClassRef(f"{module.name}.{cls.qualname}", module, cls)
        bindings: dict[str, tuple[str, object]] = {}
        stars: list[Import] = []
        for event in module.facts.events:
            if event.kind == "import":
                imp = module.facts.imports[event.index]
                if imp.name != "*":
                    bindings[imp.bound_name] = ("import", imp)
                elif not imp.type_checking:
                    stars.append(imp)
            elif event.kind == "assign":
                assign = module.facts.assigns[event.index]
                if "." not in assign.target:
                    bindings[assign.target] = ("assign", assign)
            elif event.kind in ("def", "class") and "." not in event.name:
                bindings[event.name] = (event.kind, f"{module.name}.{event.name}")
        self._bindings[module.name] = bindings
        if stars:
            self._stars[module.name] = tuple(stars)

    def module(self, name: str) -> Module | None:
        """A project module by canonical name or alias."""
        if name in self.modules:
            return self.modules[name]
        canonical = self._aliases.get(name)
        return self.modules.get(canonical) if canonical else None

    def module_of(self, target: str) -> Module | None:
        """The project module that holds the symbol (or is the module) `target`."""
        parts = target.split(".")
        for i in range(len(parts), 0, -1):
            found = self.module(".".join(parts[:i]))
            if found is not None:
                return found
        return None

    # -- imports -------------------------------------------------------------------------

    def import_target(self, module: Module, imp: Import) -> str:
        """What an import binds, as an absolute dotted name."""
        base = self._imported_from(module, imp)
        if imp.name is None:
            return base if imp.asname else base.split(".")[0]
        return f"{base}.{imp.name}" if base else imp.name

    @staticmethod
    def _imported_from(module: Module, imp: Import) -> str:
        """The absolute name of the module an import statement names (`from ..core import
        x` in `pkg.sub.mod`: `pkg.core`; `import a.b`: `a.b`)."""
        base = imp.module
        if imp.level:
            package = module.name.split(".")
            if not module.facts.is_package:
                package = package[:-1]
            if imp.level > 1:
                package = package[: len(package) - (imp.level - 1)]
            base = ".".join([*package, imp.module] if imp.module else package)
        return base

    def imported_modules(self, module: Module, imp: Import) -> list[str]:
        """Absolute names of the modules an import statement loads (parents first)."""
        base = self._imported_from(module, imp)
        parts = base.split(".")
        names = [".".join(parts[: i + 1]) for i in range(len(parts)) if parts[0]]
        if imp.name not in (None, "*") and self.module(f"{base}.{imp.name}") is not None:
            names.append(f"{base}.{imp.name}")
        return names

    # -- resolution ----------------------------------------------------------------------

    def resolve(self, module: Module, scope: Function | None, value: Val, depth: int = 0,
                at: _UseSite = None) -> str | None:
        """The target a value names, or None when the analysis cannot tell. Where it may
        name several (a dispatch table, a name bound in two branches), the first: the
        latest assignment that reaches `at`, the first entry of a table."""
        found = self.resolve_all(module, scope, value, at, depth)
        return found[0] if found else None

    def resolve_all(self, module: Module, scope: Function | None, value: Val, at: _UseSite = None,
                    depth: int = 0) -> tuple[str, ...]:
        """Every target a value may name, used at `at` (a call or an assignment in
        `scope`; None: anywhere), at most `_MAX_ALTERNATIVES` of them."""
        found: list[str] = []
        for thing in self._things(module, scope, value, at, depth):
            if isinstance(thing, str) and thing not in found:
                found.append(thing)
        return tuple(found[:_MAX_ALTERNATIVES])

    def resolve_name(self, module: Module, scope: Function | None, name: str, depth: int = 0) -> str | None:
        found = [t for t in self._name_things(module, scope, name, None, depth) if isinstance(t, str)]
        return found[0] if found else None

    # -- what a value may stand for ----------------------------------------------------

    def _things(self, module: Module, scope: Function | None, value: Val, at: _UseSite, depth: int) -> list[_Thing]:
        if depth > _MAX_DEPTH:
            return []
        if isinstance(value, Dotted):
            return self._dotted_things(module, scope, value.name, at, depth)
        if isinstance(value, (Seq, Mapping)):
            return [_Bound(module, scope, value, at)]
        if isinstance(value, Call):
            return self._call_things(module, scope, value, at, depth)
        if isinstance(value, Attr):
            base = self._things(module, scope, value.value, at, depth + 1)
            return self._finish(self._attr_step(base, value.attr, depth), depth)
        if isinstance(value, Item):
            base = self._things(module, scope, value.of, at, depth + 1)
            return self._finish(self._item_step(base, value.index, depth), depth)
        if isinstance(value, Either):
            return [t for option in value.options for t in self._things(module, scope, option, at, depth + 1)]
        return []

    def _dotted_things(self, module: Module, scope: Function | None, name: str, at: _UseSite, depth: int) -> list[_Thing]:
        if "[]" not in name:  # most names: no item steps to take
            head, *rest = name.split(".")
            things = self._name_things(module, scope, head, at, depth)
            for segment in rest:
                things = self._attr_step(things, segment, depth)
            return self._finish(things, depth)
        segments = name.split(".")
        head = segments[0]
        things = self._name_things(module, scope, head.replace("[]", ""), at, depth)
        things = self._items(things, head.count("[]"), depth)
        for segment in segments[1:]:
            things = self._attr_step(things, segment.replace("[]", ""), depth)
            things = self._items(things, segment.count("[]"), depth)
        return self._finish(things, depth)

    def _items(self, things: list[_Thing], count: int, depth: int) -> list[_Thing]:
        for _ in range(count):
            things = self._item_step(things, None, depth)
        return things

    def _finish(self, things: list[_Thing], depth: int) -> list[_Thing]:
        return [self.canonical(t, depth) if isinstance(t, str) and not isinstance(t, _Possible) else t
                for t in things[: _MAX_ALTERNATIVES * 2]]

    def _call_things(self, module: Module, scope: Function | None, call: Call, at: _UseSite, depth: int) -> list[_Thing]:
        func = call.func
        method = func.attr if isinstance(func, Attr) else func.name.rpartition(".")[2] if isinstance(func, Dotted) else ""
        if method in _CONTAINER_METHODS and "[]" not in method:
            base_value = func.value if isinstance(func, Attr) else Dotted(func.name.rpartition(".")[0])  # type: ignore[union-attr]
            if isinstance(base_value, Attr) or (isinstance(base_value, Dotted) and base_value.name):
                base = [self._target_bound(b) or b if isinstance(b, str) else b
                        for b in self._things(module, scope, base_value, at, depth + 1)]
                tables = [b for b in base if isinstance(b, _Bound) and isinstance(b.value, Mapping)
                          or isinstance(b, str) and b in self.registries()]
                if tables:
                    return self._container_method(tables, method, depth)
        found: list[_Thing] = []
        if method == "get" and len(call.args) >= 2:
            # `app.config.get("APP_INITIALIZER", Initializer)`: of a mapping the analysis does
            # not hold, the project class or function given as default is what runs unconfigured.
            found += [t for t in self._things(module, scope, call.args[1], at, depth + 1)
                      if isinstance(t, str) and (t in self.classes or t in self.functions)]
        for target in self.resolve_all(module, scope, func, at, depth + 1):
            if target == "functools.partial" and call.args:
                found += self._things(module, scope, call.args[0], at, depth + 1)
            elif target == "getattr" and len(call.args) >= 2 and _is_str(call.args[1]):
                base = self._things(module, scope, call.args[0], at, depth + 1)
                found += self._finish(self._attr_step(base, call.args[1].value, depth), depth)  # type: ignore[union-attr]
            elif target == "getattr" and len(call.args) >= 2 and (pattern := _prefix_and_suffix(call.args[1])):
                # `getattr(chats, f"send_to_{channel}")`: any member of a project module whose
                # name fits the pattern, and nothing else.
                base = self._things(module, scope, call.args[0], at, depth + 1)
                found += self._finish(self._matching_members(base, *pattern, depth), depth)
            elif target == "importlib.import_module" and call.args and _is_str(call.args[0]):
                name = call.args[0].value  # type: ignore[union-attr]
                if not name.startswith("."):
                    found.append(self.canonical(name, depth))
            elif target in _SAME_ITEMS and call.args:
                found += self._things(module, scope, call.args[0], at, depth + 1)
            else:
                if target in self.classes:  # a record: its fields may be read back
                    found.append(_Bound(module, scope, call, at))
                returned = self._returned(target, depth)
                found += returned if returned else [self.canonical(f"{target}()", depth)]
        return found

    def _matching_members(self, base: list[_Thing], prefix: str, suffix: str, depth: int) -> list[_Thing]:
        found: list[_Thing] = []
        for thing in base:
            if isinstance(thing, str) and thing in self.modules:
                names = sorted(n for n in self._bindings[thing]
                               if n.startswith(prefix) and n.endswith(suffix) and len(n) > len(prefix) + len(suffix))
                for name in names:
                    found += self._attr_step([thing], name, depth)
        return found

    def _returned(self, target: str, depth: int) -> list[_Thing]:
        """What a project function may return: every `return`, every alternative
        (`return PARSERS[kind]` of a registry), not only the first."""
        fn = self.functions.get(target)
        if fn is None or not fn.facts.returns or depth >= _MAX_DEPTH:
            return []
        return [t for value in fn.facts.returns for t in self._things(fn.module, fn.facts, value, None, depth + 1)]

    def _container_method(self, tables: list[_Thing], method: str, depth: int) -> list[_Thing]:
        """`TABLE.get(key)`, `TABLE.values()`, `TABLE.items()` of dispatch tables."""
        found: list[_Thing] = []
        for table in tables:
            if method in ("get", "pop", "setdefault", "__getitem__"):
                found += self._item_step([table], None, depth)
            elif method == "values":
                found.append(table)
            elif method == "items" and isinstance(table, _Bound) and isinstance(table.value, Mapping):
                pairs = [Seq((Const(k), v)) for k, v in table.value.items]
                pairs += [Seq((Const(None), v)) for v in table.value.others]
                found.append(replace(table, value=Seq(tuple(pairs))))
        return found

    def _item_step(self, things: list[_Thing], index: int | None, depth: int) -> list[_Thing]:
        """An element of each container in `things`."""
        found: list[_Thing] = []
        for thing in things:
            if isinstance(thing, str):
                thing = self.canonical(thing, depth)
                bound = self._target_bound(thing)
                if bound is None:
                    registered = self.registries().get(thing)
                    found += registered if registered else [f"{thing}[]"]
                    continue
                thing = bound
            value = thing.value
            elements: list[Val] = []
            if isinstance(value, Seq):
                items = value.items
                if index is not None and -len(items) <= index < len(items):
                    items = (items[index],)
                elif index is not None and all(isinstance(i, Seq) for i in items):  # pairs of `.items()`
                    items = tuple(i.items[index] for i in items if -len(i.items) <= index < len(i.items))  # type: ignore[union-attr]
                elements = list(items)
            elif isinstance(value, Mapping):
                elements = [v for _, v in value.items] + list(value.others)
            for element in elements:
                found += self._things(thing.module, thing.scope, element, thing.at, depth + 1)
            if thing.where:
                found += self.registries().get(thing.where, [])
        return found

    def _attr_step(self, things: list[_Thing], attr: str, depth: int) -> list[_Thing]:
        """`.attr` of each thing: a record's field, a member set in `__init__`, else the target."""
        found: list[_Thing] = []
        for thing in things:
            if isinstance(thing, _Bound):
                if isinstance(thing.value, Call):
                    field = thing.value.kwarg(attr) or self._positional_field(thing, attr)
                    if field is not None:
                        found += self._things(thing.module, thing.scope, field, thing.at, depth + 1)
                continue
            owner = thing[:-2] if thing.endswith("()") else thing
            if owner in self.classes and self.find_method(owner, attr) is None:
                members = self._members(owner, attr, depth)
                if members:
                    found += members
                    continue
            found.append(f"{thing}.{attr}")
            if isinstance(thing, _Declared):
                found += self._overrides(owner, attr)
        return found

    def _overrides(self, owner: str, attr: str) -> list[_Thing]:
        """`attr` as the project subclasses of `owner` define it, when there are few."""
        subclasses = self.subclasses(owner)
        if len(subclasses) > _MAX_ALTERNATIVES:
            return []
        return [_Possible(f"{sub}.{attr}") for sub in subclasses if f"{sub}.{attr}" in self.functions]

    def subclasses(self, qualified: str) -> list[str]:
        """The project classes that derive from `qualified`, directly or not."""
        if self._subclasses is None:
            self._subclasses = {}
            self._busy += 1
            for name in self.classes:
                for ancestor in self.mro(name)[1:]:
                    self._subclasses.setdefault(ancestor, []).append(name)
            self._busy -= 1
        return self._subclasses.get(qualified, [])

    def _positional_field(self, record: _Bound, attr: str) -> Val | None:
        """`Rule("email", has_email).check` → `has_email`, by the class's field order."""
        call: Call = record.value  # type: ignore[assignment]
        owner = self.resolve(record.module, record.scope, call.func, 0, record.at)
        cls = self.classes.get(owner) if owner else None
        if cls is None or attr not in cls.facts.fields:
            return None
        index = cls.facts.fields.index(attr)
        return call.args[index] if index < len(call.args) and not call.starred else None

    def _members(self, owner: str, attr: str, depth: int) -> list[_Thing]:
        """What `self.attr` holds: set in a method (`self.parser = JSONParser()` in
        `__init__`) or at class level (`parser_class = JSONParser`)."""
        key = (owner, attr)
        if key not in self._members_cache:
            self._members_cache[key] = []  # cut cycles: `self.x = self.x or X()`
            self._busy += 1
            self._members_cache[key] = self._find_members(owner, attr, depth)
            self._busy -= 1
        return self._members_cache[key]

    def _find_members(self, owner: str, attr: str, depth: int) -> list[_Thing]:
        for name in self.mro(owner):
            cls = self.classes.get(name)
            if cls is None:
                continue
            for assign in cls.facts.assigns:
                if assign.target == attr:
                    return self._things(cls.module, None, assign.value, None, depth + 1)
            found: list[_Thing] = []
            for method in ("__init__", *cls.facts.methods):
                fn = self.functions.get(f"{name}.{method}")
                if fn is None or not fn.facts.params:
                    continue
                target = f"{fn.facts.params[0]}.{attr}"
                for assign in fn.facts.assigns:
                    if assign.target == target:
                        found += self._things(fn.module, fn.facts, assign.value, assign, depth + 1)
                if found:
                    return found
        return []

    def _target_bound(self, target: str) -> _Bound | None:
        """The value a module-level name of the project holds: `pkg.handlers.TABLE`."""
        module_name, _, attr = target.rpartition(".")
        module = self.module(module_name) if module_name else None
        if module is None:
            return None
        binding = self._bindings[module.name].get(attr)
        if binding is None or binding[0] != "assign":
            return None
        assign: Assign = binding[1]  # type: ignore[assignment]
        return _Bound(module, None, assign.value, assign, f"{module.name}.{attr}")

    def _name_things(self, module: Module, scope: Function | None, name: str, at: _UseSite, depth: int) -> list[_Thing]:
        # Only a name the function assigns depends on where it is used.
        if at is not None and (scope is None or name not in self._assigned(scope)):
            at = None
        key = (module.name, scope.qualname if scope else "", name, (at.pos.line, at.pos.col) if at else None)
        cached = self._names_cache.get(key)
        if cached is not None:
            return cached
        self._names_cache[key] = []  # cut cycles such as `x = x.y`
        self._busy += 1
        found = self._lookup(module, scope, name, at, depth)
        self._busy -= 1
        self._names_cache[key] = found
        return found

    def _assigned(self, scope: Function) -> frozenset[str]:
        found = self._assigned_names.get(id(scope))
        if found is None:
            found = self._assigned_names[id(scope)] = frozenset(a.target for a in scope.assigns)
        return found

    def _lookup(self, module: Module, scope: Function | None, name: str, at: _UseSite, depth: int) -> list[_Thing]:
        while scope is not None:
            if scope.class_name and scope.params and name == scope.params[0]:
                owner = f"{module.name}.{scope.class_name}"
                if _is_classmethod(scope):
                    return [owner]
                if not _is_staticmethod(scope):
                    return [f"{owner}()"]
            for imp in reversed(scope.imports):
                if imp.bound_name == name and imp.name != "*":
                    return [self.import_target(module, imp)]
            reaching = _reaching(scope, name, at)
            if reaching:
                return [t for assign in reaching for t in self._things(module, scope, assign.value, assign, depth + 1)]
            if name in scope.local_defs:
                return [f"{module.name}.{scope.qualname}.{name}"]
            if name in scope.params:
                return self._declared(module, scope, name, depth)
            scope = self._enclosing_function(module, scope)
            at = None
        binding = self._bindings[module.name].get(name)
        if binding is None:
            exported = self._star_export(module.name, name, depth)
            if exported is not None:
                return [exported]
            return [name] if name in _BUILTINS else []
        kind, payload = binding
        if kind == "import":
            return [self.import_target(module, payload)]  # type: ignore[arg-type]
        if kind == "assign":
            where = f"{module.name}.{name}"
            things = self._things(module, None, payload.value, payload, depth + 1)  # type: ignore[union-attr]
            return [replace(t, where=where) if isinstance(t, _Bound) and not t.where else t for t in things]
        return [payload]  # type: ignore[list-item]

    def _star_export(self, module_name: str, name: str, depth: int) -> str | None:
        """What `name` is in `module_name` through its `from pkg.core import *` of a project
        module that binds it (and exports it: listed in its `__all__`, else not private):
        `ckan.plugins.load_all` is `ckan.plugins.core.load_all`."""
        if depth >= _MAX_DEPTH:
            return None
        module = self.modules.get(module_name)
        for imp in reversed(self._stars.get(module_name, ())):  # the last import wins
            source = self.module(self._imported_from(module, imp))  # type: ignore[arg-type]
            if source is None or source.name == module_name or not self._exports(source, name):
                continue
            if name in self._bindings[source.name]:
                return self.canonical(f"{source.name}.{name}", depth + 1)
            found = self._star_export(source.name, name, depth + 1)
            if found is not None:
                return found
        return None

    def _exports(self, module: Module, name: str) -> bool:
        """Does `from module import *` bind `name`? Its `__all__` says, else every public name."""
        listed = self._bindings[module.name].get("__all__")
        if listed is not None and listed[0] == "assign" and isinstance(listed[1].value, Seq):  # type: ignore[union-attr]
            return any(isinstance(item, Const) and item.value == name for item in listed[1].value.items)  # type: ignore[union-attr]
        return not name.startswith("_")

    def _declared(self, module: Module, scope: Function, name: str, depth: int) -> list[_Thing]:
        """An instance of a parameter's annotated project class (`parser: BaseParser`), or
        the class itself where the annotation says so (`model: Type[Submission]`)."""
        for param, annotation in scope.annotations:
            if param == name:
                outer = self._enclosing_function(module, scope)
                return self._annotated(module, outer, annotation, depth)
        return []

    def _annotated(self, module: Module, scope: Function | None, annotation: Val, depth: int) -> list[_Thing]:
        if isinstance(annotation, Either):
            return [t for option in annotation.options for t in self._annotated(module, scope, option, depth)]
        if isinstance(annotation, Operation) and annotation.op == "type":
            (cls,) = annotation.operands
            return [_Declared(t) for t in self.resolve_all(module, scope, cls, None, depth + 1) if t in self.classes]
        return [_Declared(f"{t}()") for t in self.resolve_all(module, scope, annotation, None, depth + 1) if t in self.classes]

    # -- registries: classes collected by a decorator or an append ---------------------

    def module_instances(self) -> dict[str, list[str]]:
        """Project classes with the module-level names that hold an instance of them, made
        at import (`INDEX = ProductIndex()` → `shop.index.ProductIndex: [shop.index.INDEX]`):
        one object per process, whatever calls reach it."""
        if self._instances is None:
            self._instances = {}
            for module in self.modules.values():
                for assign in module.facts.assigns:
                    if not isinstance(assign.value, Call) or "." in assign.target or "[]" in assign.target:
                        continue
                    target = self.call_target(None, module, assign.value)
                    if target in self.classes:
                        self._instances.setdefault(target, []).append(f"{module.name}.{assign.target}")
        return self._instances

    def registries(self) -> dict[str, list[str]]:
        """Module-level containers that classes are registered into, with those classes:
        `@register` whose body does `REGISTRY[cls.name] = cls` or `_parsers.append(cls)`,
        and module-level `REGISTRY["json"] = JSONParser` / `registry.append(JSONParser)`."""
        if self._registries is not None:
            return self._registries
        self._registries = {}
        self._busy += 1
        found: dict[str, list[str]] = {}
        for cls in self.classes.values():
            for decorator in cls.facts.decorators:
                for store in self._decorator_stores(cls.module, decorator):
                    found.setdefault(store, []).append(cls.qualified)
        for module in self.modules.values():
            for assign in module.facts.assigns:
                if assign.target.endswith("[]") and "." not in assign.target:
                    self._register(found, module, None, assign.target[:-2], assign.value)
            for call in module.facts.calls:
                if isinstance(call.func, Dotted) and call.args and call.func.name.rpartition(".")[2] in _REGISTER_METHODS:
                    self._register(found, module, None, call.func.name.rpartition(".")[0], call.args[-1])
        self._registries = {k: v[: _MAX_ALTERNATIVES * 4] for k, v in found.items()}
        self._busy -= 1
        return self._registries

    def _register(self, found: dict[str, list[str]], module: Module, scope: Function | None, container: str, value: Val) -> None:
        classes = [t for t in self.resolve_all(module, scope, value) if t in self.classes]
        if classes and container and "[]" not in container:
            where = self._location(module, container)
            if where:
                found.setdefault(where, []).extend(c for c in classes if c not in found.get(where, []))

    def variable(self, module: Module, name: str) -> str | None:
        """The module-level variable a dotted name used in `module` refers to, by where it
        is held rather than what it holds: `signals.app_created` → `pkg.signals.app_created`."""
        return self._location(module, name)

    def _location(self, module: Module, name: str) -> str | None:
        """The module-level variable a dotted name refers to: `registry.PARSERS` → `pkg.registry.PARSERS`."""
        head, _, rest = name.partition(".")
        binding = self._bindings[module.name].get(head)
        if binding is None:
            return None
        if binding[0] == "assign":
            base = f"{module.name}.{head}"
        elif binding[0] == "import":
            base = self.import_target(module, binding[1])  # type: ignore[arg-type]
        else:
            return None
        target = f"{base}.{rest}" if rest else base
        owner, _, attr = target.rpartition(".")
        found = self.module(owner) if owner else None
        return f"{found.name}.{attr}" if found is not None else target

    def _decorator_stores(self, module: Module, decorator: Val, depth: int = 0) -> list[str]:
        """The registries a class decorator stores the class into."""
        func = decorator.func if isinstance(decorator, Call) else decorator
        target = self.resolve(module, None, func)
        fn = self.functions.get(target) if target else None
        if fn is None or depth > 1:
            return []
        stores: list[str] = []
        candidates = [fn]
        if isinstance(decorator, Call):  # `@register("json")`: the function it returns
            candidates = [self.functions[f"{fn.qualified}.{d}"] for d in fn.facts.local_defs if f"{fn.qualified}.{d}" in self.functions]
        for candidate in candidates:
            params = candidate.facts.params
            if not params:
                continue
            for assign in candidate.facts.assigns:
                if assign.target.endswith("[]") and assign.value == Dotted(params[0]):
                    stores.append(self._location(candidate.module, assign.target[:-2].split("[]")[0]) or "")
            for call in candidate.facts.calls:
                if (isinstance(call.func, Dotted) and call.func.name.rpartition(".")[2] in _REGISTER_METHODS
                        and call.args and call.args[-1] == Dotted(params[0])):
                    stores.append(self._location(candidate.module, call.func.name.rpartition(".")[0]) or "")
        return [s for s in stores if s]

    def _enclosing_function(self, module: Module, scope: Function) -> Function | None:
        outer = scope.qualname.rpartition(".")[0]
        while outer:
            ref = self.functions.get(f"{module.name}.{outer}")
            if ref is not None:
                return ref.facts
            outer = outer.rpartition(".")[0]
        return None

    def canonical(self, target: str, depth: int = 0) -> str:
        """Follow project re-exports, aliases, methods and return values in `target`."""
        shallow = depth <= _MAX_DEPTH // 2  # deep down, an answer may be cut short: not kept
        if shallow:
            found = self._canonicals.get(target)
            if found is not None:
                return found
        self._busy += 1
        found = self._canonical(target, depth)
        self._busy -= 1
        if shallow:
            self._canonicals[target] = found
        return found

    def _canonical(self, target: str, depth: int) -> str:
        segments = target.split(".")
        # A module name is a prefix without a call or an item in it: `a.b` of `a.b().c`.
        plain = next((i for i, s in enumerate(segments) if s.endswith(("()", "[]"))), len(segments))
        for i in range(plain, 0, -1):
            name = ".".join(segments[:i])
            found = self.module(name)
            if found is not None:
                current = found.name
                for segment in segments[i:]:
                    current = self._step(current, segment, depth)
                return current
        return target

    def _step(self, current: str, segment: str, depth: int) -> str:
        call = segment.endswith("()")
        attr = segment[:-2] if call else segment
        current = self._attribute(current, attr, depth) if attr else current
        if call:
            current = self._called(current, depth)
        return current

    def _attribute(self, current: str, attr: str, depth: int) -> str:
        if current in self.modules:
            binding = self._bindings[current].get(attr)
            module = self.modules[current]
            if binding is not None and depth < _MAX_DEPTH:
                kind, payload = binding
                if kind == "import":
                    return self.canonical(self.import_target(module, payload), depth + 1)  # type: ignore[arg-type]
                if kind == "assign":
                    resolved = self.resolve(module, None, payload.value, depth + 1)  # type: ignore[union-attr]
                    return resolved if resolved else f"{current}.{attr}"
                return payload  # type: ignore[return-value]
            exported = self._star_export(current, attr, depth)
            if exported is not None:
                return exported
            submodule = self.module(f"{current}.{attr}")
            return submodule.name if submodule else f"{current}.{attr}"
        instance = current.endswith("()")
        owner = current[:-2] if instance else current
        if owner in self.classes:
            method = self.find_method(owner, attr)
            if method is not None:
                return method.qualified
        return f"{current}.{attr}"

    def _called(self, current: str, depth: int) -> str:
        if current in self.classes:
            return f"{current}()"
        fn = self.functions.get(current)
        if fn is not None and fn.facts.returns and depth < _MAX_DEPTH:
            resolved = self.resolve(fn.module, fn.facts, fn.facts.returns[0], depth + 1)
            if resolved is not None:
                return resolved
        return f"{current}()"

    # -- classes -------------------------------------------------------------------------

    def bases(self, cls: ClassRef) -> list[str]:
        return [b for b in (self.resolve(cls.module, None, v) for v in cls.facts.bases) if b]

    def mro(self, qualified: str) -> list[str]:
        """The class and its ancestors, project ones resolved, external ones as named."""
        cached = self._mros.get(qualified)
        if cached is not None:
            return cached
        seen: list[str] = []
        queue = deque([qualified])
        self._busy += 1
        while queue:
            name = queue.popleft()
            if name in seen:
                continue
            seen.append(name)
            cls = self.classes.get(name)
            if cls is not None:
                queue.extend(self.bases(cls))
        self._busy -= 1
        self._mros[qualified] = seen
        return seen

    def exact_class(self, module: Module, scope: Function | None, value: Val) -> str | None:
        """The project class a value is or is an instance of, when the code pins it
        (`SettingCluster`, `Exporter()`); None for a parameter's declared class, which any
        subclass may stand in for, and for what the analysis cannot tell."""
        if isinstance(value, Dotted) and scope is not None and value.name.split(".")[0] in dict(scope.annotations):
            return None  # a parameter's declared class (see `_Declared`)
        target = self.resolve(module, scope, value)
        if target is None:
            return None
        named = target.removesuffix("()")
        return named if named in self.classes else None

    def is_subclass(self, qualified: str, bases: frozenset[str] | set[str]) -> bool:
        if qualified not in self.classes:  # its MRO is itself (framework scans ask of every call target)
            return qualified in bases
        return any(name in bases for name in self.mro(qualified))

    def find_method(self, qualified: str, name: str) -> FunctionRef | None:
        for cls in self.mro(qualified):
            fn = self.functions.get(f"{cls}.{name}")
            if fn is not None and fn.facts.class_name is not None:
                return fn
        return None

    def methods_named(self, name: str) -> list[FunctionRef]:
        """Every method of a project class called `name`, whatever the class."""
        if self._methods_by_name is None:
            self._methods_by_name = {}
            for fn in self.functions.values():
                if fn.facts.class_name is not None:
                    self._methods_by_name.setdefault(fn.facts.qualname.rpartition(".")[2], []).append(fn)
        return self._methods_by_name.get(name, [])

    # -- call graph ----------------------------------------------------------------------

    def call_target(self, fn: FunctionRef | None, module: Module, call: Call) -> str | None:
        """What a call calls (the first, where it may call several)."""
        found = self._call_targets.get(id(call))  # (the scans of every call ask here: ~200 k times)
        if found is None:
            found = self.call_targets(fn, module, call)
        return found[0] if found else None

    def call_targets(self, fn: FunctionRef | None, module: Module, call: Call) -> tuple[str, ...]:
        """Everything a call may call. Rules and framework scans ask for the same calls
        again and again, so the answer is kept per call site."""
        key = id(call)  # a call site's facts live as long as the project
        found = self._call_targets.get(key)
        if found is None:
            found = self._call_targets[key] = self._func_targets_at(module, fn.facts if fn else None, call)
        return found

    def _func_targets_at(self, module: Module, scope: Function | None, call: Call) -> tuple[str, ...]:
        """What `call.func` resolves to at the call; one answer for the calls that spell it alike.

        Where the call site cannot matter — at module level and in class bodies (a name's
        binding there does not depend on where it is used), or a name chain whose head the
        function never assigns — the calls with the same callee value in the same scope
        resolve alike: a class body's twenty `models.CharField(...)` are resolved once.
        Kept and reused only while no memo entry is being computed (`_busy`): then every
        entry the resolution reads is final, and asking again later, call after call, would
        give the same answer.
        """
        func = call.func
        if self._busy or not (scope is None or isinstance(func, Dotted)
                              and func.name.partition(".")[0].replace("[]", "") not in self._assigned(scope)):
            return self.resolve_all(module, scope, func, call)
        key = (id(module), id(scope), id(func))
        found = self._func_targets.get(key)
        if found is None:
            found = self._func_targets[key] = self.resolve_all(module, scope, func, call)
        return found

    def callees(self, fn: FunctionRef) -> list[tuple[Call, FunctionRef]]:
        """The project functions `fn` calls, with the call site (constructors → __init__)."""
        cached = self._callees.get(fn.qualified)
        if cached is not None:
            return cached
        edges: list[tuple[Call, FunctionRef]] = []
        for call in fn.facts.calls:
            targets = self.call_targets(fn, fn.module, call) or self._registered_methods(fn, call)
            if targets and not any(self._function_at(t) for t in targets):
                targets = self._hosted_methods(targets) or targets
            for target in targets:
                callee = self._function_at(target)
                if callee is not None and callee.qualified != fn.qualified:
                    edges.append((call, callee))
                    if isinstance(target, _Possible):
                        self._possible_edges.add((id(call), callee.qualified))
                    # The call runs the wrapper its project decorators put in its place first;
                    # the arguments go to the wrapper's `*args`, so positions are unknown.
                    edges += [(replace(call, starred=True), w) for w in self.wrappers(callee) if w.qualified != fn.qualified]
            if targets[:1] in (("map",), ("filter",)) and call.args:
                # `map(parse, items)` calls `parse`; its arguments are not the call's, so the
                # edge's call is marked starred (positions unknown to the constants analysis).
                for target in self.resolve_all(fn.module, fn.facts, call.args[0], call):
                    callee = self._function_at(target)
                    if callee is not None and callee.qualified != fn.qualified:
                        edges.append((replace(call, starred=True), callee))
        self._callees[fn.qualified] = edges
        return edges

    def wrappers(self, fn: FunctionRef) -> tuple[FunctionRef, ...]:
        """The functions a call of `fn` runs in its place: the nested function a project
        decorator returns (`@retrying` → its `wrapper`; `@client("s3")` → the wrapper the
        decorator it returns returns). A decorator that returns the function itself (one
        that registers it) adds nothing, nor does a nested function it only stores."""
        cached = self._wrappers.get(fn.qualified)
        if cached is None:
            found: list[FunctionRef] = []
            for decorator in fn.facts.decorators:
                factory = isinstance(decorator, Call)
                target = self.resolve(fn.module, None, decorator.func if factory else decorator)  # type: ignore[union-attr]
                makers = [self.functions[target]] if target in self.functions else []
                if factory:  # `@client("s3")`: the decorator is what the factory returns
                    makers = [d for m in makers for d in self._returned_defs(m)]
                found += [w for m in makers for w in self._returned_defs(m) if w not in found]
            cached = self._wrappers[fn.qualified] = tuple(found)
        return cached

    def _returned_defs(self, fn: FunctionRef) -> list[FunctionRef]:
        """The functions defined in `fn` that it returns (`def wrapper(...): ...; return wrapper`)."""
        names = [r.name for r in fn.facts.returns if isinstance(r, Dotted) and r.name in fn.facts.local_defs]
        return [self.functions[f"{fn.qualified}.{n}"] for n in dict.fromkeys(names) if f"{fn.qualified}.{n}" in self.functions]

    def plugin_hosts(self) -> dict[str, list[str]]:
        """Project classes whose instances hold plugin classes, with those classes: a
        register method of the class (`PluginManager.register`) is given the objects a
        loop loads from a declared entry-point group (`for ep in entry_points(group=...):
        register(ep.load())`), or project classes. What the host's methods hand out
        (`plugins.get(slug)`) is then one of them."""
        if self._hosts is None:
            self._hosts = {}
            for module, fn, call in self.every_call():
                target = self.call_target(fn, module, call)
                owner, _, method = (target or "").rpartition(".")
                if method not in _REGISTER_METHODS or owner not in self.classes or target not in self.functions or not call.args:
                    continue
                classes = [t for t in self.resolve_all(module, fn.facts if fn else None, call.args[-1], call) if t in self.classes]
                classes += self._entry_point_classes(module, fn, call.args[-1])
                if classes:
                    hosted = self._hosts.setdefault(owner, [])
                    hosted += [c for c in classes if c not in hosted]
        return self._hosts

    def _entry_point_classes(self, module: Module, fn: FunctionRef | None, value: Val) -> list[str]:
        """The project classes `value` may be when it is `ep.load()` (or a name assigned
        it) of an entry point the same function lists with a loader call."""
        if fn is None:
            return []
        if isinstance(value, Dotted) and "." not in value.name:
            assigned = [a.value for a in fn.facts.assigns if a.target == value.name]
            value = assigned[-1] if len(assigned) == 1 else value
        if not (isinstance(value, Call) and (self.call_target(fn, module, value) or "").endswith("()[].load")):
            return []
        from .entry_points import loaded_objects  # (entry_points reads a Project: imported late)

        found: list[str] = []
        for call in fn.facts.calls:
            for target in loaded_objects(self, module, fn, call, self.call_target(fn, module, call) or ""):
                target = self.canonical(target)
                if target in self.classes and target not in found:
                    found.append(target)
        return found

    def _hosted_methods(self, targets: tuple[str, ...]) -> tuple[str, ...]:
        """`plugins.get(slug).get_certificates` (a method of an object the analysis cannot
        follow, handed out by a plugin host: see `plugin_hosts`): the method as the hosted
        classes define it, when they are few. Possible, not certain."""
        hosts = self.plugin_hosts()
        found: list[str] = []
        for target in targets:
            owner, _, method = target.rpartition(".")
            if not method or not owner.endswith(("()", "[]")):
                continue
            for host, classes in hosts.items():
                if owner.startswith(f"{host}.") or owner.startswith(f"{host}()."):
                    methods = (self.find_method(c, method) for c in classes)
                    found += [m.qualified for m in methods if m is not None and m.qualified not in found]
        return tuple(_Possible(f) for f in found) if len(found) <= _MAX_ALTERNATIVES else ()

    def _registered_methods(self, fn: FunctionRef, call: Call) -> tuple[str, ...]:
        """A method called on a receiver the analysis cannot follow (`handlers[kind].handle(e)`
        after a comprehension over a registry): the method as the classes of the registries
        this function reads define it, when they are few. Possible, not certain."""
        func = call.func
        method = func.attr if isinstance(func, Attr) else func.name.rpartition(".")[2] if isinstance(func, Dotted) and "." in func.name else ""
        if not method or method.endswith("[]"):
            return ()
        classes = [c for where in self._registries_read(fn) for c in self.registries()[where]]
        found = [m.qualified for m in (self.find_method(c, method) for c in dict.fromkeys(classes)) if m is not None]
        return tuple(_Possible(f) for f in dict.fromkeys(found)) if len(found) <= _MAX_ALTERNATIVES else ()

    def _registries_read(self, fn: FunctionRef) -> list[str]:
        """The registries (see `registries`) whose names this function's code reads."""
        if not self.registries():
            return []
        cached = self._read_registries.get(fn.qualified)
        if cached is None:
            cached = self._read_registries[fn.qualified] = self._find_registries_read(fn)
        return cached

    def _find_registries_read(self, fn: FunctionRef) -> list[str]:
        names = {v.name.split("[]")[0] for v in _dotted_in([a.value for a in fn.facts.assigns]
                 + [arg for c in fn.facts.calls for arg in (c.func, *c.args)])}
        found = []
        for name in sorted(names):
            for thing in self._things(fn.module, fn.facts, Dotted(name), None, 0):
                where = thing.where if isinstance(thing, _Bound) else thing
                if where in self.registries() and where not in found:
                    found.append(where)
        return found

    def callee(self, fn: FunctionRef | None, call: Call, module: Module | None = None) -> FunctionRef | None:
        target = self.call_target(fn, module or fn.module, call)  # type: ignore[union-attr]
        return self._function_at(target) if target is not None else None

    def _function_at(self, target: str) -> FunctionRef | None:
        """The project function a call target runs (a class: its `__init__`)."""
        if target in self.functions:
            return self.functions[target]
        if target in self.classes:
            return self.find_method(target, "__init__")
        return None

    def reachable(self, start: FunctionRef) -> dict[str, tuple[Hop, ...]]:
        """Every project function reachable from `start`, with the chain that reaches it.

        A chain lists, for each function on the path, the line where the path goes on.
        Breadth-first, so the chain is a shortest one; ties go to source order.
        """
        chains: dict[str, tuple[Hop, ...]] = {start.qualified: ()}
        queue = deque([start])
        while queue:
            fn = queue.popleft()
            for call, callee in self.callees(fn):
                if callee.qualified not in chains:
                    possible = (id(call), callee.qualified) in self._possible_edges
                    chains[callee.qualified] = (*chains[fn.qualified], Hop(fn, call.pos.line, possible))
                    queue.append(callee)
        return chains

    # -- who calls a function -----------------------------------------------------------

    def held_value(self, target: str) -> tuple[Module, Val] | None:
        """The value a module-level variable of the project is assigned: `pkg.config.DATA_DIR`."""
        bound = self._target_bound(self.canonical(target))
        return (bound.module, bound.value) if bound is not None else None

    def callers(self, fn: FunctionRef) -> list[tuple[FunctionRef | None, Module, Call]]:
        """Every call site in the project that may call `fn` (module level: no function)."""
        if self._callers is None:
            self._callers = {}
            for caller in list(self.functions.values()):
                for call, callee in self.callees(caller):
                    self._callers.setdefault(callee.qualified, []).append((caller, caller.module, call))
            for module in self.modules.values():
                for call in module.facts.calls:
                    for target in self.call_targets(None, module, call):
                        callee = self._function_at(target)
                        if callee is not None:
                            self._callers.setdefault(callee.qualified, []).append((None, module, call))
        return self._callers.get(fn.qualified, [])

    def bound_arguments(self, fn: FunctionRef, caller: FunctionRef | None, module: Module, call: Call) -> int:
        """How many of `fn`'s parameters the call fills without an argument: `self` or `cls`."""
        if fn.facts.class_name is None or _is_staticmethod(fn.facts):
            return 0
        if _is_classmethod(fn.facts) or fn.facts.qualname.rpartition(".")[2] == "__init__":
            return 1
        func = call.func
        receiver = Dotted(func.name.rpartition(".")[0]) if isinstance(func, Dotted) and "." in func.name else None
        owner = self.resolve(module, caller.facts if caller else None, receiver) if receiver else None
        return 0 if owner in self.classes else 1  # `Event.save(event)` passes self itself

    def iter_functions(self) -> Iterator[FunctionRef]:
        return iter(self.functions.values())

    def every_call(self) -> list[tuple[Module, FunctionRef | None, Call]]:
        """Every call of the project: (its module, the function holding it or None, the
        call), module-level calls first. Listed once: a dozen framework scans read it."""
        if self._every_call is None:
            self._every_call = [(module, None, call) for module in self.modules.values() for call in module.facts.calls]
            self._every_call += [(fn.module, fn, call) for fn in self.functions.values() for call in fn.facts.calls]
        return self._every_call

    def derived(self, key: Hashable, compute: Callable[[], _D]) -> _D:
        """What `compute` works out from the whole project (a scan of every call, the
        launch files), once per project: a run links a project once, so it never goes
        stale. `key` names the computation."""
        if key not in self._derived:
            self._derived[key] = compute()
        return self._derived[key]  # type: ignore[return-value]

    def dotted_function(self, dotted: str) -> FunctionRef | None:
        """A function named by a dotted string, as RQ resolves `'pkg.mod.func'`."""
        target = self.canonical(dotted)
        return self.functions.get(target)


def _reaching(scope: Function, name: str, at: _UseSite) -> list[Assign]:
    """The assignments to `name` in `scope` that may reach `at`, latest first.

    Walking back from the use, each earlier assignment may reach it; one whose blocks
    enclose the use reaches it for sure and hides the ones before. Without a use site,
    the last assignment (what the name holds once the function has run).
    """
    assigns = [a for a in scope.assigns if a.target == name]
    if not assigns:
        return []
    if at is None:
        return [assigns[-1]]
    where = (at.pos.line, at.pos.col)
    found: list[Assign] = []
    for assign in reversed(assigns):
        if (assign.pos.line, assign.pos.col) >= where:
            continue
        found.append(assign)
        if at.block[: len(assign.block)] == assign.block:
            break
    if found or name in scope.params:
        return found
    return assigns[::-1]  # used above its assignments: in a loop, any of them


def _dotted_in(values: list[Val]) -> Iterator[Dotted]:
    """Every name chain inside the values (items of containers, arguments of calls)."""
    stack = list(values)
    while stack:
        value = stack.pop()
        if isinstance(value, Dotted):
            yield value
        elif isinstance(value, Call):
            stack += [value.func, *value.args, *(v for _, v in value.kwargs)]
        elif isinstance(value, (Attr, Item)):
            stack.append(value.value if isinstance(value, Attr) else value.of)
        elif isinstance(value, Seq):
            stack += value.items
        elif isinstance(value, Mapping):
            stack += [v for _, v in value.items] + list(value.others)
        elif isinstance(value, Either):
            stack += value.options


def _is_str(value: Val) -> bool:
    return isinstance(value, Const) and isinstance(value.value, str)


def _prefix_and_suffix(value: Val) -> tuple[str, str] | None:
    """`f"send_to_{channel}"`: the constant prefix and suffix a computed name is built
    with, or None when it has no constant prefix (an f-string that may name anything)."""
    if not (isinstance(value, Operation) and value.op == "f" and len(value.operands) > 1):
        return None
    first, last = value.operands[0], value.operands[-1]
    if not (_is_str(first) and first.value):  # type: ignore[union-attr]
        return None
    return first.value, last.value if _is_str(last) else ""  # type: ignore[union-attr,return-value]


# `TABLE.get(key)`, `TABLE.values()`: methods that read a dispatch table's entries.
_CONTAINER_METHODS = frozenset({"get", "pop", "setdefault", "values", "items"})
# `registry.append(cls)`, `REGISTRY.add(cls)`: methods that store a class in a registry.
_REGISTER_METHODS = frozenset({"append", "add", "insert", "register", "setdefault"})
# Calls whose result holds the same items as their argument.
_SAME_ITEMS = frozenset({"list", "tuple", "sorted", "set", "frozenset", "reversed", "iter", "dict.values"})


def _decorator_names(fn: Function) -> set[str]:
    return {d.name.rpartition(".")[2] for d in fn.decorators if isinstance(d, Dotted)}


def _is_classmethod(fn: Function) -> bool:
    return "classmethod" in _decorator_names(fn) or fn.qualname.rpartition(".")[2] in ("__new__", "__init_subclass__", "__class_getitem__")


def _is_staticmethod(fn: Function) -> bool:
    return "staticmethod" in _decorator_names(fn)


def receiver_parameter(fn: Function) -> str | None:
    """The parameter a method receives its instance or class in (`self`, `cls`); None for
    functions and static methods."""
    if fn.class_name is None or not fn.params or _is_staticmethod(fn):
        return None
    return fn.params[0]


_BUILTINS = frozenset(
    "print len range open isinstance getattr setattr hasattr dict list set tuple str int float bool "
    "super type object sorted min max sum any all enumerate zip map filter iter next repr id hash "
    "vars dir callable format round abs divmod pow bytes bytearray memoryview frozenset property "
    "classmethod staticmethod issubclass __import__ exec eval compile globals locals".split()
)
