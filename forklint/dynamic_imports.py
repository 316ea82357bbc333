"""Modules a program imports by computed names: discovery loops over a package.

An app factory often imports its blueprints, models or plugins by name in a loop:
`import_module(f"app.{name}.tasks")` over a list, or a walk of a package's files
(`os.walk`, `pkgutil.walk_packages(pkg.__path__)`) whose kept names are imported.
The names are not in the code, but their shape is: a constant suffix, the package
walked, the literals the loop compares each name with (`segments[-1] == "blueprint"`).
This module turns that shape into the project modules such a loop may import, so the
parent simulation loads them.

A part of the name may be a class attribute read through `cls` or `self`
(`"{}.{}".format(app.name, cls._loader_module_name)`, Mayan's loader mixin): it is read
for the class the method is called on at the call site the parent runs (`Binding`:
`SettingCluster.load_modules()` binds `cls` to SettingCluster), through its MRO. Where
the call does not pin one class, any project subclass may stand there: the values they
give are possible names, not certain ones.

It only ever adds modules to what a parent loads: a claim "nothing the parent loads
imports X" is dropped when a loop could import X, never made. A computed name outside
a loop (`import_module(settings.BACKEND)`) picks one module: nothing is assumed, unless
the code spells it (a module constant, a class attribute).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import product
from string import Formatter
from typing import Iterator

from .facts import Assign, Attr, Call, Const, Dotted, Either, Item, Operation, Seq, Val, receiver_of
from .project import FunctionRef, Module, Project, receiver_parameter

# Calls that import a module named by a string.
IMPORTERS = frozenset({
    "importlib.import_module", "__import__", "importlib.__import__", "werkzeug.utils.import_string",
    "werkzeug.import_string", "django.utils.module_loading.import_string",
})
# Calls that list a folder or package, and whether they go down into subpackages.
_WALKS: dict[str, bool] = {
    "os.walk": True, "pkgutil.walk_packages": True, "glob.glob": True, "glob.iglob": True,
    "pathlib.Path().rglob": True, "pathlib.Path().glob": True, "werkzeug.utils.find_modules": False,
    "pkgutil.iter_modules": False, "os.listdir": False, "os.scandir": False, "pathlib.Path().iterdir": False,
}
_PATH_JOINS = frozenset({"os.path.join", "pathlib.Path", "pathlib.PurePath"})
_HOPS = 8  # how many names, calls, attributes and defaults a package path is followed through
_ANY_TAIL = r"\w+"  # a computed last part: one name (`f"app.plugins.{name}"`)
_ANY_PART = r"[\w.]+"  # a computed part before a constant one: a dotted path (`f"{app}.tasks"`)
_MAX_NAMES = 8  # how many spellings of one name (a class attribute's value in each subclass) are kept
_PRINTF = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdirfa%]")  # `"%s.%s" % (a, b)`


@dataclass(frozen=True)
class Computed:
    """What an importer call imports: `certain` modules it surely imports when it runs (a
    constant name; every module a package walk keeps), and `possible` ones, any of which
    it may import (a name built from a list the configuration fills: which plugins are
    enabled is not in the code)."""

    certain: tuple[str, ...] = ()
    possible: tuple[str, ...] = ()


@dataclass(frozen=True)
class Binding:
    """How the method holding an importer call was called, as far as a computed name needs
    it: the classes `cls`/`self` may be there (one when the call site pins it:
    `SettingCluster.load_modules()`), and the arguments the call passes (None: unknown, a
    `*args` call), read where the call is. Names, not objects, so it can key a cache."""

    classes: tuple[str, ...]
    passed: tuple[tuple[str, Val], ...] | None
    caller_module: str
    caller: str | None  # the qualified name of the function making the call; None at module level
    at: tuple[int, ...]  # the blocks the call sits in (see `Assign.block`)
    outer: "Binding | None"  # how that function was called in turn


def bind(project: Project, module: Module, caller: FunctionRef | None, call: Call, callee: FunctionRef,
         outer: Binding | None) -> Binding:
    """The binding of `callee` run by `call` (in `caller`, itself bound by `outer`)."""
    return Binding(_receiver_classes(project, module, caller, call, callee, outer),
                   _passed(project, module, caller, call, callee), module.name,
                   caller.qualified if caller is not None else None, call.block, outer)


def _receiver_classes(project: Project, module: Module, caller: FunctionRef | None, call: Call, callee: FunctionRef,
                      outer: Binding | None) -> tuple[str, ...]:
    """The classes the callee's `cls`/`self` may be: the class the call names
    (`SettingCluster.load_modules()`, `Exporter().run()`), the caller's own when it calls
    through its `cls`/`self`/`super()`, else the callee's class or any project subclass."""
    if receiver_parameter(callee.facts) is None:
        return ()
    defining = f"{callee.module.name}.{callee.facts.class_name}"
    func = call.func
    receiver: Val | None = Dotted(func.name.rpartition(".")[0]) if isinstance(func, Dotted) and "." in func.name \
        else func.value if isinstance(func, Attr) else None
    own = receiver_parameter(caller.facts) if caller is not None else None
    through_own = own is not None and (
        (isinstance(receiver, Dotted) and receiver.name in (own, f"{own}.__class__"))
        or (isinstance(receiver, Call) and isinstance(receiver.func, Dotted) and receiver.func.name in ("super", "type")))
    if through_own:
        classes = outer.classes if outer is not None and outer.classes else _unpinned(project, caller)  # type: ignore[arg-type]
        return tuple(c for c in classes if project.is_subclass(c, {defining})) or _unpinned(project, callee)
    if callee.facts.qualname.rpartition(".")[2] == "__init__":
        receiver = func  # `Exporter(...)` runs `__init__` on an Exporter
    named = project.exact_class(module, caller.facts if caller else None, receiver) if receiver is not None else None
    if named is not None and project.is_subclass(named, {defining}):
        return (named,)
    return _unpinned(project, callee)


