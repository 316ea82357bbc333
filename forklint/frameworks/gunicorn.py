"""gunicorn: a pre-fork server, not a job runner; only its launch line is read.

Its arbiter imports the app before forking only with `--preload`; workers are
replaced every `--max-requests` requests. No jobs, so no findings of its own yet:
the launch line says whether web workers inherit the app (for a later rule).
"""

from __future__ import annotations

from typing import Mapping as EnvMapping
from typing import Sequence

from .base import NO_ENV, Adapter, Launch, as_int, parse_args, program, spellings


class Gunicorn(Adapter):
    name = "gunicorn"
    title = "gunicorn"
    flavours = ()

    def launch(self, argv: Sequence[str], env: EnvMapping[str, str] = NO_ENV) -> Launch | None:
        """`gunicorn [-w N] [--preload] [-k CLASS] [-c CONFIG] [--max-requests N] APP`, with
        `GUNICORN_CMD_ARGS` and `WEB_CONCURRENCY` from the environment."""
        prog, args = program(argv)
        if prog not in ("gunicorn", "gunicorn.app.wsgiapp"):
            return None
        extra = env.get("GUNICORN_CMD_ARGS", "").split()
        parsed = parse_args([*extra, *args], _GUNICORN_VALUES, _GUNICORN_FLAGS)
        return Launch(
            "gunicorn",
            app=parsed.options.get("app") or (parsed.positional[-1] if parsed.positional else None),
            settings_module=parsed.options.get("settings"),
            pool=parsed.options.get("pool"),
            concurrency=as_int(parsed.options.get("concurrency") or env.get("WEB_CONCURRENCY")),
            max_tasks_per_child=as_int(parsed.options.get("max_requests")),
            preload="preload" in parsed.flags,
            forks=True,
        )


_GUNICORN_VALUES = spellings(
    concurrency="-w --workers",
    pool="-k --worker-class",
    settings="-c --config",
    max_requests="--max-requests",
    app="--paste --paster",
    other="-b --bind --threads -t --timeout --graceful-timeout --keep-alive --chdir -e --env --pythonpath "
    "--max-requests-jitter --log-level --access-logfile --error-logfile --log-config --log-file --access-logformat "
    "-n --name --pid -p -u --user -g --group -m --umask --worker-connections --backlog --forwarded-allow-ips "
    "--limit-request-line --limit-request-fields --limit-request-field_size --worker-tmp-dir --statsd-host "
    "--statsd-prefix --certfile --keyfile --ca-certs --proxy-allow-from --logger-class",
)
_GUNICORN_FLAGS = spellings(preload="--preload", flag="--reload -D --daemon --check-config --print-config "
                            "--capture-output --enable-stdio-inheritance --reuse-port --no-sendfile --spew")
