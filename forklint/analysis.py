"""Everything rules read, computed once per project: jobs, parents, models, reach."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Callable

from .catalogue import Catalogue, Entry
from .costs import Cost, ImportTimes, call_cost, catalogue_cost, jinja2_compile_ms
from .diagnostics import ChainLink, Diagnostic
from .fix.plan import FixPlan
from .facts import Attr, Call, Const, Dotted, Either, Item, Mapping, Operation, Seq, Val
from .frameworks import NO_FORK, PER_CHILD, PER_JOB, Job, Launch, find_jobs
from .frameworks.launch_lines import project_launches
from .installed import installed, stdlib
from .mappers import Models
from .prefork import Parent, ParentState, Parents, child_startup, import_closure, module_closure, module_loads
from .project import FunctionRef, Hop, Module, Project
from .templates import TemplateFiles

# Calls whose result is as constant as their arguments: `open("model.pkl", "rb")`.
_CONSTANT_CALLS = frozenset({
    "open", "io.open", "pathlib.Path", "pathlib.PurePath", "pathlib.PurePosixPath", "os.fspath", "str",
    "os.path.join", "os.path.dirname", "os.path.abspath", "os.path.realpath", "os.path.normpath",
    "os.path.basename", "os.path.expanduser", "lxml.etree.parse",
})
# Methods whose result is constant when the receiver and arguments are: `BASE.joinpath("x")`.
_CONSTANT_METHODS = frozenset({
    "joinpath", "with_suffix", "with_name", "resolve", "absolute", "expanduser", "format", "join",
    "lower", "upper", "strip", "replace",
})
# Attributes of a constant that are constant: `Path(__file__).parent`.
_CONSTANT_ATTRS = frozenset({"parent", "parents", "name", "stem", "suffix", "anchor"})
_CONSTANT_DEPTH = 8
_DJANGO_SETTINGS = "django.conf.settings."


@dataclass(frozen=True)
class Reached:
    """A function a job reaches, and how."""

    function: FunctionRef
    hops: tuple[Hop, ...]


class Analysis:
    def __init__(self, project: Project, catalogue: Catalogue, cache_folder: Path | None = None) -> None:
        self.project = project
        self.catalogue = catalogue
        self.import_times = ImportTimes(cache_folder)
        installed().keep_in(cache_folder)
        self._child_loads: dict[str, ParentState] = {}
        self._child_startups: dict[str, ParentState] = {}
        self._module_loads: dict[str, ParentState] = {}
        self._constants: dict[tuple[str, str, int, bool], bool] = {}
        self._strings: dict[tuple[str, str, int], tuple[str, ...] | None] = {}

    @cached_property
    def jobs(self) -> list[Job]:
        return find_jobs(self.project)

    @cached_property
    def models(self) -> Models:
        return Models(self.project)

    @cached_property
    def _parents(self) -> Parents:
        return Parents(self.project, self.jobs)

    def parent(self, job: Job) -> Parent:
        return self._parents.for_job(job)

    def reported_jobs(self) -> list[Job]:
        """Jobs whose child-side work is worth reporting under the current config."""
        wanted = {PER_JOB} | ({PER_CHILD} if self.project.config.report_per_child else set())
        return [job for job in self.jobs if job.fork.kind in wanted and job.fork.kind != NO_FORK]

    def reached(self, job: Job) -> list[Reached]:
        """Functions the job reaches, the job itself first, in breadth-first order."""
        chains = self.project.reachable(job.function)
        # A job submitted through project helpers shows them first: enqueue_job → record_sale → ...
        return [Reached(self.project.functions[name], (*job.via, *hops)) for name, hops in chains.items()]

    def child_loads(self, job: Job) -> ParentState:
        """Modules a child loads on the job's path (its module, callees, local imports)."""
        key = job.function.qualified
        if key not in self._child_loads:
            functions = [r.function for r in self.reached(job)]
            self._child_loads[key] = import_closure(self.project, functions)
        return self._child_loads[key]

    def child_startup(self, job: Job) -> ParentState:
        """What the job's child loads itself before its first job (its adapter says)."""
        key = job.function.qualified
        if key not in self._child_startups:
            hooks = [hook.function for hook in job.adapter.child_hooks(self.project)]
            self._child_startups[key] = child_startup(self.project, list(job.adapter.child_imports(self.project, job)), hooks)
        return self._child_startups[key]

    def import_runs_only_itself(self, name: str, *loaded: Parent | ParentState) -> bool:
        """Importing project module `name` runs only its own small module body: everything it
        imports is already loaded (by `loaded`), it defines no mapped model and calls nothing
        the catalogue knows as costly. That costs well under `min-cost-ms`."""
        if name not in self._module_loads:
            self._module_loads[name] = module_loads(self.project, name)
        state = self._module_loads[name]
        prefix = name + "."
        if any(m != name and not any(l.loads_module(m) if isinstance(l, Parent) else m in l.modules for l in loaded)
               for m in state.modules):
            return False
        if any(not stdlib(x) and not any(l.loads_external(x) for l in loaded) for x in state.external):
            return False
        if any(cls.startswith(prefix) and "." not in cls[len(prefix):] for cls in self.models.mapped):
            return False
        known = {api for table in self._apis.values() for api in table}
        # Its own module-level calls and what they run (the other modules' are the parent's).
        own = [step for step in state.timeline if step.kind == "call"
               and (step.via[0].module.name if step.via else step.module.name) == name]
        return not any(self.catalogue.api_name(step.name) in known for step in own)

    def import_cycle(self, importer: Module, imported: str) -> bool:
        """Does project module `imported` import `importer` (at module level, transitively)?
        Then `importer` cannot import it at its top: the function-level import breaks a cycle."""
        local = self.project.module(imported)
        return local is not None and local.name != importer.name and \
            importer.name in module_closure(self.project, local.name)

    def child_modules(self, job: Job) -> list[str]:
        return self.child_loads(job).modules

    # -- the catalogue ---------------------------------------------------------------------

    @cached_property
    def _apis(self) -> dict[str, dict[str, Entry]]:
        tables: dict[str, dict[str, Entry]] = {}
        for entry in self.catalogue.entries:
            table = tables.setdefault(entry.rule, {})
            for api in entry.apis:
                table.setdefault(api, entry)
        return tables

    @cached_property
    def _by_api(self) -> dict[str, Entry]:
        return self.catalogue.by_api()

    def api(self, fn: FunctionRef | None, module: Module, call: Call) -> str | None:
        """The call's target in the catalogue's spelling."""
        target = self.project.call_target(fn, module, call)
        return self.catalogue.api_name(target) if target else None

    def entry_for(self, fn: FunctionRef | None, module: Module, call: Call, rule: str) -> Entry | None:
        api = self.api(fn, module, call)
        return self._apis.get(rule, {}).get(api) if api else None

    def unsafe_entry(self, api: str) -> Entry | None:
        return self._apis.get("FRK901", {}).get(api)

    # -- constants: values that are the same in every job ----------------------------------

    def constant(self, module: Module, fn: FunctionRef | None, value: Val | None, depth: int = 0,
                 movable: bool = False) -> bool:
        """Is `value` built only from literals and constants, the same in every job?

        Literals; module constants (also imported, and `settings.X` of the project's
        Django settings); `__file__`; `Path(...)`, `os.path.join(...)`, `open(...)` and
        the like of constants, their `.parent`, `/`, `+`, `%` and f-strings of constants;
        in a function, a local only ever assigned constants and a parameter every call
        site passes a constant (or leaves to a constant default). `movable`: also the
        same expression at module level, so a fix may hoist it (no locals, no parameters).
        """
        if value is None or depth > _CONSTANT_DEPTH:
            return False
        key = (module.name, fn.qualified if fn else "", id(value), movable)
        if key not in self._constants:
            self._constants[key] = False  # cut cycles: `x = x + "/"`
            self._constants[key] = self._constant(module, fn, value, depth, movable)
        return self._constants[key]

    def _constant(self, module: Module, fn: FunctionRef | None, value: Val, depth: int, movable: bool) -> bool:
        def const(v: Val | None, in_fn: FunctionRef | None = fn) -> bool:
            return self.constant(module, in_fn, v, depth + 1, movable)

        if isinstance(value, Const):
            return True
        if isinstance(value, Seq):
            return all(const(item) for item in value.items)
        if isinstance(value, Mapping):
            return not value.others and all(const(item) for _, item in value.items)
        if isinstance(value, (Operation, Either)):
            return all(const(v) for v in (value.operands if isinstance(value, Operation) else value.options))
        if isinstance(value, Attr):
            return value.attr in _CONSTANT_ATTRS and const(value.value)
        if isinstance(value, Call):
            target = self.project.call_target(fn, module, value)
            arguments = [*value.args, *(v for _, v in value.kwargs)]
            if target in _CONSTANT_CALLS:
                return all(const(a) for a in arguments)
            func = value.func
            receiver: Val | None = None
            if isinstance(func, Attr) and func.attr in _CONSTANT_METHODS:
                receiver = func.value
            elif isinstance(func, Dotted) and "." in func.name and func.name.rpartition(".")[2] in _CONSTANT_METHODS:
                receiver = Dotted(func.name.rpartition(".")[0])
            return receiver is not None and const(receiver) and all(const(a) for a in arguments)
        if isinstance(value, Dotted):
            return self._constant_name(module, fn, value.name, depth, movable)
        return False

    def _constant_name(self, module: Module, fn: FunctionRef | None, name: str, depth: int, movable: bool) -> bool:
        if "[]" in name:
            return False
        head, _, rest = name.partition(".")
        if rest:
            held = self._held_constant(module, fn, name, depth, movable)
            if held is not None:
                return held
            return all(a in _CONSTANT_ATTRS for a in rest.split(".")) and self._constant_name(module, fn, head, depth, movable)
        if name == "__file__":
            return True
        if fn is not None:
            assigns = [a for a in fn.facts.assigns if a.target == name]
            if assigns:
                return not movable and all(self.constant(module, fn, a.value, depth + 1) for a in assigns)
            if name in fn.facts.params:
                return not movable and self._constant_parameter(fn, name, depth)
            if any(i.bound_name == name for i in fn.facts.imports):
                return not movable and bool(self._held_constant(module, fn, name, depth, False))
        assigns = [a for a in module.facts.assigns if a.target == name]
        if assigns:
            return all(self.constant(module, None, a.value, depth + 1, movable) for a in assigns)
        return bool(self._held_constant(module, None, name, depth, movable))

    def _held_constant(self, module: Module, fn: FunctionRef | None, name: str, depth: int, movable: bool) -> bool | None:
        """A name of another module (`config.DATA_DIR`, an imported constant, Django's
        `settings.X`) that holds a constant; None when it names no project variable."""
        target = self.project.resolve(module, fn.facts if fn else None, Dotted(name))
        if target is None:
            return None
        if target.startswith(_DJANGO_SETTINGS):
            target = self._django_setting(target[len(_DJANGO_SETTINGS):])
            if target is None:
                return None
        held = self.project.held_value(target)
        if held is None:
            return None
        where, value = held
        return self.constant(where, None, value, depth + 1, movable)

    def _django_setting(self, attr: str) -> str | None:
        """`settings.X` → the project settings module's `X`, where one assigns it."""
        for name in self.project.modules:
            if (name == "settings" or name.endswith(".settings") or ".settings." in name) \
                    and self.project.held_value(f"{name}.{attr}") is not None:
                return f"{name}.{attr}"
        return None

    def _constant_parameter(self, fn: FunctionRef, name: str, depth: int) -> bool:
        """Every call site of `fn` passes a constant for `name`, or leaves its constant default."""
        sites = self.project.callers(fn)
        if not sites:
            return False
        default = dict(fn.facts.defaults).get(name)
        index = fn.facts.params.index(name)
        for caller, module, call in sites:
            if call.starred:
                return False
            argument = call.kwarg(name)
            if argument is None:
                position = index - self.project.bound_arguments(fn, caller, module, call)
                argument = call.args[position] if 0 <= position < len(call.args) else None
            if argument is None:
                if default is None or not self.constant(fn.module, None, default, depth + 1):
                    return False
            elif not self.constant(module, caller, argument, depth + 1):
                return False
        return True

    def constant_args(self, entry: Entry, module: Module, fn: FunctionRef | None, call: Call) -> bool:
        if not entry.constant_args:
            return True
        return all(self.constant(module, fn, _argument(call, i)) for i in entry.constant_args)

    def entry_fits(self, entry: Entry, module: Module, fn: FunctionRef | None, call: Call) -> bool:
        """Does the entry's cost and advice fit this call? Not when an argument takes the
        API's fast path (`no-work-when`), nor when the call uses other state than the
        parent's warm-up fills (`warm-up-misses`)."""
        for item, values in entry.no_work_when:
            written = _argument(call, item)
            value = self._literal(module, fn, written) if written is not None else None
            if isinstance(value, Const) and value.value in values:
                return False
        return not any(_argument(call, item) is not None for item in entry.warm_up_misses)

    def cost(self, entry: Entry, module: Module, call: Call, fn: FunctionRef | None = None) -> Cost:
        """What this call's work costs per child: measured on the call where its entry allows
        (a pattern built from constants, by name, `+` or an f-string, is measured as the
        literal it makes; an Environment built in the job, on the project templates the
        function loads from it)."""
        if entry.measure == "jinja2-loaded-templates" and fn is not None:
            measured = self._loaded_templates_ms(fn, call)
            if measured is not None:
                return Cost(measured, 0.0, "measured", per_call=True)
        args = tuple(self._literal(module, fn, a) for a in call.args)
        kwargs = tuple((k, self._literal(module, fn, v)) for k, v in call.kwargs)
        return call_cost(entry, args, kwargs)

    @cached_property
    def templates(self) -> TemplateFiles:
        return TemplateFiles(self.project.root)

    def template_cost(self, entry: Entry, names: tuple[str, ...]) -> Cost:
        """What a child's first load of templates `names` costs: compiling them, with what
        they extend or include, measured here where each is one project file and Jinja2 is
        installed; else the catalogue's figure."""
        measured = self._templates_ms(names)
        return Cost(measured, 0.0, "measured") if measured is not None else catalogue_cost(entry)

    def _templates_ms(self, names: list[str] | tuple[str, ...]) -> float | None:
        """Compiling the project templates `names` with what they extend or include, measured
        here; None unless each is one project file and Jinja2 is installed here."""
        sources: list[str] = []
        for name in names:
            found = self.templates.sources(name)
            if found is None:
                return None
            sources.extend(found)
        return jinja2_compile_ms(*dict.fromkeys(sources)) if sources else None

    def _loaded_templates_ms(self, fn: FunctionRef, built: Call) -> float | None:
        """What compiling the templates `fn` loads by constant name from the Environment it
        builds with `built` (`env.get_template("digest.html")`) costs (see `_templates_ms`)."""
        held = {a.target for a in fn.facts.assigns if isinstance(a.value, Call) and a.value.pos == built.pos}
        names: list[str] = []
        for call in fn.facts.calls:
            func = call.func
            if not (isinstance(func, Dotted) and func.name.rpartition(".")[0] in held and func.name.endswith(".get_template")):
                continue
            written = call.arg(0, "name")
            name = self._fold(fn.module, fn, written, 0) if written is not None else None
            if not isinstance(name, str):
                return None
            names.append(name)
        return self._templates_ms(names)

    def strings(self, module: Module, fn: FunctionRef | None, value: Val | None,
                bound: dict[str, tuple[str, ...]] | None = None, depth: int = 0) -> tuple[str, ...] | None:
        """Every string `value` may be, where each is built only from literals; None when
        one is not. Beyond `_fold`: a loop variable over a literal list takes each item
        (`for f in ["html", "txt"]`), `"x.{}".format(f)` each formatting, a local assigned
        in several places each value, and a parameter what every call site passes (or
        what `bound` gives it)."""
        if value is None or depth > _CONSTANT_DEPTH:
            return None
        if not bound:  # the same value in the same scope: the same strings (cycles cut)
            key = (module.name, fn.qualified if fn else "", id(value))
            if key not in self._strings:
                self._strings[key] = None
                self._strings[key] = self._find_strings(module, fn, value, {}, depth)
            return self._strings[key]
        return self._find_strings(module, fn, value, bound, depth)

    def _find_strings(self, module: Module, fn: FunctionRef | None, value: Val,
                      bound: dict[str, tuple[str, ...]], depth: int) -> tuple[str, ...] | None:

        def each(v: Val | None) -> tuple[str, ...] | None:
            return self.strings(module, fn, v, bound, depth + 1)

        if isinstance(value, Const):
            return (value.value,) if isinstance(value.value, str) else None
        if isinstance(value, Either):
            return _union([each(v) for v in value.options])
        if isinstance(value, Item):
            of = value.of
            if isinstance(of, Dotted) and "." not in of.name:  # `for f in FORMATS`: the list it names
                written = self._written(module, fn, of.name)
                of = written[0] if len(written) == 1 else of
            if not isinstance(of, Seq):
                return None
            if value.index is not None:
                return each(of.items[value.index]) if 0 <= value.index < len(of.items) else None
            return _union([each(v) for v in of.items])
        if isinstance(value, Operation) and value.op in ("+", "f"):
            parts = [(p.value.replace("{{", "{").replace("}}", "}"),) if value.op == "f" and isinstance(p, Const)
                     and isinstance(p.value, str) else each(p) for p in value.operands]
            return _product(parts, "".join)
        if isinstance(value, Call) and isinstance(value.func, Attr) and value.func.attr == "format" and not value.kwargs:
            return _product([each(value.func.value), *(each(a) for a in value.args)], lambda p: p[0].format(*p[1:]))
        if isinstance(value, Dotted) and "." not in value.name:
            name = value.name
            if name in bound:
                return bound[name]
            if fn is not None and name in fn.facts.params and not any(a.target == name for a in fn.facts.assigns):
                return self._parameter_strings(fn, name, depth)
            local = [a.value for a in fn.facts.assigns if a.target == name] if fn is not None else []
            if local:
                return _union([each(v) for v in local])
            top = [a.value for a in module.facts.assigns if a.target == name]
            if top:
                return _union([self.strings(module, None, v, None, depth + 1) for v in top])
            folded = self._fold(module, fn, value, depth)
            return (folded,) if isinstance(folded, str) else None
        return None

    def _written(self, module: Module, fn: FunctionRef | None, name: str) -> list[Val]:
        """The values a bare name is assigned: in the function where it is a local, else
        at its module's top level."""
        local = [a.value for a in fn.facts.assigns if a.target == name] if fn is not None else []
        return local or [a.value for a in module.facts.assigns if a.target == name]

    def _parameter_strings(self, fn: FunctionRef, name: str, depth: int) -> tuple[str, ...] | None:
        """What every call site passes for parameter `name` (or leaves to its default)."""
        sites = self.project.callers(fn)
        if not sites:
            return None
        found: list[tuple[str, ...] | None] = []
        for caller, module, call in sites:
            argument = None if call.starred else self.argument_for(fn, name, caller, module, call)
            if argument is None:
                default = dict(fn.facts.defaults).get(name)
                found.append(self.strings(fn.module, None, default, None, depth + 1) if not call.starred and default is not None else None)
            else:
                found.append(self.strings(module, caller, argument, None, depth + 1))
            if found[-1] is None:
                return None  # one site passes what is not known here
        return _union(found)

    def argument_for(self, fn: FunctionRef, name: str, caller: FunctionRef | None, module: Module, call: Call) -> Val | None:
        """What `call` (a call of `fn`) passes for `fn`'s parameter `name`, if it passes one."""
        argument = call.kwarg(name)
        if argument is None and name in fn.facts.params:
            position = fn.facts.params.index(name) - self.project.bound_arguments(fn, caller, module, call)
            argument = call.args[position] if 0 <= position < len(call.args) else None
        return argument

    def _literal(self, module: Module, fn: FunctionRef | None, value: Val) -> Val:
        """`value` folded to the literal it always is, where it is built only from literals;
        else `value` as written."""
        folded = self._fold(module, fn, value, 0)
        return Const(folded) if folded is not None else value

    def _fold(self, module: Module, fn: FunctionRef | None, value: Val, depth: int) -> str | bytes | int | None:
        if depth > _CONSTANT_DEPTH:
            return None
        if isinstance(value, Const):
            return value.value if isinstance(value.value, (str, bytes, int)) else None
        if isinstance(value, Operation) and value.op == "+" and len(value.operands) == 2:
            left, right = (self._fold(module, fn, v, depth + 1) for v in value.operands)
            same = isinstance(left, str) and isinstance(right, str) or isinstance(left, bytes) and isinstance(right, bytes)
            return left + right if same else None  # type: ignore[operator]
        if isinstance(value, Operation) and value.op == "f":
            parts = []
            for part in value.operands:
                if isinstance(part, Const) and isinstance(part.value, str):
                    parts.append(part.value.replace("{{", "{").replace("}}", "}"))  # the f-string's own text
                    continue
                held = self._fold(module, fn, part, depth + 1)
                if held is None or isinstance(held, bytes):
                    return None
                parts.append(str(held))
            return "".join(parts)
        if isinstance(value, Dotted) and "." not in value.name:
            # A local assigned once, else a module variable (also one imported) assigned once.
            local = [a for a in fn.facts.assigns if a.target == value.name] if fn is not None else []
            if local:
                return self._fold(module, fn, local[0].value, depth + 1) if len(local) == 1 else None
            if fn is not None and value.name in fn.facts.params:
                return None
            assigns = [a for a in module.facts.assigns if a.target == value.name]
            if assigns:
                return self._fold(module, None, assigns[0].value, depth + 1) if len(assigns) == 1 else None
            target = self.project.resolve(module, None, value)
            held = self.project.held_value(target) if target else None
            if held is not None and held[0] is not module:
                return self._fold(held[0], None, held[1], depth + 1)
        return None

    # -- locals no child reaches -----------------------------------------------------------

    def private_receiver(self, module: Module, fn: FunctionRef | None, call: Call, makers: tuple[str, ...]) -> bool:
        """Is the receiver of `call` (`engine` of `engine.connect()`) an object only this
        function holds, and is what the call returns kept here too? The receiver: a local
        made here by one of `makers` (a library constructor, not a factory that may hand
        out a shared pool), never a parameter or a global, that the function neither
        passes on, stores, nor returns, and that no function nested in it (a closure a
        child may run) names. Then no child can reach the pool or the connection after a
        fork."""
        if fn is None:
            return False  # module-level: every child's code may use it
        facts = fn.facts
        if not self._kept_here(module, fn, call):
            return False
        func = call.func
        if isinstance(func, Attr):  # `create_engine(url).connect()`: a temporary nobody else holds
            return isinstance(func.value, Call) and self._made_by(module, fn, func.value, makers)
        if not isinstance(func, Dotted) or func.name.count(".") != 1:
            return False
        name = func.name.partition(".")[0]
        if name in facts.params or name in facts.global_names:
            return False
        assigned = [a.value for a in facts.assigns if a.target == name]
        if not assigned or not all(isinstance(v, Call) and self._made_by(module, fn, v, makers) for v in assigned):
            return False
        return not self._escapes(module, fn, name)

    def _kept_here(self, module: Module, fn: FunctionRef, call: Call) -> bool:
        """Is the result of `call` dropped, or held by a local that does not escape?"""
        facts = fn.facts
        if any(r is call or _contains(r, call) for r in facts.returns):
            return False
        for assign in facts.assigns:
            if assign.value is call or _contains(assign.value, call):
                target = assign.target
                if "." in target or target in facts.global_names or self._escapes(module, fn, target):
                    return False
        return not any(c is not call and _contains(c, call) for c in facts.calls)  # passed on

    def _escapes(self, module: Module, fn: FunctionRef, name: str) -> bool:
        """Does the local `name` leave the function: passed on, stored, returned, or named
        by a nested function?"""
        facts = fn.facts
        values = [*facts.calls, *(a.value for a in facts.assigns), *facts.returns]
        if any(_names(value, name, calls=False) for value in values):
            return True
        nested = [f for f in module.facts.functions if f.qualname.startswith(f"{facts.qualname}.")]
        return any(_names(value, name, calls=True) for inner in nested
                   for value in (*inner.calls, *(a.value for a in inner.assigns), *inner.returns))

    def _made_by(self, module: Module, fn: FunctionRef, call: Call, makers: tuple[str, ...]) -> bool:
        """Is `call` one of the constructors that make a new, private object?"""
        return self.project.resolve(module, fn.facts, call.func) in makers

    def import_cost(self, module: str) -> Cost:
        """What importing third-party `module` costs a child whose parent never imported it:
        measured here where it is installed, else the catalogue's figure for its package,
        else unknown (never dropped as noise)."""
        measured = self.import_times.cold_ms(module)
        if measured is not None:
            return Cost(measured, 0.0, "measured", per_call=True)
        entry = self._by_api.get(module) or self._by_api.get(module.split(".")[0])
        if entry is not None and entry.kind == "import-cost":
            return Cost(entry.cold_ms, entry.warm_ms, "catalogue")
        return Cost(0.0, 0.0, "catalogue")

    def floor_ms(self, job: Job | None = None) -> float:
        """The saving under which a finding is noise (0 with --show-cheap): `min-cost-ms` for
        work redone by every job, `min-cost-per-child-ms` for work a long-lived child pays
        once and reuses for all the jobs it runs."""
        config = self.project.config
        if job is not None and job.fork.kind == PER_CHILD:
            return config.min_cost_per_child_ms
        return config.min_cost_ms

    def worth_reporting(self, cost: Cost, job: Job | None = None) -> bool:
        """Saves at least the floor for how often `job`'s child pays it (work redone by every
        call is paid by every job, whatever the child's life); an unmeasured cost (a model
        file's size decides it) is never dropped as noise."""
        if not cost.known:
            return True
        floor = self.project.config.min_cost_ms if cost.every_call else self.floor_ms(job)
        return cost.saving_ms >= floor

    def parent_warmed(self, parent: Parent, entry: Entry) -> bool:
        """Did the parent call any of the entry's APIs before the fork (a lazy one, which
        does the work only when its result is used, does not count)?"""
        apis = set(entry.apis) - set(entry.lazy_apis)
        return any(self.catalogue.api_name(name) in apis for name in parent.called_names())

    # -- helpers for building diagnostics --------------------------------------------------

    @staticmethod
    def how_often(job: Job) -> str:
        return f"in every {job.fork.child}" if job.fork.kind == PER_JOB else f"once per {job.fork.child}"

    def chain(self, reached: Reached, line: int) -> tuple[ChainLink, ...]:
        links = [ChainLink(h.function.qualified, h.function.module.display, h.line) for h in reached.hops]
        links.append(ChainLink(reached.function.qualified, reached.function.module.display, line))
        return tuple(links)

    @staticmethod
    def chain_text(reached: Reached, line: int) -> str:
        """`record_event (tasks.py:7) → Event.record (models/events.py:24)`."""
        steps = [(h.function, h.line) for h in reached.hops] + [(reached.function, line)]
        # "possibly": the call before it may run it (an override of the declared class's method).
        possible = [False] + [h.possible for h in reached.hops]
        return " → ".join(f"{'possibly ' if maybe else ''}{fn.facts.qualname} ({fn.module.display}:{at})"
                          for (fn, at), maybe in zip(steps, possible))

    def launch(self, job: Job) -> Launch | None:
        """The launch line (file and line known) that starts the job's parent, if one was read."""
        if not project_launches(self.project):
            return None  # no launch file: no parent to build for it
        launches = self.parent(job).launches
        return launches[0] if launches else None

    def parent_id(self, job: Job) -> str:
        """Which parent forks the job's children: what a parent-level fix changes (unique
        across the projects of one run)."""
        parent = self.parent(job)
        if parent.known and parent.places:
            return " | ".join(sorted({place.description for place in parent.places}))
        return f"{self.project.root}: the {job.adapter.title} worker's parent"

    def at_job(self, job: Job, code: str, name: str, message: str, chain: tuple[ChainLink, ...] = (),
               plan: FixPlan | None = None, group: str | None = None) -> Diagnostic:
        """A diagnostic reported at the job's `def` (name), silenced by noqa on its decorators too."""
        fn = job.function
        pos = fn.facts.name_pos
        return Diagnostic(
            code, name, message, fn.module.display, pos.line, pos.col, pos.end_line, pos.end_col,
            job=fn.qualified, chain=chain, fork_model=job.fork.kind,
            noqa_lines=tuple(range(fn.facts.pos.line, pos.line)), plan=plan, group=group,
        )