def _unpinned(project: Project, fn: FunctionRef) -> tuple[str, ...]:
    """A method's class and its project subclasses: any may be the one it runs for."""
    defining = f"{fn.module.name}.{fn.facts.class_name}"
    return (defining, *project.subclasses(defining))


def _passed(project: Project, module: Module, caller: FunctionRef | None, call: Call,
            callee: FunctionRef) -> tuple[tuple[str, Val], ...] | None:
    """The callee's parameters the call gives arguments for; None when positions are unknown."""
    if call.starred:
        return None
    params = callee.facts.params[project.bound_arguments(callee, caller, module, call):]
    return (*zip(params, call.args), *call.kwargs)


def computed_imports(project: Project, module: Module, fn: FunctionRef | None, call: Call,
                     binding: Binding | None = None) -> Computed:
    """The project modules an importer call (`IMPORTERS`) imports, sorted; `binding` is
    how the parent called `fn` (None: not known)."""
    cache: dict[tuple[str, int, Binding | None], Computed] = project.derived("computed imports", dict)
    # Facts are shared within a file, so the same call object may stand in two functions
    # of it; the module name keeps two files' equal loops apart as well.
    key = (module.name, id(call), binding)
    if key not in cache:
        cache[key] = _computed(_Scope(project, module, fn, binding), call)
    return cache[key]


@dataclass(frozen=True)
class _Reading:
    """Where in its function a value is read: the blocks its use sits in (see
    `Assign.block`), and the local names being followed (in `name = name or cls.ATTR`,
    the right side's `name` is the value from before: the argument)."""

    at: tuple[int, ...] = ()
    following: frozenset[str] = frozenset()

    def into(self, assign: Assign) -> "_Reading":
        """Reading an assignment's value, where it is made."""
        return _Reading(assign.block, self.following | {assign.target})


@dataclass(frozen=True)
class _Scope:
    """Where a value is read: its module and function, and how that function was called."""

    project: Project
    module: Module
    fn: FunctionRef | None
    binding: Binding | None
    # Class attributes read where no call pins the class (any of several): a name built
    # from one is possible only, even when the classes happen to agree on one value.
    unpinned: list[str] = field(default_factory=list, compare=False)


