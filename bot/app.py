"""The application factory: the only place the parts are wired together."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask, Response, request
from slack_bolt import App
from slack_sdk import WebClient

from bot.clients import build_slack_client, utc_now
from bot.config import Config
from bot.scheduler import Scheduler
from bot.services import Services, build_services
from bot.sipgate import SipgateClient
from bot.storage import Storage, open_storage
from handlers import register_all
from handlers.slack_request import dispatch

SERVICES_KEY = "sipgate_slack"
LISTENERS_KEY = "sipgate_slack.listeners"


class ListenerPool(ThreadPoolExecutor):
    """Bolt's listener pool, counting listeners in flight so tests can wait for them."""

    def __init__(self, max_workers: int) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix="bolt")
        self._in_flight = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._idle:
            self._in_flight += 1
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._finished(None)
            raise
        future.add_done_callback(self._finished)
        return future

    def _finished(self, _: object) -> None:
        with self._idle:
            self._in_flight -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no listener is running; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout)


def build_scheduler(config: Config) -> Scheduler:
    """The scheduler, owning the database's lock file."""
    lock = None if config.database_path == ":memory:" else config.database_path + ".scheduler.lock"
    return Scheduler(lock_path=lock, sweep_interval=config.sweep_seconds)


def create_app(
    config: Config,
    *,
    storage: Storage | None = None,
    sipgate: SipgateClient | None = None,
    slack: WebClient | None = None,
    scheduler: Scheduler | None = None,
    clock: Callable[[], datetime] = utc_now,
    role: str = "all",
) -> Flask:
    """Build the Flask app with Bolt at /slack/events; the caller starts the scheduler.

    `role="web"` leaves push events to the notifier process (bot.notifier, started by serve).
    """
    storage = storage or open_storage(config.database_path)
    sipgate = sipgate or SipgateClient(
        config.sipgate_api_url, config.sipgate_token_id, config.sipgate_token
    )
    slack = slack or build_slack_client(config)
    scheduler = scheduler or build_scheduler(config)
    services = build_services(
        config,
        storage=storage,
        sipgate=sipgate,
        slack=slack,
        scheduler=scheduler,
        clock=clock,
        role=role,
    )
    listeners = ListenerPool(max_workers=16)
    bolt_logger = logging.getLogger("bot.slack")
    if bolt_logger.level < logging.WARNING:
        # Bolt copies this level into its middleware loggers now, at App(); RequestVerification
        # logs the whole body of every badly signed request at INFO (slack-bolt.md §1.2).
        bolt_logger.setLevel(logging.WARNING)
    bolt_app = App(
        client=slack,
        signing_secret=config.slack_signing_secret,
        # A WARNING-level logger keeps Bolt from logging request bodies at INFO (§1.2).
        logger=bolt_logger,
        # Don't call auth.test at start-up: the server must come up even if Slack is down.
        token_verification_enabled=False,
        listener_executor=listeners,
    )
    flask_app = Flask("sipgate_slack", root_path=str(Path(__file__).parent))
    flask_app.extensions[SERVICES_KEY] = services
    flask_app.extensions[LISTENERS_KEY] = listeners

    @flask_app.post("/slack/events")
    def slack_events() -> Response:
        return dispatch(bolt_app, request)

    register_all(bolt_app, flask_app, services)
    return flask_app


def listeners_of(flask_app: Flask) -> ListenerPool:
    """The Bolt listener pool of a Flask app built by create_app."""
    pool: ListenerPool = flask_app.extensions[LISTENERS_KEY]
    return pool


def services_of(flask_app: Flask) -> Services:
    """The Services a Flask app was built with."""
    services: Services = flask_app.extensions[SERVICES_KEY]
    return services
