"""Run the production WSGI server (gunicorn: one worker process, several threads)."""

from __future__ import annotations

import logging
from typing import Any

from gunicorn.app.base import BaseApplication

from bot.config import Config

logger = logging.getLogger(__name__)

# One worker process: one scheduler, one Bolt listener pool, one SQLite writer (slack-bolt.md
# §1.3). Threads serve concurrent Slack and sipgate requests.
WORKERS = 1
THREADS = 8
GRACEFUL_TIMEOUT = 20


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    """gunicorn driven from Python, loading `bot.wsgi.create()` in the worker."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from bot.wsgi import create

        return create()


def _worker_exit(server: Any, worker: Any) -> None:
    """Stop the scheduler gracefully: running jobs finish, nothing new starts."""
    from flask import Flask

    from bot.app import services_of

    app = getattr(worker, "wsgi", None)
    if isinstance(app, Flask):
        services_of(app).scheduler.shutdown(wait=True)


def gunicorn_options(config: Config) -> dict[str, Any]:
    """The gunicorn settings `serve` and the Procfile use."""
    return {
        "bind": f"{config.host}:{config.port}",
        "workers": WORKERS,
        "worker_class": "gthread",
        "threads": THREADS,
        "timeout": 60,
        "graceful_timeout": GRACEFUL_TIMEOUT,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "worker_exit": _worker_exit,
        "proc_name": "sipgate-slack",
    }


def run_server(config: Config) -> int:
    """Serve until stopped (SIGTERM/SIGINT); return the exit status."""
    print(f"sipgate-slack listening on http://{config.host}:{config.port}", flush=True)
    _Gunicorn(gunicorn_options(config)).run()
    return 0
