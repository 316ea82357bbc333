"""RQ plumbing shared by the web app (producer) and the jobs, as Redash's ``redash/worker.py``."""

import functools
import os

import redis
from rq.decorators import job as rq_job

# redis-py opens no socket until the first command, so building the client at import
# is cheap, and a forked work horse gets a fresh connection (the pool checks its pid).
redis_connection = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://localhost:6379/0"))

# The project's job decorator: ``@job("events")`` puts the function on that queue.
job = functools.partial(rq_job, connection=redis_connection, failure_ttl=7 * 24 * 3600)
