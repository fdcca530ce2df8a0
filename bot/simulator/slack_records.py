"""What the fake Slack records and switches on: API calls, response-URL posts, failures, targets.

The dataclasses behind FakeSlack's logs (calls(), response_posts()), its fail() switches and the
response URLs it has issued.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

_STATUS_ERRORS = {500: "internal_error", 502: "bad_gateway", 503: "service_unavailable"}


@dataclass
class ApiCall:
    """One Web API request the fake received, with the answer it gave."""

    method: str
    args: dict[str, Any]
    headers: dict[str, str]
    content_type: str
    response: dict[str, Any]
    status: int
    at: float = field(default_factory=time.monotonic)  # when recorded (tests check pacing)


@dataclass
class ResponseUrlPost:
    """One POST to a response URL; `status` is the HTTP status the fake answered with."""

    kind: str
    path: str
    body: dict[str, Any]
    status: int = 200


@dataclass
class _Failure:
    """A failure switch set by FakeSlack.fail()."""

    method: str
    error: str | None
    status: int
    retry_after: int | None
    times: int | None
    timeout: float | None

    def answer(self) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        """Return (status, body, headers) to answer with, or None to answer normally."""
        headers = {} if self.retry_after is None else {"Retry-After": str(int(self.retry_after))}
        if self.status == 429:
            headers.setdefault("Retry-After", "1")
            return 429, {"ok": False, "error": self.error or "ratelimited"}, headers
        if self.status != 200:
            error = self.error or _STATUS_ERRORS.get(self.status, "fatal_error")
            return self.status, {"ok": False, "error": error}, headers
        if self.error:
            return 200, {"ok": False, "error": self.error}, headers
        if self.timeout:
            return 504, {"ok": False, "error": "request_timeout"}, headers
        return None


@dataclass
class _ResponseTarget:
    """What a response URL belongs to: its kind, and the conversation, user and message."""

    kind: str
    channel: str | None = None
    user: str | None = None
    message: tuple[str, str] | None = None
    uses: int = 0
    created: float = field(default_factory=time.monotonic)
