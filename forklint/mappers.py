"""SQLAlchemy mapped classes of a project, and where code uses the ORM."""

from __future__ import annotations

from dataclasses import dataclass

from .facts import Call, Dotted, Mapping
from .project import FunctionRef, Module, Project

# Flask-SQLAlchemy's extension object; projects often subclass it (`class MyDB(SQLAlchemy)`).
ORM_EXTENSIONS = frozenset({"flask_sqlalchemy.SQLAlchemy", "flask_sqlalchemy.extension.SQLAlchemy"})
# Names the extension object carries from `sqlalchemy.orm` (`db.relationship`, `db.backref`,
# `db.configure_mappers`): Flask-SQLAlchemy copies that module's public names onto it.
ORM_PROXIED = frozenset({"relationship", "relation", "backref", "configure_mappers", "mapper", "aliased"})
DECLARATIVE_BASES = frozenset(
    {
        "sqlalchemy.orm.declarative_base()", "sqlalchemy.ext.declarative.declarative_base()",
        "sqlalchemy.orm.decl_api.declarative_base()", "sqlalchemy.orm.registry().generate_base()",
        "sqlalchemy.orm.DeclarativeBase", "sqlalchemy.orm.DeclarativeBaseNoMeta",
        "sqlalchemy.orm.decl_api.DeclarativeBase", "sqlalchemy.orm.MappedAsDataclass",
        *(f"{extension}().Model" for extension in ORM_EXTENSIONS),
        # Flask-AppBuilder's declarative base (Superset and other FAB apps).
        "flask_appbuilder.Model", "flask_appbuilder.models.sqla.Model",
        # SQLModel maps the subclasses declared with `table=True` (see _is_mapped).
        "sqlmodel.SQLModel", "sqlmodel.main.SQLModel",
    }
)
BASE_CLASSES = frozenset(
    {"sqlalchemy.orm.DeclarativeBase", "sqlalchemy.orm.DeclarativeBaseNoMeta", "sqlalchemy.orm.decl_api.DeclarativeBase"}
)
# `@as_declarative()` makes the decorated class a declarative base.
AS_DECLARATIVE = frozenset(
    {"sqlalchemy.orm.as_declarative()", "sqlalchemy.ext.declarative.as_declarative()", "sqlalchemy.orm.decl_api.as_declarative()"}
)
SQLMODEL = frozenset({"sqlmodel.SQLModel", "sqlmodel.main.SQLModel"})
MAPPED_DECORATORS = frozenset({"sqlalchemy.orm.registry().mapped", "sqlalchemy.orm.registry().mapped_as_dataclass"})
IMPERATIVE = frozenset({"sqlalchemy.orm.registry().map_imperatively", "sqlalchemy.orm.mapper"})
RELATIONSHIPS = frozenset(
    {
        "sqlalchemy.orm.relationship", "sqlalchemy.orm.relation", "sqlalchemy.orm.backref",
        "sqlalchemy.orm.relationships.relationship", "sqlmodel.Relationship", "sqlmodel.main.Relationship",
    }
)
CONFIGURE = frozenset(
    {
        "sqlalchemy.orm.configure_mappers", "sqlalchemy.orm.mapper.configure_mappers",
        "sqlalchemy.orm.decl_api.configure_mappers", "sqlalchemy.orm.registry().configure",
        *(f"{extension}().configure_mappers" for extension in ORM_EXTENSIONS),
        # class_mapper() configures every mapper unless told not to; Flask-AppBuilder's
        # SQLAInterface(Model) calls it, so an app whose views build one at import (Superset)
        # has configured its mappers in the parent.
        "sqlalchemy.orm.class_mapper", "sqlalchemy.orm.base.class_mapper",
        "flask_appbuilder.models.sqla.interface.SQLAInterface",
    }
)
# Session methods that take a mapped class and so configure the mappers: `session.get(User, 1)`.
QUERY_METHODS = frozenset({"query", "get", "get_one", "bulk_insert_mappings", "bulk_update_mappings"})
QUERY_FUNCTIONS = frozenset(
    {"sqlalchemy.select", "sqlalchemy.sql.select", "sqlalchemy.future.select", "sqlalchemy.orm.aliased",
     "sqlalchemy.orm.class_mapper", "sqlalchemy.orm.Query"}
)


@dataclass(frozen=True)
class OrmUse:
    function: FunctionRef
    call: Call
    what: str  # `Event(...)`, `select(User)`, `User.query`
    model: str | None = None  # the mapped class it names, when it names one: its module is loaded by then


