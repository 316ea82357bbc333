"""eventlog: a small Redash-shaped app whose background jobs run on RQ."""