def _computed(scope: _Scope, call: Call) -> Computed:
    project, module, fn = scope.project, scope.module, scope.fn
    name = call.arg(0, "name") or call.kwarg("import_name") or call.kwarg("dotted_path")
    if name is None:
        return Computed()
    whole = _texts(scope, name, 0, _Reading(call.block))
    if whole:  # spelled in the code: a literal, a constant, a class attribute
        found = tuple(sorted({m.name for m in map(project.module, whole) if m is not None}))
        return Computed(certain=found) if len(whole) == 1 and not scope.unpinned else Computed(possible=found)
    if not call.in_loop:
        return Computed()
    patterns = _name_patterns(scope, name, 0, _Reading(call.block))
    named = [pattern for pattern in patterns or () if _names_a_part(pattern)]
    if named:
        regex = re.compile("|".join(f"(?:{_regex(pattern)})" for pattern in named))
        return Computed(possible=tuple(sorted(m for m in project.modules if regex.fullmatch(m))))
    walk = _package_walk(project, module, fn)
    if walk is None:
        return Computed()
    root, deep = walk
    compared = fn.facts.compared if fn is not None else module.facts.compared
    spelled = (part for pattern in patterns or () for part in _constant_parts(pattern))
    chosen = {part for part in (*compared, *spelled) if _selects(part, root)}
    found = set()
    for candidate in project.modules:
        if not candidate.startswith(f"{root}."):
            continue
        parts = candidate[len(root) + 1:].split(".")
        if (deep or len(parts) == 1) and (not chosen or chosen & set(parts)):
            found.add(candidate)
    return Computed(certain=tuple(sorted(found)))


# -- a name built from constant and computed parts -------------------------------------

# A name pattern: constant text, and None for each computed part.
_Pattern = tuple["str | None", ...]


def _name_patterns(scope: _Scope, value: Val, hops: int, reading: _Reading) -> list[_Pattern] | None:
    """`f"{pkg}.{name}.blueprint"` → [(None, ".", None, ".blueprint")]; several when a part
    has several spellings (a class attribute in each subclass). None unless the name is
    built by an f-string, `+`, `%` or `str.format` (followed through a local name it is
    assigned to)."""
    if hops > _HOPS:
        return None
    pieces = _pieces(value)
    if pieces is not None:
        patterns: list[_Pattern] = [()]
        for piece in pieces:
            texts = _texts(scope, piece, hops + 1, reading)
            options = [(text,) for text in texts] if texts else \
                _name_patterns(scope, piece, hops + 1, reading) or [(None,)]
            patterns = [pattern + option for pattern, option in product(patterns, options)][:_MAX_NAMES]
        return [_joined(pattern) for pattern in patterns]
    if isinstance(value, Dotted) and scope.fn is not None and "." not in value.name and value.name not in reading.following:
        assigned = [a for a in scope.fn.facts.assigns if a.target == value.name]
        if len(assigned) == 1:  # a name bound once (not a loop variable rebound each turn)
            return _name_patterns(scope, assigned[0].value, hops + 1, reading.into(assigned[0]))
    return None


def _joined(pattern: _Pattern) -> _Pattern:
    """Adjacent constant texts as one (`"."`, `"settings"` → `".settings"`), so that a
    constant part is known whole or as a fragment of a computed one."""
    out: list[str | None] = []
    for part in pattern:
        if part is not None and out and out[-1] is not None:
            out[-1] += part
        else:
            out.append(part)
    return tuple(out)


def _pieces(value: Val) -> list[Val] | None:
    """The parts a string-building expression joins, in order (its constant text as `Const`s)."""
    if isinstance(value, Operation) and value.op in ("f", "+"):
        return list(value.operands)
    if isinstance(value, Operation) and value.op == "%" and isinstance(value.operands[0], Const) \
            and isinstance(value.operands[0].value, str):
        texts = _PRINTF.split(value.operands[0].value)
        args = value.operands[1]
        given = list(args.items) if isinstance(args, Seq) else [args]
        if len(given) != len(texts) - 1:
            return None  # `%%`, `%(name)s` with a mapping: not followed
        return [piece for text, arg in zip(texts, [*given, None]) for piece in (Const(text), arg) if piece is not None]
    if isinstance(value, Call) and isinstance(value.func, Attr) and value.func.attr == "format" \
            and isinstance(value.func.value, Const) and isinstance(value.func.value.value, str) and not value.starred:
        out: list[Val] = []
        auto = 0
        try:
            fields = list(Formatter().parse(value.func.value.value))
        except ValueError:
            return None
        for text, field, spec, conversion in fields:
            out.append(Const(text))
            if field is None:
                continue
            if spec or conversion or not re.fullmatch(r"\w*", field):
                return None  # `{0.name}`, `{:>8}`: not a plain part of a name
            if field == "":
                field, auto = str(auto), auto + 1
            arg = value.args[int(field)] if field.isdigit() and int(field) < len(value.args) else value.kwarg(field)
            if arg is None:
                return None
            out.append(arg)
        return out
    return None


