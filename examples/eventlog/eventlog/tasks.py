"""Background jobs, as Redash's ``redash/tasks/general.py``."""

from typing import Any

from eventlog.models import Event, make_session
from eventlog.worker import job


@job("events")
def record_event(raw_event: dict[str, Any]) -> None:
    """Store one user-activity event; the web app enqueues one per page view or edit."""
    with make_session() as session:
        Event.record(session, raw_event)
        session.commit()
