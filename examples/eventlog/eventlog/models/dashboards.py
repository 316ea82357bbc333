"""Dashboards, their widgets, folders, shares and subscriptions."""

from datetime import datetime
from typing import TYPE_CHECKING, Any, Optional

from sqlalchemy import JSON, Column, DateTime, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import ArchivableMixin, Base, BelongsToOrgMixin, TimestampMixin

if TYPE_CHECKING:
    from .accounts import ApiKey, NotificationDestination, Organization, User
    from .queries import Tag, Visualization

# Many-to-many: the same Tag model labels dashboards too.
dashboard_tags = Table(
    "dashboard_tags",
    Base.metadata,
    Column("dashboard_id", ForeignKey("dashboards.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
)


class Folder(TimestampMixin, BelongsToOrgMixin, Base):
    __tablename__ = "folders"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("folders.id"))

    # Self-referential tree: remote_side says which end is the parent.
    parent: Mapped[Optional["Folder"]] = relationship(back_populates="children", remote_side=[id])
    children: Mapped[list["Folder"]] = relationship(back_populates="parent")
    dashboards: Mapped[list["Dashboard"]] = relationship(back_populates="folder")


class Dashboard(TimestampMixin, ArchivableMixin, Base):
    __tablename__ = "dashboards"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    folder_id: Mapped[Optional[int]] = mapped_column(ForeignKey("folders.id"))
    slug: Mapped[str] = mapped_column(String(140), index=True)
    name: Mapped[str] = mapped_column(String(100))
    layout: Mapped[list[Any]] = mapped_column(JSON, default=list)
    is_draft: Mapped[bool] = mapped_column(default=True, index=True)

    org: Mapped["Organization"] = relationship(back_populates="dashboards")
    user: Mapped["User"] = relationship(back_populates="dashboards")
    folder: Mapped[Optional["Folder"]] = relationship(back_populates="dashboards")
    widgets: Mapped[list["Widget"]] = relationship(back_populates="dashboard", cascade="all, delete-orphan")
    tags: Mapped[list["Tag"]] = relationship(secondary=dashboard_tags, back_populates="dashboards")
    filters: Mapped[list["DashboardFilter"]] = relationship(
        back_populates="dashboard", cascade="all, delete-orphan"
    )
    shares: Mapped[list["PublicShare"]] = relationship(back_populates="dashboard")
    subscriptions: Mapped[list["DashboardSubscription"]] = relationship(back_populates="dashboard")
    versions: Mapped[list["DashboardVersion"]] = relationship(back_populates="dashboard", lazy="dynamic")


class Widget(TimestampMixin, Base):
    __tablename__ = "widgets"

    id: Mapped[int] = mapped_column(primary_key=True)
    dashboard_id: Mapped[int] = mapped_column(ForeignKey("dashboards.id"), index=True)
    visualization_id: Mapped[Optional[int]] = mapped_column(ForeignKey("visualizations.id"))
    text: Mapped[Optional[str]] = mapped_column(Text)
    width: Mapped[int] = mapped_column(default=1)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    dashboard: Mapped["Dashboard"] = relationship(back_populates="widgets")
    visualization: Mapped[Optional["Visualization"]] = relationship(back_populates="widgets")


class DashboardFilter(Base):
    __tablename__ = "dashboard_filters"

    id: Mapped[int] = mapped_column(primary_key=True)
    dashboard_id: Mapped[int] = mapped_column(ForeignKey("dashboards.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    parameter: Mapped[str] = mapped_column(String(255))
    value: Mapped[Optional[Any]] = mapped_column(JSON)

    dashboard: Mapped["Dashboard"] = relationship(back_populates="filters")


class PublicShare(TimestampMixin, Base):
    """A public, read-only link to a dashboard, authenticated by an API key."""

    __tablename__ = "public_shares"

    id: Mapped[int] = mapped_column(primary_key=True)
    dashboard_id: Mapped[int] = mapped_column(ForeignKey("dashboards.id"), index=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    dashboard: Mapped["Dashboard"] = relationship(back_populates="shares")
    api_key: Mapped["ApiKey"] = relationship()
    created_by: Mapped["User"] = relationship()


class DashboardSubscription(TimestampMixin, BelongsToOrgMixin, Base):
    """A scheduled e-mail/Slack snapshot of a dashboard."""

    __tablename__ = "dashboard_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    dashboard_id: Mapped[int] = mapped_column(ForeignKey("dashboards.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    destination_id: Mapped[Optional[int]] = mapped_column(ForeignKey("notification_destinations.id"))
    schedule: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    dashboard: Mapped["Dashboard"] = relationship(back_populates="subscriptions")
    user: Mapped["User"] = relationship()
    destination: Mapped[Optional["NotificationDestination"]] = relationship()


class DashboardVersion(Base):
    __tablename__ = "dashboard_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    dashboard_id: Mapped[int] = mapped_column(ForeignKey("dashboards.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    dashboard: Mapped["Dashboard"] = relationship(back_populates="versions")
    user: Mapped["User"] = relationship()