def _contains(value: Val, call: Call) -> bool:
    """Is `call` (that very fact) a part of `value`: an argument, an operand, an item?"""
    if value is call:
        return True
    if isinstance(value, Call):
        return any(_contains(part, call) for part in (value.func, *value.args, *(v for _, v in value.kwargs)))
    if isinstance(value, (Attr, Item)):
        return _contains(value.value if isinstance(value, Attr) else value.of, call)
    if isinstance(value, (Seq, Either)):
        return any(_contains(item, call) for item in (value.items if isinstance(value, Seq) else value.options))
    if isinstance(value, Mapping):
        return any(_contains(item, call) for item in (*(v for _, v in value.items), *value.others))
    if isinstance(value, Operation):
        return any(_contains(item, call) for item in value.operands)
    return False


def _names(value: Val, name: str, calls: bool) -> bool:
    """Does `value` use the local `name`: the name itself or an attribute of it, anywhere
    in it (with `calls`, also as the receiver of a method call: `name.connect()`)?"""
    if isinstance(value, Dotted):
        return value.name == name or value.name.startswith(f"{name}.")
    if isinstance(value, Call):
        parts = [*value.args, *(v for _, v in value.kwargs)]
        if calls or not isinstance(value.func, Dotted):
            parts.append(value.func)
        return any(_names(part, name, calls) for part in parts)
    if isinstance(value, Attr):
        return _names(value.value, name, calls)
    if isinstance(value, (Seq, Either)):
        return any(_names(item, name, calls) for item in (value.items if isinstance(value, Seq) else value.options))
    if isinstance(value, Mapping):
        return any(_names(item, name, calls) for item in (*(v for _, v in value.items), *value.others))
    if isinstance(value, Operation):
        return any(_names(item, name, calls) for item in value.operands)
    if isinstance(value, Item):
        return _names(value.of, name, calls)
    return False


