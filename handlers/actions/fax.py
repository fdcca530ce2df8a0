"""Retry on a failed fax's status message."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, Respond

from bot import blocks
from bot.services import Services
from handlers.background import in_background


def fax_retry_action(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, *, services: Services
) -> None:
    """Ack, then send the same document again; the status message follows the new attempt."""
    ack()
    user_id = body["user"]["id"]
    value = str(action.get("value") or "")
    # isdecimal, not isdigit ("²"), and short enough for SQLite's 64-bit INTEGER; 0 is no job.
    job_id = int(value) if value.isdecimal() and len(value) <= 18 else 0

    def work() -> dict[str, Any]:
        services.fax.retry(job_id, user_id)
        return blocks.info(":repeat: Sending the fax again; the message above shows its progress.")

    in_background(services, respond, work, what="fax retry")
