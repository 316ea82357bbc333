"""Organizations, users, groups and what hangs off a user account."""

from typing import TYPE_CHECKING, Any, Optional

from sqlalchemy import JSON, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import ArchivableMixin, Base, BelongsToOrgMixin, TimestampMixin

if TYPE_CHECKING:
    from .dashboards import Dashboard
    from .events import Alert, AlertSubscription, Event
    from .queries import DataSource, DataSourceGroup, Query

# Many-to-many: a user is in several groups, a group has many users.
user_groups = Table(
    "user_groups",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
)


class Organization(TimestampMixin, Base):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    slug: Mapped[str] = mapped_column(String(255), unique=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    users: Mapped[list["User"]] = relationship(back_populates="org")
    groups: Mapped[list["Group"]] = relationship(back_populates="org")
    data_sources: Mapped[list["DataSource"]] = relationship(back_populates="org")
    dashboards: Mapped[list["Dashboard"]] = relationship(back_populates="org")
    events: Mapped[list["Event"]] = relationship(back_populates="org", lazy="dynamic")


class Group(TimestampMixin, Base):
    __tablename__ = "groups"

    BUILTIN = "builtin"
    REGULAR = "regular"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(20), default=REGULAR)
    permissions: Mapped[list[str]] = mapped_column(JSON, default=list)

    org: Mapped["Organization"] = relationship(back_populates="groups")
    users: Mapped[list["User"]] = relationship(secondary=user_groups, back_populates="groups")
    data_sources: Mapped[list["DataSourceGroup"]] = relationship(
        back_populates="group", cascade="all, delete-orphan"
    )


class User(TimestampMixin, ArchivableMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(320))
    email: Mapped[str] = mapped_column(String(320), index=True)
    password_hash: Mapped[Optional[str]] = mapped_column(String(128))
    profile_image_url: Mapped[Optional[str]] = mapped_column(String(320))

    org: Mapped["Organization"] = relationship(back_populates="users")
    groups: Mapped[list["Group"]] = relationship(secondary=user_groups, back_populates="users")
    api_keys: Mapped[list["ApiKey"]] = relationship(back_populates="user")
    favorites: Mapped[list["Favorite"]] = relationship(back_populates="user", cascade="all, delete-orphan")
    settings: Mapped[Optional["UserSetting"]] = relationship(back_populates="user", uselist=False)
    destinations: Mapped[list["NotificationDestination"]] = relationship(back_populates="user")
    queries: Mapped[list["Query"]] = relationship(
        back_populates="user", foreign_keys="Query.user_id"
    )
    dashboards: Mapped[list["Dashboard"]] = relationship(back_populates="user")
    alerts: Mapped[list["Alert"]] = relationship(back_populates="user")
    events: Mapped[list["Event"]] = relationship(back_populates="user", lazy="dynamic")


class ApiKey(TimestampMixin, BelongsToOrgMixin, Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    api_key: Mapped[str] = mapped_column(String(255), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))

    user: Mapped[Optional["User"]] = relationship(back_populates="api_keys")


class Invitation(TimestampMixin, BelongsToOrgMixin, Base):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    group_id: Mapped[Optional[int]] = mapped_column(ForeignKey("groups.id"))

    invited_by: Mapped["User"] = relationship()
    group: Mapped[Optional["Group"]] = relationship()


class AccessPermission(Base):
    """A grant of view/modify access on one object (a query or a dashboard) to a user."""

    __tablename__ = "access_permissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(String(255))
    object_id: Mapped[int]
    access_type: Mapped[str] = mapped_column(String(255))
    grantor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    grantee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    # Two foreign keys to the same table: each relationship must say which one it follows.
    grantor: Mapped["User"] = relationship(foreign_keys=[grantor_id])
    grantee: Mapped["User"] = relationship(foreign_keys=[grantee_id])


class Favorite(TimestampMixin, BelongsToOrgMixin, Base):
    __tablename__ = "favorites"

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(String(255))
    object_id: Mapped[int]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    user: Mapped["User"] = relationship(back_populates="favorites")


class NotificationDestination(TimestampMixin, BelongsToOrgMixin, Base):
    """Where alerts go: an e-mail address, a Slack channel, a webhook."""

    __tablename__ = "notification_destinations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(255))
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    user: Mapped["User"] = relationship(back_populates="destinations")
    subscriptions: Mapped[list["AlertSubscription"]] = relationship(back_populates="destination")


class UserSetting(Base):
    __tablename__ = "user_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    preferences: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    user: Mapped["User"] = relationship(back_populates="settings")
