"""SQLAlchemy mapped classes of a project, and where code uses the ORM."""

from __future__ import annotations

from dataclasses import dataclass

from .facts import Call, Dotted, Mapping
from .project import FunctionRef, Project

DECLARATIVE_BASES = frozenset(
    {
        "sqlalchemy.orm.declarative_base()", "sqlalchemy.ext.declarative.declarative_base()",
        "sqlalchemy.orm.decl_api.declarative_base()", "sqlalchemy.orm.registry().generate_base()",
        "sqlalchemy.orm.DeclarativeBase", "sqlalchemy.orm.DeclarativeBaseNoMeta",
        "sqlalchemy.orm.decl_api.DeclarativeBase", "flask_sqlalchemy.SQLAlchemy().Model",
        "flask_sqlalchemy.extension.SQLAlchemy().Model",
    }
)
BASE_CLASSES = frozenset(
    {"sqlalchemy.orm.DeclarativeBase", "sqlalchemy.orm.DeclarativeBaseNoMeta", "sqlalchemy.orm.decl_api.DeclarativeBase"}
)
MAPPED_DECORATORS = frozenset({"sqlalchemy.orm.registry().mapped", "sqlalchemy.orm.registry().mapped_as_dataclass"})
IMPERATIVE = frozenset({"sqlalchemy.orm.registry().map_imperatively", "sqlalchemy.orm.mapper"})
RELATIONSHIPS = frozenset(
    {
        "sqlalchemy.orm.relationship", "sqlalchemy.orm.relation", "sqlalchemy.orm.backref",
        "sqlalchemy.orm.relationships.relationship", "flask_sqlalchemy.SQLAlchemy().relationship",
        "flask_sqlalchemy.SQLAlchemy().backref", "flask_sqlalchemy.extension.SQLAlchemy().relationship",
    }
)
CONFIGURE = frozenset(
    {
        "sqlalchemy.orm.configure_mappers", "sqlalchemy.orm.mapper.configure_mappers",
        "sqlalchemy.orm.decl_api.configure_mappers", "sqlalchemy.orm.registry().configure",
    }
)
QUERY_FUNCTIONS = frozenset(
    {"sqlalchemy.select", "sqlalchemy.sql.select", "sqlalchemy.future.select", "sqlalchemy.orm.aliased",
     "sqlalchemy.orm.class_mapper", "sqlalchemy.orm.Query"}
)


@dataclass(frozen=True)
class OrmUse:
    function: FunctionRef
    call: Call
    what: str  # `Event(...)`, `select(User)`, `User.query`


class Models:
    """The project's mapped classes and which of them have relationships."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.mapped: dict[str, bool] = {}  # qualified class name -> has a relationship
        self.configure_targets = set(CONFIGURE)
        for cls in project.classes.values():
            if self._is_mapped(cls.qualified):
                self.mapped[cls.qualified] = self._has_relationship(cls.qualified)
        self._imperative()
        for name in list(self.mapped):
            # `Base.registry.configure()` configures that base's registry.
            self.configure_targets.add(f"{name}.registry.configure")
        for cls in project.classes.values():
            if any(b in DECLARATIVE_BASES for b in project.mro(cls.qualified)):
                self.configure_targets.add(f"{cls.qualified}.registry.configure")

    @property
    def any_relationships(self) -> bool:
        return any(self.mapped.values())

    def _is_mapped(self, qualified: str) -> bool:
        cls = self.project.classes[qualified]
        for decorator in cls.facts.decorators:
            if self.project.resolve(cls.module, None, decorator) in MAPPED_DECORATORS:
                return True
        if any(a.target == "__abstract__" for a in cls.facts.assigns):
            return False
        if not any(b in DECLARATIVE_BASES for b in self.project.mro(qualified)[1:]):
            return False
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
                if self.project.resolve(cls.module, None, call.func) in RELATIONSHIPS:
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
        project = self.project
        for call in fn.facts.calls:
            target = project.call_target(fn, fn.module, call)
            if target in self.mapped:
                return OrmUse(fn, call, f"{target.rpartition('.')[2]}(...)")
            if target in self.configure_targets:
                return OrmUse(fn, call, f"{call.source}()")
            if target is not None:
                for model in self.mapped:
                    if target.startswith(f"{model}.query"):
                        return OrmUse(fn, call, f"{model.rpartition('.')[2]}.query")
            is_query = target in QUERY_FUNCTIONS or (isinstance(call.func, Dotted) and call.func.name.endswith("query"))
            if is_query:
                for arg in call.args:
                    named = project.resolve(fn.module, fn.facts, arg)
                    if named is not None and (named in self.mapped or named.rpartition(".")[0] in self.mapped):
                        return OrmUse(fn, call, f"{call.source}({named.rpartition('.')[2]})")
        return None


def _declares_table(assigns) -> bool:
    return any(a.target in ("__tablename__", "__table__") for a in assigns)
