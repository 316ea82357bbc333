"""Alerts, notifications, outgoing webhooks and the user-activity event log."""

from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any, Optional

from sqlalchemy import JSON, Date, DateTime, ForeignKey, String, Text, func
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .base import Base, BelongsToOrgMixin, TimestampMixin

if TYPE_CHECKING:
    from .accounts import NotificationDestination, Organization, User
    from .queries import Query, QueryResult


class Alert(TimestampMixin, BelongsToOrgMixin, Base):
    __tablename__ = "alerts"

    UNKNOWN_STATE = "unknown"
    OK_STATE = "ok"
    TRIGGERED_STATE = "triggered"

    id: Mapped[int] = mapped_column(primary_key=True)
    query_id: Mapped[int] = mapped_column(ForeignKey("queries.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(255))
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(255), default=UNKNOWN_STATE)
    last_triggered_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    rearm: Mapped[Optional[int]]

    query: Mapped["Query"] = relationship(back_populates="alerts")
    user: Mapped["User"] = relationship(back_populates="alerts")
    subscriptions: Mapped[list["AlertSubscription"]] = relationship(
        back_populates="alert", cascade="all, delete-orphan"
    )
    evaluations: Mapped[list["AlertEvaluation"]] = relationship(back_populates="alert", lazy="dynamic")


class AlertSubscription(TimestampMixin, Base):
    __tablename__ = "alert_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    destination_id: Mapped[Optional[int]] = mapped_column(ForeignKey("notification_destinations.id"))

    alert: Mapped["Alert"] = relationship(back_populates="subscriptions")
    user: Mapped["User"] = relationship()
    destination: Mapped[Optional["NotificationDestination"]] = relationship(back_populates="subscriptions")


class AlertEvaluation(Base):
    __tablename__ = "alert_evaluations"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    query_result_id: Mapped[Optional[int]] = mapped_column(ForeignKey("query_results.id"))
    state: Mapped[str] = mapped_column(String(255))
    evaluated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    alert: Mapped["Alert"] = relationship(back_populates="evaluations")
    query_result: Mapped[Optional["QueryResult"]] = relationship()


class Notification(TimestampMixin, BelongsToOrgMixin, Base):
    """One message sent (or failed) to a destination."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    destination_id: Mapped[int] = mapped_column(ForeignKey("notification_destinations.id"))
    alert_id: Mapped[Optional[int]] = mapped_column(ForeignKey("alerts.id"))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    user: Mapped[Optional["User"]] = relationship()
    destination: Mapped["NotificationDestination"] = relationship()
    alert: Mapped[Optional["Alert"]] = relationship()


class Webhook(TimestampMixin, BelongsToOrgMixin, Base):
    """An outgoing webhook that receives selected events."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2048))
    secret: Mapped[Optional[str]] = mapped_column(String(255))
    actions: Mapped[list[str]] = mapped_column(JSON, default=list)

    deliveries: Mapped[list["WebhookDelivery"]] = relationship(back_populates="webhook", lazy="dynamic")


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    status_code: Mapped[Optional[int]]
    response: Mapped[Optional[str]] = mapped_column(Text)

    webhook: Mapped["Webhook"] = relationship(back_populates="deliveries")
    event: Mapped["Event"] = relationship()


class Event(Base):
    """One user action ("view dashboard 7"), recorded by a background job."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(255))
    object_type: Mapped[str] = mapped_column(String(255))
    object_id: Mapped[Optional[str]] = mapped_column(String(255))
    additional_properties: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    org: Mapped["Organization"] = relationship(back_populates="events")
    user: Mapped[Optional["User"]] = relationship(back_populates="events")

    @classmethod
    def record(cls, session: Session, data: dict[str, Any]) -> "Event":
        """Build an event from the raw dict the web app enqueued and add it to ``session``.

        Known keys become columns; whatever else the caller sent is kept in
        ``additional_properties``.
        """
        props = dict(data)
        object_id = props.pop("object_id", None)
        event = cls(
            org_id=props.pop("org_id"),
            user_id=props.pop("user_id", None),
            action=props.pop("action"),
            object_type=props.pop("object_type"),
            object_id=None if object_id is None else str(object_id),
            created_at=datetime.fromtimestamp(props.pop("timestamp"), tz=timezone.utc),
            additional_properties=props,
        )
        session.add(event)
        return event


class DailyEventCount(BelongsToOrgMixin, Base):
    """Per-day rollup of events, filled by a nightly job."""

    __tablename__ = "daily_event_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    action: Mapped[str] = mapped_column(String(255))
    count: Mapped[int] = mapped_column(default=0)
