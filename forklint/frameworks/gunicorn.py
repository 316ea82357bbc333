"""gunicorn: a pre-fork server, not a job runner; only its launch line is read.

Its arbiter imports the app before forking only with `--preload`; workers are
replaced every `--max-requests` requests. No jobs, so no findings of its own yet:
the launch line says whether web workers inherit the app (for a later rule).
"""

from __future__ import annotations

from typing import Sequence

from .base import Adapter, Launch, as_int, options, program


class Gunicorn(Adapter):
    name = "gunicorn"
    title = "gunicorn"
    flavours = ()

    def launch(self, argv: Sequence[str]) -> Launch | None:
        """`gunicorn app.wsgi:application -w 4 -k gthread --preload --max-requests 1000`."""
        prog, args = program(argv)
        if prog != "gunicorn":
            return None
        found, words = options(args, {"-w": "workers", "--workers": "workers", "-k": "class",
                                      "--worker-class": "class", "--max-requests": "max", "-b": "bind",
                                      "--bind": "bind", "-c": "config", "--config": "config", "-t": "timeout",
                                      "--timeout": "timeout", "--threads": "threads", "--chdir": "chdir",
                                      "--max-requests-jitter": "jitter", "--log-level": "level",
                                      "--access-logfile": "log", "--error-logfile": "log"},
                               frozenset({"--preload", "--reload", "-D", "--daemon"}))
        return Launch("gunicorn", app=words[0] if words else None, settings_module=found.get("config"),
                      pool=found.get("class"), concurrency=as_int(found.get("workers")),
                      max_tasks_per_child=as_int(found.get("max")), preload="--preload" in found)