class Models:
    """The project's mapped classes and which of them have relationships."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.mapped: dict[str, bool] = {}  # qualified class name -> has a relationship
        self.configure_targets = set(CONFIGURE)
        self._extensions = {
            cls.qualified: extension
            for cls in project.classes.values()
            if (extension := next((b for b in project.mro(cls.qualified) if b in ORM_EXTENSIONS), None))
        }
        # `db.configure_mappers()` on a project subclass's instance configures too.
        self.configure_targets |= {f"{name}().configure_mappers" for name in self._extensions}
        self._bases = DECLARATIVE_BASES | {
            cls.qualified for cls in project.classes.values()
            if any(self.orm_name(self.project.resolve(cls.module, None, d) or "") in AS_DECLARATIVE for d in cls.facts.decorators)
        }
        for cls in project.classes.values():
            if self._is_mapped(cls.qualified):
                self.mapped[cls.qualified] = self._has_relationship(cls.qualified)
        self._imperative()
        for name in list(self.mapped):
            # `Base.registry.configure()` configures that base's registry.
            self.configure_targets.add(f"{name}.registry.configure")
        for cls in project.classes.values():
            if any(self.orm_name(b) in self._bases for b in project.mro(cls.qualified)):
                self.configure_targets.add(f"{cls.qualified}.registry.configure")

    @property
    def any_relationships(self) -> bool:
        return any(self.mapped.values())

    def orm_name(self, name: str) -> str:
        """`name` with a project subclass of an ORM extension read as the extension, and the
        extension's copies of `sqlalchemy.orm` names read as the originals."""
        head, dot, rest = name.partition("().")
        if not dot:
            return name
        head = self._extensions.get(head, head)
        if head not in ORM_EXTENSIONS:
            return name
        return f"sqlalchemy.orm.{rest}" if rest.partition(".")[0] in ORM_PROXIED else f"{head}().{rest}"

    def _resolve(self, module, value) -> str | None:
        name = self.project.resolve(module, None, value)
        return self.orm_name(name) if name else None

    def _is_mapped(self, qualified: str) -> bool:
        cls = self.project.classes[qualified]
        for decorator in cls.facts.decorators:
            if self._resolve(cls.module, decorator) in MAPPED_DECORATORS:
                return True
        if any(a.target == "__abstract__" for a in cls.facts.assigns):
            return False
        ancestors = [self.orm_name(b) for b in self.project.mro(qualified)[1:]]
        if not any(b in self._bases for b in ancestors):
            return False
        if any(b in SQLMODEL for b in ancestors):
            # Only `class Hero(SQLModel, table=True)` is mapped; without it, a pydantic model.
            return any(key == "table" and getattr(v, "value", None) is True for key, v in cls.facts.keywords)
        # `class Base(DeclarativeBase): pass` is the base itself, not a mapped class.
        direct = self.project.bases(cls)
        return not any(b in BASE_CLASSES for b in direct) or _declares_table(cls.facts.assigns)

    def _has_relationship(self, qualified: str) -> bool:
        for name in self.project.mro(qualified):
            cls = self.project.classes.get(name)
            if cls is None:
                continue
            calls = list(cls.facts.calls)
            for method in cls.facts.methods:
                fn = self.project.functions.get(f"{name}.{method}")
                if fn is not None:
                    calls.extend(fn.facts.calls)
            for call in calls:
                if self._resolve(cls.module, call.func) in RELATIONSHIPS:
                    return True
        return False

    def _imperative(self) -> None:
        for module in self.project.modules.values():
            for call in module.facts.calls:
                if self.project.call_target(None, module, call) not in IMPERATIVE or not call.args:
                    continue
                target = self.project.resolve(module, None, call.args[0])
                if target in self.project.classes:
                    properties = call.arg(2, "properties")
                    self.mapped[target] = isinstance(properties, Mapping) and any(
                        isinstance(v, Call) and self.project.resolve(module, None, v.func) in RELATIONSHIPS
                        for _, v in properties.items
                    )

    def orm_use(self, fn: FunctionRef) -> OrmUse | None:
        """The first call in `fn` that makes SQLAlchemy configure mappers."""
        for call in fn.facts.calls:
            found = self._configuring(fn, call, fn.module)
            if found is not None:
                return OrmUse(fn, call, *found)
        return None

    def configures(self, fn: FunctionRef | None, call: Call, module: Module | None = None) -> str | None:
        """How `call` (in `fn`, or at `module` level) makes SQLAlchemy configure every
        mapper defined so far: a model built or queried, `configure_mappers()`; None
        when it does not."""
        module = fn.module if fn is not None else module
        found = self._configuring(fn, call, module) if module is not None else None
        return found[0] if found is not None else None

    def _configuring(self, fn: FunctionRef | None, call: Call, module: Module) -> tuple[str, str | None] | None:
        """How `call` configures the mappers (see `configures`), and the mapped class it names."""
        project = self.project
        target = project.call_target(fn, module, call)
        if target in self.mapped:
            return f"{target.rpartition('.')[2]}(...)", target
        if target in self.configure_targets:
            return f"{call.source}()", None
        if target is not None and ".query" in target:
            for model in self.mapped:
                if target.startswith(f"{model}.query"):
                    return f"{model.rpartition('.')[2]}.query", model
        is_query = target in QUERY_FUNCTIONS or (
            isinstance(call.func, Dotted) and call.func.name.rpartition(".")[2] in QUERY_METHODS
        )
        if is_query:
            for arg in call.args:
                named = project.resolve(module, fn.facts if fn else None, arg)
                if named is not None and (named in self.mapped or named.rpartition(".")[0] in self.mapped):
                    model = named if named in self.mapped else named.rpartition(".")[0]
                    return f"{call.source}({named.rpartition('.')[2]})", model
        return None


def _declares_table(assigns) -> bool:
    return any(a.target in ("__tablename__", "__table__") for a in assigns)
