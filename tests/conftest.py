"""Fixtures: clean environment, fakes over real HTTP, the bot served on port 0, signed clients."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from bot.app import create_app, listeners_of, services_of
from bot.config import Config
from bot.services import Services
from bot.simulator.http import ServedApp, serve
from bot.simulator.signing import generate_key_pair
from bot.simulator.sipgate_api import FakeSipgate
from bot.simulator.sipgate_push import SipgatePusher
from bot.simulator.slack_api import FakeSlack
from bot.simulator.slack_client import SlackRequester

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
ADMIN = "U07ALICE9Z"


def shared_file(relative: str) -> Path:
    """A file from ../shared/, or skip the test with the reason when it is absent."""
    path = SHARED / relative
    if not path.is_file():
        pytest.skip(f"shared test data {relative} is not available at {SHARED}")
    return path


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove Slack, sipgate and proxy variables so nothing leaks in from the machine."""
    for name in list(os.environ):
        upper = name.upper()
        if upper.startswith(("SLACK_", "SIPGATE_")) or upper.endswith("_PROXY"):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def key_pair() -> tuple[Any, str]:
    """A test RSA key pair standing in for sipgate's push-API key."""
    return generate_key_pair()


@pytest.fixture(scope="session")
def _sipgate_server() -> Iterator[tuple[FakeSipgate, ServedApp]]:
    fake = FakeSipgate()
    served = serve(fake.app)
    yield fake, served
    served.shutdown()


@pytest.fixture(scope="session")
def _slack_server() -> Iterator[tuple[FakeSlack, ServedApp]]:
    fake = FakeSlack()
    served = serve(fake.app)
    yield fake, served
    served.shutdown()


@pytest.fixture
def fake_sipgate(_sipgate_server: tuple[FakeSipgate, ServedApp]) -> FakeSipgate:
    """The fake sipgate REST API (session server, reset for each test); `.url` is its base."""
    fake, served = _sipgate_server
    fake.reset()
    fake.url = f"{served.url}/v2"  # type: ignore[attr-defined]
    return fake


@pytest.fixture
def fake_slack(_slack_server: tuple[FakeSlack, ServedApp]) -> FakeSlack:
    """The fake Slack Web API (session server, reset for each test); `.url` is its root."""
    fake, served = _slack_server
    fake.reset()
    fake.url = served.url  # type: ignore[attr-defined]
    return fake


@pytest.fixture
def env(
    tmp_path: Path, fake_sipgate: FakeSipgate, fake_slack: FakeSlack, key_pair: tuple[Any, str]
) -> dict[str, str]:
    """Environment variables that point the bot at the fakes."""
    return {
        "SLACK_BOT_TOKEN": fake_slack.bot_token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": f"{fake_slack.url}/api/",  # type: ignore[attr-defined]
        "SLACK_FILES_URL": f"{fake_slack.url}/",  # type: ignore[attr-defined]
        "SIPGATE_TOKEN_ID": fake_sipgate.token_id,
        "SIPGATE_TOKEN": fake_sipgate.token,
        "SIPGATE_API_URL": fake_sipgate.url,  # type: ignore[attr-defined]
        "SIPGATE_WEBHOOK_PUBLIC_KEY": key_pair[1],
        "PUBLIC_URL": "https://bot.acme.example",
        "CALLS_CHANNEL": "C07CALLS3K",
        "DATABASE_PATH": str(tmp_path / "bot.db"),
        "ADMIN_USERS": ADMIN,
    }


@pytest.fixture
def config(env: dict[str, str]) -> Config:
    """The Config the bot under test runs with."""
    return Config.from_mapping(env)


@dataclass
class RunningBot:
    """The bot served over real HTTP."""

    app: Flask
    served: ServedApp
    services: Services

    @property
    def url(self) -> str:
        return self.served.url

    def wait_idle(self, timeout: float = 5.0) -> None:
        """Wait until Slack listeners and the jobs they queued are done (fails on timeout)."""
        assert listeners_of(self.app).wait_idle(timeout), "Slack listeners did not finish"
        assert self.services.scheduler.wait_idle(timeout), "background jobs did not finish"


@pytest.fixture
def make_bot(config: Config) -> Iterator[Callable[..., RunningBot]]:
    """Factory for bots (a test may stop one and start another on the same database)."""
    started: list[RunningBot] = []

    def make(cfg: Config | None = None, **kwargs: Any) -> RunningBot:
        app = create_app(cfg or config, **kwargs)
        services = services_of(app)
        services.scheduler.start()
        bot = RunningBot(app=app, served=serve(app), services=services)
        started.append(bot)
        return bot

    yield make
    for bot in started:
        stop_bot(bot)


def stop_bot(bot: RunningBot) -> None:
    """Stop a bot's server and scheduler and close its database (idempotent)."""
    bot.served.shutdown()
    bot.services.scheduler.shutdown(wait=True)
    bot.services.storage.close()


@pytest.fixture
def bot(make_bot: Callable[..., RunningBot]) -> RunningBot:
    """The bot under test, served on 127.0.0.1 with its scheduler running."""
    return make_bot()


@pytest.fixture
def slack(bot: RunningBot, fake_slack: FakeSlack) -> SlackRequester:
    """Sends signed Slack requests to the bot."""
    return SlackRequester(bot.url, SIGNING_SECRET, fake_slack.url)  # type: ignore[attr-defined]


@pytest.fixture
def sipgate_push(bot: RunningBot, key_pair: tuple[Any, str]) -> SipgatePusher:
    """Sends sipgate webhooks signed with the test key."""
    return SipgatePusher(f"{bot.url}/sipgate/webhook", key_pair[0])


def wait_until(predicate: Callable[[], Any], timeout: float = 5.0, interval: float = 0.02) -> Any:
    """Poll `predicate` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)
