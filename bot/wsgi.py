"""Production entry point: build the app from the real environment and start the scheduler."""

from __future__ import annotations

import atexit
import logging
import os
from pathlib import Path

from flask import Flask

from bot.app import create_app, services_of
from bot.config import Config
from bot.logs import setup_logging
from bot.notifier import Supervisor

logger = logging.getLogger(__name__)


def create() -> Flask:
    """Build the app (gunicorn: `bot.wsgi:create()`), start its scheduler, stop it at exit."""
    config = Config.from_env(os.environ, env_file=Path.cwd() / ".env")
    setup_logging(
        os.environ.get("LOG_LEVEL", "INFO"),
        secrets=[config.slack_bot_token, config.slack_signing_secret, config.sipgate_token],
    )
    # A served bot applies push events in a notifier process (bot.notifier); an in-memory
    # database cannot be shared with it, so then everything stays in this process.
    role = "all" if config.database_path == ":memory:" else "web"
    app = create_app(config, role=role)
    services = services_of(app)
    if role == "web":
        # The scheduler's owner runs the notifier: from the start, or once it takes over.
        supervisor = Supervisor()
        services.scheduler.add_owner_hook(supervisor.start)
        services.scheduler.add_shutdown_hook(supervisor.stop)
    owner = services.scheduler.start()
    logger.info(
        "sipgate-slack ready (pid %s, scheduler %s, database %s)",
        os.getpid(),
        "owner" if owner else "follower",
        config.database_path,
    )
    atexit.register(services.scheduler.shutdown)
    return app
