"""Route templates, the request log and the failure/delay switches of the fake sipgate API."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.simulator.sipgate_api.validation import _Args

_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
_Handler = Callable[[dict[str, str], Any, _Args], tuple[int, Any]]


@dataclass
class RecordedRequest:
    """One request the fake received, with the status it answered."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    json: Any
    status: int


@dataclass
class _Rule:
    """A failure or delay switch for the requests matching method and path."""

    method: str
    path: re.Pattern[str]
    status: int = 0
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    times: int | None = None
    seconds: float = 0.0


def _template(path: str, *, capture: bool = False) -> re.Pattern[str]:
    """Compile "/calls/{callId}/hold" (or "*") into a regex over request paths."""
    if path == "*":
        return re.compile(".*")
    parts = re.split(r"\{([^/{}]+)\}", path)
    regex = re.escape(parts[0])
    for name, literal in zip(parts[1::2], parts[2::2], strict=True):
        regex += (f"(?P<{name}>[^/]+)" if capture else "[^/]+") + re.escape(literal)
    return re.compile(regex)


def _parse_route(route: str) -> tuple[str, re.Pattern[str]]:
    """Split "PUT /calls/{callId}/hold" into the method and a path regex."""
    method, _, path = route.strip().partition(" ")
    if not path.strip():
        raise ValueError(f"route must look like 'POST /sessions/sms', got {route!r}")
    return method.upper(), _template(path.strip())
