"""The notifier process: applies stored push events and delivers call messages to Slack.

Why a process of its own: sipgate's webhook answer is the bot's hot path, and in one process the
threads that build call messages and talk to Slack take the GIL from the request threads; the
benchmark measured the webhook at about a third of its speed that way (README, Benchmark). So a
served bot (`sipgate-slack serve`) stores push events in the inbox table and answers at once,
and this process, started by the web worker that owns the scheduler, polls the inbox every
POLL_SECONDS, applies the events (bot.services.call_inbox) and delivers the outbox (bot.outbox).
Tests and the demo keep everything in one process (role "all").

The web worker supervises it: restarted with a back-off if it dies, stopped with SIGTERM (its
running deliveries finish) when the worker stops. It exits by itself when its parent is gone,
so a killed server never leaves it behind, and a restarted server applies what it left: every
event stays in the inbox until it is applied, and claims of a dead process are released.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from types import FrameType

from bot.clients import build_slack_client, utc_now
from bot.config import Config
from bot.logs import setup_logging
from bot.scheduler import Scheduler
from bot.services import build_services
from bot.sipgate import SipgateClient
from bot.storage import live_calls as calls_db
from bot.storage import open_storage

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.02
STOP_TIMEOUT = 20.0
RESTART_BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0)
CLEAN_EXIT_GRACE = 25.0  # longer than the worker's graceful stop (bot.server.GRACEFUL_TIMEOUT)


def main() -> int:
    """`python -m bot.notifier`: run until SIGTERM/SIGINT or until the parent process is gone."""
    config = Config.from_env(os.environ, env_file=Path.cwd() / ".env")
    setup_logging(
        os.environ.get("LOG_LEVEL", "INFO"),
        secrets=[config.slack_bot_token, config.slack_signing_secret, config.sipgate_token],
    )
    storage = open_storage(config.database_path)
    scheduler = Scheduler(lock_path=None, sweep_interval=config.sweep_seconds)
    sipgate = SipgateClient(config.sipgate_api_url, config.sipgate_token_id, config.sipgate_token)
    services = build_services(
        config,
        storage=storage,
        sipgate=sipgate,
        slack=build_slack_client(config),
        scheduler=scheduler,
        clock=utc_now,
        role="notifier",
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    parent = os.getppid()
    scheduler.start()
    logger.info("Notifier ready (pid %s)", os.getpid())
    while not stop.wait(POLL_SECONDS):
        if os.getppid() != parent:
            logger.warning("Notifier: the server process is gone; stopping")
            break
        if calls_db.inbox_waiting(storage):
            services.call_inbox.kick()
    scheduler.shutdown(wait=True)
    storage.close()
    return 0


class Supervisor:
    """Runs the notifier process for a web worker: start, restart when it dies, stop."""

    def __init__(self, command: list[str] | None = None) -> None:
        self.command = command or [sys.executable, "-m", "bot.notifier"]
        self.process: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._watch, name="notifier-supervisor", daemon=True)

    def start(self) -> None:
        """Start the process and the thread that restarts it."""
        self._spawn()
        self._thread.start()

    def stop(self) -> None:
        """SIGTERM the process and wait for it (running deliveries finish); SIGKILL if stuck."""
        with self._lock:  # after this no new process is spawned (see _spawn)
            self._stopping.set()
            process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            logger.error("Notifier did not stop within %.0f s; killing it", STOP_TIMEOUT)
            process.kill()
            process.wait()

    def _spawn(self) -> None:
        with self._lock:
            if self._stopping.is_set():
                return
            # Same process group as the server: stopping or killing the group stops it too.
            self.process = subprocess.Popen(self.command, close_fds=True)

    def _watch(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            process = self.process
            assert process is not None
            code = process.wait()
            if self._stopping.is_set():
                return
            if code in (0, -signal.SIGTERM):  # stopped, or SIGTERMed while starting
                # A clean stop: usually a SIGTERM to the whole group (systemd, docker stop) that
                # is stopping this worker too; restart only if the worker stays up.
                logger.info(
                    "Notifier stopped; restarting in %.0f s unless the server stops",
                    CLEAN_EXIT_GRACE,
                )
                delay = CLEAN_EXIT_GRACE
            else:
                delay = RESTART_BACKOFF[min(failures, len(RESTART_BACKOFF) - 1)]
                failures += 1
                logger.error("Notifier exited with status %s; restarting in %.0f s", code, delay)
            if self._stopping.wait(delay):
                return
            self._spawn()


if __name__ == "__main__":
    raise SystemExit(main())
