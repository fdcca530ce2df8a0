"""Run the production WSGI server: worker processes with threads, granian or gunicorn.

Both servers get the same guarantees: one worker process by default (`serve --workers N` or
`WEB_CONCURRENCY` asks for more), threads for concurrent Slack and sipgate requests, and a
graceful stop on SIGTERM/SIGINT in which every worker answers the requests in flight and its
scheduler lets running jobs finish (`Scheduler.shutdown(wait=True)`) before the worker exits.

Several workers share one SQLite database safely: the schema is migrated once, here, before any
worker starts (two workers migrating a new database at once would both create the same tables);
exactly one worker owns the scheduler's file lock and runs the resume sweeps (bot/scheduler.py);
and every job claims its row in a transaction before acting, so a scheduled SMS that two workers
both hold a job for is sent once. An in-memory database cannot be shared, so it allows only one
worker. The benchmark serves its floor app through `serve_app` too, so it gets the same settings.
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing.util
import os
import sqlite3
import sys
from collections.abc import Callable
from typing import Any

from flask import Flask

from bot.config import Config
from bot.storage import open_storage

logger = logging.getLogger(__name__)

DEFAULT_WORKERS = 1
# Each worker holds 8 threads, a scheduler and a database connection; beyond this many, SQLite's
# single writer is the limit, not the CPU.
MAX_WORKERS = 16
THREADS = 8
GRACEFUL_TIMEOUT = 20
SERVERS = ("gunicorn", "granian")
# granian: measured clearly faster than gunicorn for the bot itself, not only for a bare app
# (README, Benchmark), with the same guarantees; `serve --server gunicorn` stays available.
DEFAULT_SERVER = "granian"
BOT_FACTORY = "bot.wsgi:create"


def load_factory(target: str) -> Callable[[], Any]:
    """The app factory named "module:function"."""
    module, _, name = target.partition(":")
    factory: Callable[[], Any] = getattr(importlib.import_module(module), name)
    return factory


def stop_scheduler(app: Any) -> None:
    """Stop the bot's scheduler gracefully: running jobs finish, nothing new starts."""
    from bot.app import SERVICES_KEY, services_of

    if isinstance(app, Flask) and SERVICES_KEY in app.extensions:
        services_of(app).scheduler.shutdown(wait=True)


# ----- gunicorn -----------------------------------------------------------------------------------


def _gunicorn_app(factory: str, options: dict[str, Any]) -> Any:
    from gunicorn.app.base import BaseApplication

    class _Gunicorn(BaseApplication):  # type: ignore[misc]
        """gunicorn driven from Python, calling the factory in the worker."""

        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return load_factory(factory)()

    return _Gunicorn()


def _worker_exit(server: Any, worker: Any) -> None:
    stop_scheduler(getattr(worker, "wsgi", None))


def gunicorn_options(host: str, port: int, workers: int = DEFAULT_WORKERS) -> dict[str, Any]:
    """The gunicorn settings: gthread, `workers` processes of THREADS threads each."""
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
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


# ----- granian ------------------------------------------------------------------------------------

# The worker reads the factory from the environment: it is inherited whether granian forks or
# spawns its worker process.
FACTORY_VARIABLE = "SIPGATE_SLACK_APP_FACTORY"


def granian_factory() -> Any:
    """Build the app in granian's worker and stop its scheduler when the worker exits.

    granian runs the app in a multiprocessing child that leaves through os._exit, so the atexit
    handler of bot.wsgi never runs there; multiprocessing's own finalizers do, after the server
    has stopped taking requests and has answered those in flight. Without this the job threads
    would still be joined, but the scheduler could start a job due in that very moment.
    """
    app = load_factory(os.environ.get(FACTORY_VARIABLE, BOT_FACTORY))()
    multiprocessing.util.Finalize(app, stop_scheduler, args=(app,), exitpriority=10)
    return app


def granian_options(host: str, port: int, workers: int = DEFAULT_WORKERS) -> dict[str, Any]:
    """The granian settings: WSGI, `workers` processes of THREADS blocking threads each."""
    from granian.constants import Interfaces
    from granian.log import LogLevels

    return {
        "address": host,
        "port": port,
        "interface": Interfaces.WSGI,
        "workers": workers,
        "blocking_threads": THREADS,
        "factory": True,
        "log_level": LogLevels.warning,
        "log_access": False,
        # Like gunicorn: a crashed worker is replaced, a stuck one is killed after the grace time.
        "respawn_failed_workers": True,
        "workers_kill_timeout": GRACEFUL_TIMEOUT,
    }


def _serve_granian(factory: str, host: str, port: int, workers: int) -> None:
    from granian.server import Server

    os.environ[FACTORY_VARIABLE] = factory
    Server("bot.server:granian_factory", **granian_options(host, port, workers)).serve()


# ----- entry points -------------------------------------------------------------------------------


def workers_problem(workers: int, config: Config, source: str = "--workers") -> str | None:
    """Why this many worker processes cannot serve the bot, or None when they can."""
    if not DEFAULT_WORKERS <= workers <= MAX_WORKERS:
        return f"{source} must be a whole number from 1 to {MAX_WORKERS} (got {workers})"
    if workers > 1 and config.database_path == ":memory:":
        return (
            "DATABASE_PATH=:memory: gives every worker its own empty database; use a file "
            "(e.g. data/sipgate-slack.db) or --workers 1"
        )
    return None


def serve_app(
    factory: str,
    host: str,
    port: int,
    server: str = DEFAULT_SERVER,
    workers: int = DEFAULT_WORKERS,
) -> int:
    """Serve the app built by `factory` ("module:function") until SIGTERM/SIGINT."""
    if server not in SERVERS:
        raise ValueError(f"server must be one of {SERVERS}, not {server!r}")
    if server == "granian":
        _serve_granian(factory, host, port, workers)
    else:
        _gunicorn_app(factory, gunicorn_options(host, port, workers)).run()
    return 0


def run_server(config: Config, server: str = DEFAULT_SERVER, workers: int = DEFAULT_WORKERS) -> int:
    """Serve the bot until stopped (SIGTERM/SIGINT); return the exit status."""
    problem = workers_problem(workers, config)
    if problem:
        raise ValueError(problem)
    # Migrate here, once, before the workers start: each worker then finds the schema current.
    try:
        open_storage(config.database_path).close()
    except (OSError, sqlite3.Error) as exc:
        print(f"Cannot open DATABASE_PATH {config.database_path!r}: {exc}", file=sys.stderr)
        return 2
    plural = "" if workers == 1 else "es"
    print(
        f"sipgate-slack listening on http://{config.host}:{config.port} "
        f"({server}, {workers} worker process{plural})",
        flush=True,
    )
    return serve_app(BOT_FACTORY, config.host, config.port, server, workers)
