"""Constants, fixtures and helpers for the tests of the fake Slack.

Shared by tests/test_fake_slack*.py. A module imports the fixtures with a redundant alias
(`fake as fake`): pytest then finds them there (`fake` is autouse), and ruff reads it as a
re-export.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.simulator.http import serve
from bot.simulator.slack_api import FakeSlack
from bot.simulator.slack_seed import CALLS_CHANNEL

TOKEN = "xoxb-test-0000-token"
SHARED_SLACK = Path(__file__).resolve().parents[2] / "shared" / "data" / "slack"
SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*Incoming call*"}}
TRIGGER = "7712345678901.7412345678901.5c1f0e9a3b2d4c6e8f0a1b2c3d4e5f61"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
FAX_VIEW: dict[str, Any] = {
    "type": "modal",
    "callback_id": "fax_send",
    "title": {"type": "plain_text", "text": "Send a fax"},
    "submit": {"type": "plain_text", "text": "Send fax"},
    "close": {"type": "plain_text", "text": "Cancel"},
    "private_metadata": json.dumps({"channel_id": CALLS_CHANNEL}),
    "blocks": [
        {
            "type": "input",
            "block_id": "fax_recipient",
            "label": {"type": "plain_text", "text": "Fax number"},
            "element": {"type": "plain_text_input", "action_id": "number", "max_length": 40},
        },
        {
            "type": "input",
            "block_id": "fax_document",
            "label": {"type": "plain_text", "text": "PDF to send"},
            "element": {
                "type": "file_input",
                "action_id": "document",
                "filetypes": ["pdf"],
                "max_files": 1,
            },
        },
    ],
}


@pytest.fixture(scope="module")
def served_fake() -> Iterator[tuple[FakeSlack, str]]:
    """One fake served on 127.0.0.1:0 for this module."""
    fake = FakeSlack(TOKEN)
    served = serve(fake.app)
    yield fake, served.url
    served.shutdown()


@pytest.fixture(autouse=True)
def fake(served_fake: tuple[FakeSlack, str]) -> FakeSlack:
    """The fake, back at its seed for every test (autouse: no state leaks between tests)."""
    served_fake[0].reset()
    return served_fake[0]


@pytest.fixture
def url(served_fake: tuple[FakeSlack, str]) -> str:
    """Root URL of the served fake."""
    return served_fake[1]


@pytest.fixture
def client(url: str) -> WebClient:
    """A real slack_sdk WebClient pointed at the fake."""
    return WebClient(token=TOKEN, base_url=f"{url}/api/", timeout=5)


def raw_post(
    url: str,
    method: str,
    *,
    headers: dict[str, str] | None = None,
    timeout: float = 5.0,
    **kwargs: Any,
) -> requests.Response:
    """POST to a Web API method of the fake with plain requests."""
    return requests.post(f"{url}/api/{method}", headers=headers or {}, timeout=timeout, **kwargs)


def bearer(token: str = TOKEN) -> dict[str, str]:
    """An Authorization header with a bearer token."""
    return {"Authorization": f"Bearer {token}"}


def slack_error(call: Callable[[], Any]) -> SlackApiError:
    """Run a WebClient call that must fail and return the SlackApiError."""
    with pytest.raises(SlackApiError) as caught:
        call()
    return caught.value
