"""Start the demo: fake Slack, fake sipgate, the real bot and the demo page, all on 127.0.0.1."""

from __future__ import annotations

import secrets
import signal
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from flask import Flask

from bot.app import create_app, listeners_of, services_of
from bot.config import Config
from bot.services import Services
from bot.simulator.http import ServedApp, serve
from bot.simulator.signing import generate_key_pair
from bot.simulator.sipgate_api import FakeSipgate
from bot.simulator.slack_api import FakeSlack
from bot.simulator.slack_seed import ALICE, CALLS_CHANNEL

# The demo polls faxes every couple of seconds instead of after 10 s, 30 s and 1 min, so that a
# visitor sees PENDING → SENDING → SENT while watching (the bot's own schedule is unchanged).
DEMO_FAX_POLL_DELAYS = (2.0, 2.0, 2.0)
TICK_SECONDS = 0.2


class _LateApp:
    """A WSGI app whose target is set after its server is listening (the port goes in config)."""

    def __init__(self) -> None:
        self.app: Flask | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if self.app is None:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"starting\n"]
        return self.app(environ, start_response)


class Demo:
    """Every part of the demo; `start()` brings them up, `stop()` takes them down in reverse."""

    def __init__(
        self, *, port: int = 0, data_dir: Path | None = None, quick_fax: bool = True
    ) -> None:
        self.port = port
        self.quick_fax = quick_fax
        self._temp: tempfile.TemporaryDirectory[str] | None = None
        if data_dir is None:
            self._temp = tempfile.TemporaryDirectory(prefix="sipgate-slack-demo-")
            data_dir = Path(self._temp.name)
        self.data_dir = data_dir
        self.signing_secret = secrets.token_hex(16)
        self.private_key, self.public_pem = generate_key_pair()
        self.fake_slack = FakeSlack(f"xoxb-demo-{secrets.token_hex(8)}")
        self.fake_sipgate = FakeSipgate()
        self._served: list[ServedApp] = []
        self._stopping = threading.Event()
        self._ticker: threading.Thread | None = None
        self.slack_url = self.sipgate_url = self.bot_url = self.url = ""
        self.bot_app: Flask | None = None
        self.services: Services | None = None
        self.page: Any = None  # the DemoPage, set by start()

    def start(self) -> str:
        """Start everything; return the page's URL."""
        from bot.demo.server import DemoPage

        self.data_dir.mkdir(parents=True, exist_ok=True)
        slack = self._serve(self.fake_slack.app)
        self.slack_url = slack.url
        self.sipgate_url = self._serve(self.fake_sipgate.app).url + "/v2"
        late = _LateApp()
        self.bot_url = self._serve(late).url
        self.bot_app = create_app(Config.from_mapping(self.environment()))
        self.services = services_of(self.bot_app)
        self._quicken(self.services)
        self.services.scheduler.start()
        late.app = self.bot_app
        self.page = DemoPage(self)
        self.url = self._serve(self.page.app, port=self.port).url + "/"
        self._ticker = threading.Thread(target=self._tick, name="demo-phone", daemon=True)
        self._ticker.start()
        return self.url

    def environment(self) -> dict[str, str]:
        """The bot's configuration: the same variables `serve` reads, pointing at the fakes."""
        return {
            "SLACK_BOT_TOKEN": self.fake_slack.bot_token,
            "SLACK_SIGNING_SECRET": self.signing_secret,
            "SLACK_API_URL": f"{self.slack_url}/api/",
            "SLACK_FILES_URL": f"{self.slack_url}/",
            "SIPGATE_TOKEN_ID": self.fake_sipgate.token_id,
            "SIPGATE_TOKEN": self.fake_sipgate.token,
            "SIPGATE_API_URL": self.sipgate_url,
            "SIPGATE_WEBHOOK_PUBLIC_KEY": self.public_pem,
            "PUBLIC_URL": self.bot_url,
            "CALLS_CHANNEL": CALLS_CHANNEL,
            "DATABASE_PATH": str(self.data_dir / "sipgate-slack.db"),
            "ADMIN_USERS": ALICE,
        }

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until the bot's Slack listeners and background jobs are done."""
        if self.bot_app is None or self.services is None:
            return True
        return listeners_of(self.bot_app).wait_idle(timeout) and self.services.scheduler.wait_idle(
            timeout
        )

    def stop(self) -> None:
        """Stop the servers, the scheduler and the database; remove the temporary directory."""
        self._stopping.set()
        if self._ticker is not None:
            self._ticker.join(timeout=5)
        for served in reversed(self._served):
            served.shutdown()
        self._served.clear()
        if self.services is not None:
            self.services.scheduler.shutdown(wait=True)
            self.services.storage.close()
            self.services = None
        if self._temp is not None:
            self._temp.cleanup()
            self._temp = None

    def _serve(self, app: Any, port: int = 0) -> ServedApp:
        served = serve(app, port=port)
        self._served.append(served)
        return served

    def _quicken(self, services: Services) -> None:
        """Shorten the fax polling schedule for watching (only if the fax feature is there)."""
        fax = getattr(services, "fax", None)
        if self.quick_fax and fax is not None and hasattr(fax, "POLL_DELAYS"):
            fax.POLL_DELAYS = DEMO_FAX_POLL_DELAYS

    def _tick(self) -> None:
        """Let the simulated phone system react to what the bot asked sipgate to do."""
        while not self._stopping.wait(TICK_SECONDS):
            if self.page is not None:
                self.page.phone.tick()


def run(port: int = 0, data_dir: Path | None = None) -> int:
    """Run the demo until Ctrl-C (or SIGTERM); print one URL."""
    from bot.logs import setup_logging

    setup_logging("WARNING")
    demo = Demo(port=port, data_dir=data_dir)
    try:
        url = demo.start()
    except OSError as exc:
        demo.stop()
        print(f"sipgate-slack demo could not start: {exc}")
        return 1
    print(f"sipgate-slack demo is running. Open {url}  (Ctrl-C stops it)", flush=True)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    # Handle SIGINT explicitly too: a shell starts background jobs with SIGINT ignored.
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stop.wait(0.5):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        print("Stopping the demo…", flush=True)
        demo.stop()
    return 0
