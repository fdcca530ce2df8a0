"""A client, fixtures and body builders for the tests of the fake sipgate REST API.

Shared by tests/test_fake_sipgate*.py. A module imports the `served` and `api` fixtures with a
redundant alias (`api as api`): pytest then finds them there, and ruff reads it as a re-export.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from bot.simulator.http import serve
from bot.simulator.sipgate_api import FakeSipgate

TOKEN_ID = "token-TEST01"
TOKEN = "0b5c8b1e-3f6a-4c2d-9e7f-1a2b3c4d5e6f"
PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >> endobj\n"
    b"2 0 obj << /Type /Page >> endobj\n3 0 obj << /Type/Page >> endobj\n%%EOF\n"
)


class Api:
    """Thin authenticated client for the served fake."""

    def __init__(self, fake: FakeSipgate, base: str) -> None:
        self.fake = fake
        self.base = base
        self.session = requests.Session()
        self.session.auth = (TOKEN_ID, TOKEN)

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send one request to base + path."""
        kwargs.setdefault("timeout", 5)
        return self.session.request(method, self.base + path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        """GET base + path."""
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        """POST a JSON body."""
        return self.request("POST", path, json=body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        """PUT a JSON body."""
        return self.request("PUT", path, json=body, **kwargs)


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[FakeSipgate, str]]:
    """Serve one fake for the whole module and yield (fake, base_url)."""
    fake = FakeSipgate()
    app = serve(fake.app)
    yield fake, f"{app.url}/v2"
    app.shutdown()


@pytest.fixture
def api(served: tuple[FakeSipgate, str]) -> Iterator[Api]:
    """Reset the fake and give the test an authenticated client."""
    fake, base = served
    fake.reset()
    client = Api(fake, base)
    yield client
    client.session.close()


def sms(**overrides: Any) -> dict[str, Any]:
    """Build a valid SMS body with overrides."""
    return {"smsId": "s0", "recipient": "+4915112345678", "message": "Hallo"} | overrides


def fax(content: bytes = PDF, /, **overrides: Any) -> dict[str, Any]:
    """Build a valid fax body with overrides."""
    body = {
        "faxlineId": "f0",
        "recipient": "+4921198765432",
        "filename": "brief.pdf",
        "base64Content": base64.b64encode(content).decode(),
    }
    return body | overrides