def _texts(scope: _Scope, value: Val, hops: int, reading: _Reading) -> tuple[str, ...] | None:
    """The strings a value is when the code spells it (a literal, `__name__`, a module
    constant, a class attribute, a parameter's argument): one, or several (the attribute
    as each class it may be read on sets it); None when it is computed."""
    values = _values(scope, value, hops, reading)
    # A class that leaves the attribute None names no module (its import would fail).
    texts = tuple(dict.fromkeys(v for v in values if isinstance(v, str))) if values is not None else ()
    return texts[:_MAX_NAMES] or None


def _values(scope: _Scope, value: Val, hops: int, reading: _Reading) -> tuple[object, ...] | None:
    """The constant values `value` may have; None when any is not spelled in the code."""
    project, module, fn = scope.project, scope.module, scope.fn
    if hops > _HOPS:
        return None
    if isinstance(value, Const):
        return (value.value,)
    if isinstance(value, Either):
        return _either(scope, value, hops, reading)
    if isinstance(value, Attr) and isinstance(value.value, Call) and isinstance(value.value.func, Dotted) \
            and value.value.func.name == "type" and fn is not None and value.value.args == (Dotted(receiver_parameter(fn.facts) or ""),):
        return _class_attribute(scope, value.attr, hops)  # `type(self).ATTR`
    if not isinstance(value, Dotted):
        pieces = _pieces(value)
        if pieces is None:
            return None
        parts = [_texts(scope, piece, hops + 1, reading) for piece in pieces]
        if any(part is None for part in parts):
            return None
        return tuple("".join(joined) for joined in product(*parts))[:_MAX_NAMES]  # type: ignore[arg-type]
    name = value.name
    if name == "__name__":
        return (module.name,)
    if name == "__package__":
        return (module.name if module.facts.is_package else module.name.rpartition(".")[0],)
    if name.endswith(".__name__"):  # `plugins.__name__`: an imported package's name
        target = project.resolve(module, fn.facts if fn else None, Dotted(name[: -len(".__name__")]))
        package = project.module(target) if target else None
        return (package.name,) if package is not None else None
    own = receiver_parameter(fn.facts) if fn is not None else None
    head, _, attr = name.partition(".")
    if own is not None and head == own and attr:  # `cls.ATTR`, `self.ATTR`, `self.__class__.ATTR`
        attr = attr.removeprefix("__class__.")
        return _class_attribute(scope, attr, hops) if "." not in attr else None
    if fn is not None and not attr:
        assigned = [a for a in fn.facts.assigns if a.target == name] if name not in reading.following else []
        parameter = name in fn.facts.params
        if assigned:
            # One assignment whose blocks hold the use is the value; else any of them may
            # be, or the argument when none of them ran (`if name is None: name = ...`).
            sure = len(assigned) == 1 and assigned[0].block == reading.at[:len(assigned[0].block)]
            options = [_values(scope, a.value, hops + 1, reading.into(a)) for a in assigned]
            if not sure and parameter:
                options.append(_argument(scope, name, hops))
            if any(values is None for values in options):
                return None
            return tuple(dict.fromkeys(v for values in options for v in values))  # type: ignore[union-attr]
        if parameter:
            return _argument(scope, name, hops)
    target = project.resolve(module, fn.facts if fn else None, value)
    held = project.held_value(target) if target else None
    if held is not None and isinstance(held[1], Const):
        return (held[1].value,)
    return None


