"""Create the schema and a demo organization/user, then enqueue N ``record_event`` jobs.

Usage: python enqueue.py N    (REDIS_URL and EVENTLOG_DB as for the worker)
"""

import sys
import time

from sqlalchemy import select

from eventlog.models import Base, Organization, User, make_engine, make_session
from eventlog.tasks import record_event


def ensure_demo_account() -> tuple[int, int]:
    """Create the tables, and one organization with one user if there is none; return their ids."""
    Base.metadata.create_all(make_engine())
    with make_session() as session:
        user = session.scalars(select(User).limit(1)).first()
        if user is None:
            org = Organization(name="Demo", slug="demo", settings={})
            user = User(org=org, name="Demo User", email="demo@example.com")
            session.add_all([org, user])
            session.commit()
        return user.org_id, user.id


def main(argv: list[str]) -> None:
    if len(argv) != 2 or not argv[1].isdigit():
        sys.exit("usage: python enqueue.py N")
    count = int(argv[1])
    org_id, user_id = ensure_demo_account()
    for i in range(count):
        # The same shape as Redash's record_event payload.
        record_event.delay({
            "action": "view",
            "timestamp": time.time(),
            "org_id": org_id,
            "user_id": user_id,
            "object_type": "dashboard",
            "object_id": i,
            "referrer": "benchmark",
        })
    print(f"enqueued {count} record_event jobs")


if __name__ == "__main__":
    main(sys.argv)
