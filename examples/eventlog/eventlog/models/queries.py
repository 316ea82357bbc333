"""Data sources, queries, their results and visualizations."""

from datetime import datetime
from typing import TYPE_CHECKING, Any, Optional

from sqlalchemy import JSON, Column, DateTime, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import ArchivableMixin, Base, BelongsToOrgMixin, TimestampMixin

if TYPE_CHECKING:
    from .accounts import Group, Organization, User
    from .dashboards import Dashboard, Widget
    from .events import Alert

# Many-to-many: queries are tagged ("finance", "weekly", ...), a tag labels many queries.
query_tags = Table(
    "query_tags",
    Base.metadata,
    Column("query_id", ForeignKey("queries.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
)


class DataSource(TimestampMixin, Base):
    __tablename__ = "data_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(255))
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    queue_name: Mapped[str] = mapped_column(String(255), default="queries")

    org: Mapped["Organization"] = relationship(back_populates="data_sources")
    groups: Mapped[list["DataSourceGroup"]] = relationship(
        back_populates="data_source", cascade="all, delete-orphan"
    )
    queries: Mapped[list["Query"]] = relationship(back_populates="data_source")
    query_results: Mapped[list["QueryResult"]] = relationship(back_populates="data_source")


class DataSourceGroup(Base):
    """Association object: which group may use a data source, and whether only to view."""

    __tablename__ = "data_source_groups"

    data_source_id: Mapped[int] = mapped_column(ForeignKey("data_sources.id"), primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), primary_key=True)
    view_only: Mapped[bool] = mapped_column(default=False)

    data_source: Mapped["DataSource"] = relationship(back_populates="groups")
    group: Mapped["Group"] = relationship(back_populates="data_sources")


class QueryResult(BelongsToOrgMixin, Base):
    __tablename__ = "query_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    data_source_id: Mapped[int] = mapped_column(ForeignKey("data_sources.id"))
    query_hash: Mapped[str] = mapped_column(String(32), index=True)
    query_text: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    runtime: Mapped[float]
    retrieved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    data_source: Mapped["DataSource"] = relationship(back_populates="query_results")


class Query(TimestampMixin, ArchivableMixin, BelongsToOrgMixin, Base):
    __tablename__ = "queries"

    id: Mapped[int] = mapped_column(primary_key=True)
    data_source_id: Mapped[Optional[int]] = mapped_column(ForeignKey("data_sources.id"))
    latest_query_data_id: Mapped[Optional[int]] = mapped_column(ForeignKey("query_results.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    last_modified_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[Optional[str]] = mapped_column(String(4096))
    query_text: Mapped[str] = mapped_column(Text)
    query_hash: Mapped[str] = mapped_column(String(32))
    schedule: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)
    is_draft: Mapped[bool] = mapped_column(default=True, index=True)

    data_source: Mapped[Optional["DataSource"]] = relationship(back_populates="queries")
    latest_query_data: Mapped[Optional["QueryResult"]] = relationship()
    user: Mapped["User"] = relationship(back_populates="queries", foreign_keys=[user_id])
    last_modified_by: Mapped[Optional["User"]] = relationship(foreign_keys=[last_modified_by_id])
    visualizations: Mapped[list["Visualization"]] = relationship(
        back_populates="query", cascade="all, delete-orphan"
    )
    tags: Mapped[list["Tag"]] = relationship(secondary=query_tags, back_populates="queries")
    parameters: Mapped[list["QueryParameter"]] = relationship(
        back_populates="query", cascade="all, delete-orphan", order_by="QueryParameter.position"
    )
    versions: Mapped[list["QueryVersion"]] = relationship(
        back_populates="query", order_by="QueryVersion.id.desc()", lazy="dynamic"
    )
    scheduled_runs: Mapped[list["ScheduledRun"]] = relationship(back_populates="query")
    alerts: Mapped[list["Alert"]] = relationship(back_populates="query")


class QueryVersion(Base):
    """One saved edit of a query (who changed what)."""

    __tablename__ = "query_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    query_id: Mapped[int] = mapped_column(ForeignKey("queries.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    change: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    query: Mapped["Query"] = relationship(back_populates="versions")
    user: Mapped["User"] = relationship()


class Visualization(TimestampMixin, Base):
    __tablename__ = "visualizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    query_id: Mapped[int] = mapped_column(ForeignKey("queries.id"), index=True)
    type: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[Optional[str]] = mapped_column(String(4096))
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    query: Mapped["Query"] = relationship(back_populates="visualizations")
    widgets: Mapped[list["Widget"]] = relationship(back_populates="visualization")


class QuerySnippet(TimestampMixin, BelongsToOrgMixin, Base):
    __tablename__ = "query_snippets"

    id: Mapped[int] = mapped_column(primary_key=True)
    trigger: Mapped[str] = mapped_column(String(255), unique=True)
    description: Mapped[Optional[str]] = mapped_column(Text)
    snippet: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    user: Mapped["User"] = relationship()


class Tag(BelongsToOrgMixin, Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)

    queries: Mapped[list["Query"]] = relationship(secondary=query_tags, back_populates="tags")
    # The association table is defined with the dashboards; "dashboard_tags" is looked
    # up in the metadata when the mappers are configured.
    dashboards: Mapped[list["Dashboard"]] = relationship(secondary="dashboard_tags", back_populates="tags")


class QueryParameter(Base):
    __tablename__ = "query_parameters"

    id: Mapped[int] = mapped_column(primary_key=True)
    query_id: Mapped[int] = mapped_column(ForeignKey("queries.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(50), default="text")
    value: Mapped[Optional[Any]] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(default=0)

    query: Mapped["Query"] = relationship(back_populates="parameters")


class ScheduledRun(Base):
    """One execution of a scheduled query, kept for the "last runs" page."""

    __tablename__ = "scheduled_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    query_id: Mapped[int] = mapped_column(ForeignKey("queries.id"), index=True)
    query_result_id: Mapped[Optional[int]] = mapped_column(ForeignKey("query_results.id"))
    status: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))

    query: Mapped["Query"] = relationship(back_populates="scheduled_runs")
    query_result: Mapped[Optional["QueryResult"]] = relationship()