def _either(scope: _Scope, value: Either, hops: int, reading: _Reading) -> tuple[object, ...] | None:
    """`param or cls.ATTR`: a truthy left value is the value, a falsy one gives way to the
    right; `a and b` the other way round; `A if flag else B` either."""
    options = [_values(scope, option, hops + 1, reading) for option in value.options]
    if any(values is None for values in options):
        return None
    left, right = options  # type: ignore[misc]
    if value.kind == "or":
        found = [v for v in left if v] + (list(right) if any(not v for v in left) else [])
    elif value.kind == "and":
        found = [v for v in left if not v] + (list(right) if any(left) else [])
    else:
        found = [*left, *right]
    return tuple(dict.fromkeys(found))


def _set_by_a_method(project: Project, owner: str, methods: tuple[str, ...], attr: str) -> bool:
    """Does a method of class `owner` assign `self.ATTR` (or `cls.ATTR`)?"""
    for method in methods:
        fn = project.functions.get(f"{owner}.{method}")
        own = receiver_parameter(fn.facts) if fn is not None else None
        if own is not None and any(a.target == f"{own}.{attr}" for a in fn.facts.assigns):  # type: ignore[union-attr]
            return True
    return False


def _argument(scope: _Scope, param: str, hops: int) -> tuple[object, ...] | None:
    """A parameter's value: the argument the call that the parent ran passes, read where
    that call is, else its default. Unknown without the call (any caller may pass one)."""
    binding, fn = scope.binding, scope.fn
    if binding is None or binding.passed is None or fn is None:
        return None
    given = dict(binding.passed).get(param)
    if given is None:
        default = dict(fn.facts.defaults).get(param)
        return _values(_Scope(scope.project, fn.module, None, None), default, hops + 1, _Reading()) \
            if default is not None else None
    caller_module = scope.project.module(binding.caller_module)
    if caller_module is None:
        return None
    caller = scope.project.functions.get(binding.caller) if binding.caller else None
    return _values(_Scope(scope.project, caller_module, caller, binding.outer, scope.unpinned), given, hops + 1,
                   _Reading(binding.at))


def _class_attribute(scope: _Scope, attr: str, hops: int) -> tuple[object, ...] | None:
    """`cls.ATTR` as the class(es) the method is bound to set it, looked up through each
    one's MRO. Classes that do not spell it are left out when there are several (they are
    possible spellings only); the one class a call pins must spell it."""
    project, fn = scope.project, scope.fn
    if fn is None:
        return None
    classes = scope.binding.classes if scope.binding is not None and scope.binding.classes else _unpinned(project, fn)
    if len(classes) > 1:
        scope.unpinned.append(attr)
    found: list[object] = []
    for name in classes[: _MAX_NAMES * 4]:
        values = None
        for owner in project.mro(name):
            cls = project.classes.get(owner)
            if cls is None:
                break  # an external base: what it sets is not read
            if _set_by_a_method(project, owner, cls.facts.methods, attr):
                return None  # `self.name = name` in `__init__`: the class's value is not the one read
            assigned = [a.value for a in cls.facts.assigns if a.target == attr]
            if assigned:
                values = _values(_Scope(project, cls.module, None, None), assigned[-1], hops + 1, _Reading())
                break
        if values is None and len(classes) == 1:
            return None
        found += values or ()
    return tuple(dict.fromkeys(found)) or None


def _regex(pattern: _Pattern) -> str:
    out = []
    for index, part in enumerate(pattern):
        if part is not None:
            out.append(re.escape(part))
        else:
            out.append(_ANY_PART if any(p for p in pattern[index + 1:]) else _ANY_TAIL)
    return "".join(out)


def _names_a_part(pattern: _Pattern) -> bool:
    """Does the constant text name a whole module part (`.blueprint`, `app.`)? A pattern of
    computed parts and dots alone (`f"{a}.{b}"`) could be any module."""
    return any(_constant_parts(pattern))


def _constant_parts(pattern: _Pattern | None) -> Iterator[str]:
    """The whole module parts a pattern's constant text spells (`".blueprint"` → blueprint)."""
    if pattern is None:
        return
    for index, part in enumerate(pattern):
        if not part:
            continue
        pieces = part.split(".")
        for i, piece in enumerate(pieces):
            # A piece touching a computed part is only a fragment of a name (`f"{x}_tasks"`).
            open_left = i == 0 and index > 0 and pattern[index - 1] is None
            open_right = i == len(pieces) - 1 and index + 1 < len(pattern) and pattern[index + 1] is None
            if piece.isidentifier() and not open_left and not open_right:
                yield piece


