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
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .config import Config
from .facts import Attr, Call, Class, Dotted, Function, Import, ModuleFacts, Val

_MAX_DEPTH = 12


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


@dataclass(frozen=True)
class Hop:
    """One step of a chain: in `function`, at `line`, the path goes on (or ends)."""

    function: FunctionRef
    line: int


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
        for module in self.modules.values():
            self._index(module)
        self._resolve_cache: dict[tuple[str, str, str], str | None] = {}
        self._callees: dict[str, list[tuple[Call, FunctionRef]]] = {}
        self._call_targets: dict[int, str | None] = {}

    # -- indexing --------------------------------------------------------------------

    def _index(self, module: Module) -> None:
        for fn in module.facts.functions:
            self.functions[f"{module.name}.{fn.qualname}"] = FunctionRef(f"{module.name}.{fn.qualname}", module, fn)
        for cls in module.facts.classes:
            self.classes[f"{module.name}.{cls.qualname}"] = ClassRef(f"{module.name}.{cls.qualname}", module, cls)
        bindings: dict[str, tuple[str, object]] = {}
        for event in module.facts.events:
            if event.kind == "import":
                imp = module.facts.imports[event.index]
                if imp.name != "*":
                    bindings[imp.bound_name] = ("import", imp)
            elif event.kind == "assign":
                assign = module.facts.assigns[event.index]
                if "." not in assign.target:
                    bindings[assign.target] = ("assign", assign)
            elif event.kind in ("def", "class") and "." not in event.name:
                bindings[event.name] = (event.kind, f"{module.name}.{event.name}")
        self._bindings[module.name] = bindings

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
        base = imp.module
        if imp.level:
            package = module.name.split(".")
            if not module.facts.is_package:
                package = package[:-1]
            if imp.level > 1:
                package = package[: len(package) - (imp.level - 1)]
            base = ".".join([*package, imp.module] if imp.module else package)
        if imp.name is None:
            return base if imp.asname else base.split(".")[0]
        return f"{base}.{imp.name}" if base else imp.name

    def imported_modules(self, module: Module, imp: Import) -> list[str]:
        """Absolute names of the modules an import statement loads (parents first)."""
        base = self.import_target(module, Import(imp.module, imp.level, None, "x", imp.pos, False, False))
        parts = base.split(".")
        names = [".".join(parts[: i + 1]) for i in range(len(parts)) if parts[0]]
        if imp.name not in (None, "*") and self.module(f"{base}.{imp.name}") is not None:
            names.append(f"{base}.{imp.name}")
        return names

    # -- resolution ----------------------------------------------------------------------

    def resolve(self, module: Module, scope: Function | None, value: Val, depth: int = 0) -> str | None:
        """The target a value names, or None when the analysis cannot tell."""
        if depth > _MAX_DEPTH:
            return None
        if isinstance(value, Dotted):
            head, _, rest = value.name.partition(".")
            subscript = head.endswith("[]")  # `engines["django"]`: an item of engines
            base = self.resolve_name(module, scope, head.removesuffix("[]"), depth)
            if base is None:
                return None
            base += "[]" if subscript else ""
            return self.canonical(f"{base}.{rest}" if rest else base, depth)
        if isinstance(value, Call):
            func = self.resolve(module, scope, value.func, depth + 1)
            if func is None:
                return None
            if func == "functools.partial" and value.args:
                return self.resolve(module, scope, value.args[0], depth + 1)
            return self.canonical(f"{func}()", depth)
        if isinstance(value, Attr):
            base = self.resolve(module, scope, value.value, depth + 1)
            return self.canonical(f"{base}.{value.attr}", depth) if base else None
        return None

    def resolve_name(self, module: Module, scope: Function | None, name: str, depth: int = 0) -> str | None:
        key = (module.name, scope.qualname if scope else "", name)
        if key in self._resolve_cache:
            return self._resolve_cache[key]
        self._resolve_cache[key] = None  # cut cycles such as `x = x.y`
        result = self._resolve_name(module, scope, name, depth)
        self._resolve_cache[key] = result
        return result

    def _resolve_name(self, module: Module, scope: Function | None, name: str, depth: int) -> str | None:
        while scope is not None:
            if scope.class_name and scope.params and name == scope.params[0]:
                owner = f"{module.name}.{scope.class_name}"
                if _is_classmethod(scope):
                    return owner
                if not _is_staticmethod(scope):
                    return f"{owner}()"
            for imp in reversed(scope.imports):
                if imp.bound_name == name and imp.name != "*":
                    return self.import_target(module, imp)
            for assign in reversed(scope.assigns):
                if assign.target == name:
                    return self.resolve(module, scope, assign.value, depth + 1)
            if name in scope.local_defs:
                return f"{module.name}.{scope.qualname}.{name}"
            if name in scope.params:
                return None
            scope = self._enclosing_function(module, scope)
        binding = self._bindings[module.name].get(name)
        if binding is None:
            return name if name in _BUILTINS else None
        kind, payload = binding
        if kind == "import":
            return self.import_target(module, payload)  # type: ignore[arg-type]
        if kind == "assign":
            return self.resolve(module, None, payload.value, depth + 1)  # type: ignore[union-attr]
        return payload  # type: ignore[return-value]

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
        segments = target.split(".")
        for i in range(len(segments), 0, -1):
            if any(s.endswith(("()", "[]")) for s in segments[:i]):
                continue
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
        seen: list[str] = []
        queue = deque([qualified])
        while queue:
            name = queue.popleft()
            if name in seen:
                continue
            seen.append(name)
            cls = self.classes.get(name)
            if cls is not None:
                queue.extend(self.bases(cls))
        return seen

    def is_subclass(self, qualified: str, bases: frozenset[str] | set[str]) -> bool:
        return any(name in bases for name in self.mro(qualified))

    def find_method(self, qualified: str, name: str) -> FunctionRef | None:
        for cls in self.mro(qualified):
            fn = self.functions.get(f"{cls}.{name}")
            if fn is not None and fn.facts.class_name is not None:
                return fn
        return None

    # -- call graph ----------------------------------------------------------------------

    def call_target(self, fn: FunctionRef | None, module: Module, call: Call) -> str | None:
        """What a call calls. Rules and framework scans ask for the same calls again and
        again, so the answer is kept per call site."""
        key = id(call)  # a call site's facts live as long as the project
        if key not in self._call_targets:
            self._call_targets[key] = self.resolve(module, fn.facts if fn else None, call.func)
        return self._call_targets[key]

    def callees(self, fn: FunctionRef) -> list[tuple[Call, FunctionRef]]:
        """The project functions `fn` calls, with the call site (constructors → __init__)."""
        cached = self._callees.get(fn.qualified)
        if cached is not None:
            return cached
        edges: list[tuple[Call, FunctionRef]] = []
        for call in fn.facts.calls:
            callee = self.callee(fn, call)
            if callee is not None and callee.qualified != fn.qualified:
                edges.append((call, callee))
        self._callees[fn.qualified] = edges
        return edges

    def callee(self, fn: FunctionRef | None, call: Call, module: Module | None = None) -> FunctionRef | None:
        target = self.call_target(fn, module or fn.module, call)  # type: ignore[union-attr]
        if target is None:
            return None
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
                    chains[callee.qualified] = (*chains[fn.qualified], Hop(fn, call.pos.line))
                    queue.append(callee)
        return chains

    def iter_functions(self) -> Iterator[FunctionRef]:
        return iter(self.functions.values())

    def dotted_function(self, dotted: str) -> FunctionRef | None:
        """A function named by a dotted string, as RQ resolves `'pkg.mod.func'`."""
        target = self.canonical(dotted)
        return self.functions.get(target)


def _decorator_names(fn: Function) -> set[str]:
    return {d.name.rpartition(".")[2] for d in fn.decorators if isinstance(d, Dotted)}


def _is_classmethod(fn: Function) -> bool:
    return "classmethod" in _decorator_names(fn) or fn.qualname.rpartition(".")[2] in ("__new__", "__init_subclass__", "__class_getitem__")


def _is_staticmethod(fn: Function) -> bool:
    return "staticmethod" in _decorator_names(fn)


_BUILTINS = frozenset(
    "print len range open isinstance getattr setattr hasattr dict list set tuple str int float bool "
    "super type object sorted min max sum any all enumerate zip map filter iter next repr id hash "
    "vars dir callable format round abs divmod pow bytes bytearray memoryview frozenset property "
    "classmethod staticmethod issubclass __import__ exec eval compile globals locals".split()
)
