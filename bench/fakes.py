"""The project's fake Slack and sipgate, served in the bench process, with arrival timestamps."""

from __future__ import annotations

import io
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.simulator.http import ServedApp, serve
from bot.simulator.signing import generate_key_pair
from bot.simulator.sipgate_api import FakeSipgate
from bot.simulator.slack_api import FakeSlack

SIGNING_SECRET = "bench0signing0secret0000000000ab"
CALL_ID = re.compile(rb"BE7C[0-9A-F]{40}")
RESPONSE_PREFIXES = ("/commands/", "/actions/", "/app/")

StartResponse = Callable[..., Any]


class Arrivals:
    """WSGI middleware: notes when chat.postMessage calls and response-URL posts arrive.

    The fake stores a Web API call as soon as it has read it, before any delay set with
    `FakeSlack.delay`, so the arrival time is the time the notification was stored.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self._lock = threading.Lock()
        self.posted: dict[str, float] = {}  # call id -> first chat.postMessage carrying it
        self.responses: dict[str, list[tuple[float, bytes]]] = {}  # response-URL path -> posts

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        wanted = path == "/api/chat.postMessage" or path.startswith(RESPONSE_PREFIXES)
        if environ.get("REQUEST_METHOD") == "POST" and wanted:
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            self._note(path, body, time.monotonic())
        result: Iterable[bytes] = self.app(environ, start_response)
        return result

    def _note(self, path: str, body: bytes, now: float) -> None:
        with self._lock:
            if path.startswith(RESPONSE_PREFIXES):
                self.responses.setdefault(path, []).append((now, body))
                return
            for found in CALL_ID.findall(body):
                self.posted.setdefault(found.decode("ascii"), now)

    def post_time(self, call_id: str) -> float | None:
        """When the first chat.postMessage for `call_id` was stored, if it was."""
        with self._lock:
            return self.posted.get(call_id)

    def response_posts(self, path: str) -> list[tuple[float, bytes]]:
        """(arrival time, body) of each POST to the response URL with this path."""
        with self._lock:
            return list(self.responses.get(path, []))


@dataclass
class Fakes:
    """Fake Slack and sipgate on 127.0.0.1, and the key pair sipgate's webhooks are signed with."""

    slack: FakeSlack
    sipgate: FakeSipgate
    arrivals: Arrivals
    private_key: Any
    public_pem: str
    served: list[ServedApp] = field(default_factory=list)

    @property
    def slack_url(self) -> str:
        """The fake Slack's root URL."""
        return self.served[0].url

    @property
    def sipgate_url(self) -> str:
        """The fake sipgate API's base URL (…/v2)."""
        return f"{self.served[1].url}/v2"

    def env(self) -> dict[str, str]:
        """Environment variables that point the bot at these fakes."""
        return {
            "SLACK_BOT_TOKEN": self.slack.bot_token,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": f"{self.slack_url}/api/",
            "SLACK_FILES_URL": f"{self.slack_url}/",
            "SIPGATE_TOKEN_ID": self.sipgate.token_id,
            "SIPGATE_TOKEN": self.sipgate.token,
            "SIPGATE_API_URL": self.sipgate_url,
            "SIPGATE_WEBHOOK_PUBLIC_KEY": self.public_pem,
            "PUBLIC_URL": "https://bot.bench.example",
            "CALLS_CHANNEL": "C07CALLS3K",
            "ADMIN_USERS": "U07ALICE9Z",
        }

    def shutdown(self) -> None:
        """Stop both fake servers."""
        for served in self.served:
            served.shutdown()


def start_fakes() -> Fakes:
    """Serve a fresh fake Slack (with arrival timestamps) and fake sipgate."""
    slack, sipgate = FakeSlack(), FakeSipgate()
    arrivals = Arrivals(slack.app)
    # 4096 bits like sipgate's own push key, so the bot verifies at the real cost.
    private_key, public_pem = generate_key_pair(4096)
    fakes = Fakes(slack, sipgate, arrivals, private_key, public_pem)
    fakes.served.append(serve(arrivals))
    fakes.served.append(serve(sipgate.app))
    return fakes