# A name built from literals may take this many values at most (a product of loops).
_MAX_STRINGS = 32


def _union(found: list[tuple[str, ...] | None]) -> tuple[str, ...] | None:
    """Every value of each, in order; None when one is unknown or there are too many."""
    if any(f is None for f in found):
        return None
    merged = tuple(dict.fromkeys(v for f in found for v in f))  # type: ignore[union-attr]
    return merged if merged and len(merged) <= _MAX_STRINGS else None


def _product(parts: list[tuple[str, ...] | None], join: Callable[[tuple[str, ...]], str]) -> tuple[str, ...] | None:
    """`join` of every combination of the parts' values; None when one is unknown."""
    combos: list[tuple[str, ...]] = [()]
    for part in parts:
        if part is None:
            return None
        combos = [(*c, v) for c in combos for v in part]
        if len(combos) > _MAX_STRINGS:
            return None
    try:
        return _union([(join(c),) for c in combos])
    except (IndexError, KeyError, ValueError):  # a `.format` whose fields the arguments do not fill
        return None


def _argument(call: Call, item: int | str | tuple[int, str]) -> Val | None:
    """The argument a `constant-args` item names: by position, by keyword, or either."""
    if isinstance(item, tuple):
        return call.arg(*item)
    return call.arg(item) if isinstance(item, int) else call.kwarg(item)
