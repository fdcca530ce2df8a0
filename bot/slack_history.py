"""Find a message the bot may already have posted, by its Slack message metadata.

Slack has no idempotency key: a `chat.postMessage` that timed out, got a 5xx or was cut short
by a crash may have been stored all the same. Every message the bot may have to post again
carries metadata naming what it shows (a call, a fax); before posting again, the bot looks for
that metadata in the channel's recent history (`conversations.history`, channels:history and
groups:history) and, when it is there, updates that message instead.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

logger = logging.getLogger(__name__)

# Slack errors worth trying again later (besides HTTP 429 and 5xx).
TRANSIENT_ERRORS = frozenset(
    {
        "ratelimited",
        "rate_limited",
        "fatal_error",
        "internal_error",
        "service_unavailable",
        "request_timeout",
    }
)
PAGES = 5  # of 200 messages each


def transient(exc: SlackApiError) -> bool:
    """True when Slack may well accept the same request later (429, 5xx, transient errors)."""
    status = exc.response.status_code
    error = str(exc.response.get("error") or "")
    return status == 429 or status >= 500 or error in TRANSIENT_ERRORS


def metadata(event_type: str, **payload: str) -> dict[str, Any]:
    """The `metadata` argument of chat.postMessage naming what a message shows."""
    return {"event_type": event_type, "event_payload": payload}


def find_message(
    slack: WebClient, channel: str, event_type: str, key: str, value: str, *, oldest: float
) -> str | None:
    """The ts of the bot's message in `channel` whose metadata has `key` = `value`, or None.

    Looks back to `oldest` (a Unix time), at most PAGES pages. Transient Slack errors raise
    (try again later); where the bot cannot read the channel (not_in_channel, missing_scope) it
    logs a warning and returns None: posting again is then the lesser evil.
    """
    cursor = None
    for _ in range(PAGES):
        try:
            page = slack.conversations_history(
                channel=channel,
                oldest=f"{oldest:.6f}",
                limit=200,
                include_all_metadata=True,
                cursor=cursor,
            )
        except SlackApiError as exc:
            if transient(exc):
                raise
            logger.warning(
                "Cannot read %s to avoid posting the same %s twice (%s)",
                channel,
                event_type,
                exc.response.get("error"),
            )
            return None
        for message in page.get("messages") or []:
            meta = message.get("metadata") or {}
            found = (meta.get("event_payload") or {}).get(key)
            if meta.get("event_type") == event_type and found is not None and str(found) == value:
                return str(message["ts"])
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not page.get("has_more") or not cursor:
            return None
    return None
