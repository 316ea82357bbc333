"""Run one RQ worker on the "events" queue until it is empty (burst mode).

This is what ``rq worker --burst events`` does: the worker imports no application code
itself; every work horse it forks imports ``eventlog.tasks`` (and so SQLAlchemy and the
models) when it looks up the job function.
"""

import os

from redis import Redis
from rq import Queue, Worker


def main() -> None:
    connection = Redis.from_url(os.environ.get("REDIS_URL", "redis://localhost:6379/0"))
    worker = Worker([Queue("events", connection=connection)], connection=connection)
    worker.work(burst=True)


if __name__ == "__main__":
    main()
