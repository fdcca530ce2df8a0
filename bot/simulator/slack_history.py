"""The fake Slack's message metadata and `conversations.history` (slack-bolt.md §4, §7.1).

Kept apart from slack_workspace.py, which holds the rest of the workspace state: these two
rules are what the outbox relies on to find a call message that a crashed or timed-out post may
already have created (bot.outbox).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.simulator.slack_workspace import Args, Message, Workspace

_EVENT_TYPE = re.compile(r"^[a-zA-Z0-9_]{1,255}$")
MAX_LIMIT = 999


def metadata_arg(value: Any) -> dict[str, Any] | None:
    """Validate chat.postMessage's `metadata` (JSON: event_type + event_payload object)."""
    from bot.simulator.slack_workspace import ApiError

    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise ApiError("invalid_metadata_format") from None
    if not isinstance(value, dict):
        raise ApiError("invalid_metadata_format")
    event_type, payload = value.get("event_type"), value.get("event_payload")
    if not isinstance(event_type, str) or not _EVENT_TYPE.match(event_type):
        raise ApiError("invalid_metadata_schema")
    if not isinstance(payload, dict):
        raise ApiError("invalid_metadata_schema")
    return {"event_type": event_type, "event_payload": payload}


def conversations_history(workspace: Workspace, args: Args) -> dict[str, Any]:
    """conversations.history: newest first, `oldest`/`latest` exclusive, cursor paging."""
    from bot.simulator.slack_workspace import ApiError

    channel_id = str(args.get("channel") or "")
    channel = workspace.channels.get(channel_id)
    if channel is None:
        raise ApiError("channel_not_found")
    if not channel.get("is_member", True) and not channel.get("is_im"):
        raise ApiError("not_in_channel")
    oldest, latest = _ts(args.get("oldest"), 0.0), _ts(args.get("latest"), float("inf"))
    try:
        limit = max(1, min(MAX_LIMIT, int(args.get("limit") or 100)))
        start = int(str(args.get("cursor") or "0").removeprefix("next_ts_"))
    except ValueError:
        raise ApiError("invalid_cursor") from None
    found = [
        m
        for m in reversed(workspace.messages.get(channel_id, []))
        if oldest < float(m.ts) < latest and not m.thread_ts
    ]
    page = found[start : start + limit]
    more = start + limit < len(found)
    with_metadata = str(args.get("include_all_metadata")).lower() in ("true", "1")
    return {
        "ok": True,
        "messages": [_render(workspace, m, with_metadata) for m in page],
        "has_more": more,
        "pin_count": 0,
        "response_metadata": {"next_cursor": f"next_ts_{start + limit}" if more else ""},
    }


def _render(workspace: Workspace, message: Message, with_metadata: bool) -> dict[str, Any]:
    out = workspace.message_json(message)
    if with_metadata and message.metadata is not None:
        out["metadata"] = dict(message.metadata)
    return out


def _ts(value: Any, default: float) -> float:
    from bot.simulator.slack_workspace import ApiError

    if value is None or value == "":
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ApiError("invalid_ts_oldest") from None