def _selects(literal: str, root: str) -> bool:
    """A compared literal that can pick modules by a part of their name."""
    return literal.isidentifier() and not literal.startswith("__") and literal not in root.split(".")


# -- the package a loop walks ----------------------------------------------------------


def _package_walk(project: Project, module: Module, fn: FunctionRef | None) -> tuple[str, bool] | None:
    """The project package `fn` (or a project function it calls; module-level code when
    None) lists, and whether it goes down into subpackages."""
    scopes: list[tuple[Module, FunctionRef | None]] = [(module, fn)]
    scopes += [(callee.module, callee) for _, callee in project.callees(fn)] if fn is not None else []
    for where, walker in scopes:
        for call in walker.facts.calls if walker is not None else where.facts.calls:
            target = project.call_target(walker, where, call)
            deep = _WALKS.get(target or "")
            if deep is None:
                continue
            if target == "werkzeug.utils.find_modules":
                recursive = call.arg(2, "recursive")
                deep = isinstance(recursive, Const) and recursive.value is True
            path = call.arg(0, "top") or call.kwarg("path") or call.kwarg("import_path")
            root = _package(project, where, walker, path, 0) if path is not None else None
            owner = receiver_of(call.func)
            if root is None and owner is not None:  # `Path(root).rglob("*.py")`
                root = _package(project, where, walker, owner, 0)
            if root is not None:
                return root, deep
    return None


def _package(project: Project, module: Module, fn: FunctionRef | None, value: Val, hops: int) -> str | None:
    """The project package a path or name value stands for: `pkg.__path__`, a folder of
    `__file__`, a literal package name (`get_root_path("app")`), followed through local
    names, parameter defaults and the calls that wrap them."""
    if hops > _HOPS:
        return None
    if isinstance(value, Const):
        found = project.module(value.value) if isinstance(value.value, str) else None
        return found.name if found is not None and found.facts.is_package else None
    if isinstance(value, Dotted):
        name = value.name
        if name == "__file__" or name == "__path__":
            return module.name if module.facts.is_package else module.name.rpartition(".")[0] or None
        if name.endswith(".__path__"):
            target = project.resolve(module, fn.facts if fn else None, Dotted(name[: -len(".__path__")]))
            found = project.module(target) if target else None
            return found.name if found is not None else None
        if fn is not None and "." not in name:
            assigned = [a.value for a in fn.facts.assigns if a.target == name]
            if assigned:
                return _package(project, module, fn, assigned[-1], hops + 1)
            default = dict(fn.facts.defaults).get(name)
            if default is not None:
                return _package(project, module, fn, default, hops + 1)
        target = project.resolve(module, fn.facts if fn else None, value)
        held = project.held_value(target) if target else None
        return _package(project, held[0], None, held[1], hops + 1) if held is not None else None
    if isinstance(value, Call):
        target = project.call_target(fn, module, value)
        base = None
        for arg in value.args:
            base = base or _package(project, module, fn, arg, hops + 1)
        if base is not None and target in _PATH_JOINS:  # `os.path.join(dirname(__file__), "plugins")`
            return _subpackage(project, base, value.args[1:])
        return base
    if isinstance(value, Operation) and value.op == "/":  # `Path(__file__).parent / "plugins"`
        base = _package(project, module, fn, value.operands[0], hops + 1)
        return _subpackage(project, base, value.operands[1:]) if base is not None else None
    if isinstance(value, Attr):  # `Path(__file__).parent`
        return _package(project, module, fn, value.value, hops + 1)
    if isinstance(value, Item):
        return _package(project, module, fn, value.of, hops + 1)
    if isinstance(value, Seq):  # `pkgutil.iter_modules([folder])`
        for item in value.items:
            found = _package(project, module, fn, item, hops + 1)
            if found is not None:
                return found
    return None


def _subpackage(project: Project, base: str, parts: tuple[Val, ...]) -> str | None:
    """`base` extended by the literal folder names that follow it; None unless each is a
    project package (a folder of data, or one named at run time, is not a package walk)."""
    for part in parts:
        if not (isinstance(part, Const) and isinstance(part.value, str) and project.module(f"{base}.{part.value}")):
            return None
        base = f"{base}.{part.value}"
    return base
