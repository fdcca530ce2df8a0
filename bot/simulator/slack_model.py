"""The fake Slack workspace's message record, its API error and argument decoding helpers.

Shared by slack_workspace.py and slack_views.py (and slack_history.py through slack_workspace).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

Args = dict[str, Any]


@dataclass
class Message:
    """A message in the simulated workspace; `history` holds earlier text+blocks versions."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    user: str
    thread_ts: str | None = None
    edited: bool = False
    history: list[dict[str, Any]] = field(default_factory=list)
    metadata: dict[str, Any] | None = None


class ApiError(Exception):
    """Raised by a method to answer {"ok": false, "error": ...} (plus any extra fields)."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.body: dict[str, Any] = {"ok": False, "error": error, **extra}


def _invalid_arguments(*messages: str) -> ApiError:
    """Build Slack's invalid_arguments error with response_metadata.messages."""
    return ApiError("invalid_arguments", response_metadata={"messages": list(messages)})


def _json_arg(value: Any, error: ApiError) -> Any:
    """Decode a JSON-string argument (form bodies send blocks and views that way)."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise error from None


def truthy(value: Any) -> bool:
    """Read a boolean argument that may arrive as a form string."""
    return value is True or str(value).lower() in ("true", "1")
