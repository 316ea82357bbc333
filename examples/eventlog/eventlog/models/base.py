"""Declarative base, model mixins and the database session factory.

Nothing here touches the database at import time: ``make_engine()`` builds the engine
when it is called, in the process that calls it. An RQ work horse therefore opens its
own SQLite connection after the fork instead of inheriting one from the worker.
"""

import os
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import DateTime, ForeignKey, create_engine, func
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, declared_attr, mapped_column, relationship

if TYPE_CHECKING:
    from .accounts import Organization


class Base(DeclarativeBase):
    """Declarative base of every eventlog model."""


def database_path() -> str:
    """The SQLite file: ``$EVENTLOG_DB``, or ``eventlog.db`` in the current directory."""
    return os.path.abspath(os.environ.get("EVENTLOG_DB", "eventlog.db"))


def make_engine() -> Engine:
    """A new engine for the configured database."""
    # Several work horses commit to the same file at once: wait for the lock rather
    # than fail with "database is locked".
    return create_engine(f"sqlite:///{database_path()}", connect_args={"timeout": 30})


def make_session() -> Session:
    """A new session on a new engine (one per job: the work horse exits afterwards)."""
    return Session(make_engine())


class TimestampMixin:
    """Creation and last-update times, set by the database."""

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class ArchivableMixin:
    """Soft delete: archived rows stay for the audit trail but leave the listings."""

    is_archived: Mapped[bool] = mapped_column(default=False, index=True)


class BelongsToOrgMixin:
    """A row owned by one organization (multi-tenant, as every Redash table)."""

    @declared_attr
    def org_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("organizations.id"), index=True)

    @declared_attr
    def org(cls) -> Mapped["Organization"]:
        return relationship("Organization")
