"""Buttons of /sms: Cancel on a scheduled SMS, and picking one of several matching contacts."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import sms as sms_blocks
from bot.blocks.common import escape
from bot.errors import UserError
from bot.services import Services
from handlers.background import open_form, tell

logger = logging.getLogger(__name__)


def sms_cancel_action(
    ack: Ack, body: dict[str, Any], respond: Respond, *, services: Services
) -> None:
    """Cancel the SMS on the button (only its author may) and show the remaining ones."""
    ack()
    user = body["user"]["id"]  # whoever clicked, not whoever posted the list
    value = str(body["actions"][0].get("value") or "")
    try:
        # isdecimal, not isdigit ("²"), and short enough for SQLite's 64-bit INTEGER.
        row_id = int(value) if value.isdecimal() and len(value) <= 18 else -1
        row = services.sms.cancel(user, row_id)
        notice = f":wastebasket: Cancelled SMS #{row.id} to {escape(row.recipient_label)}."
    except UserError as exc:
        notice = f":warning: {exc.user_message}"
    listing = sms_blocks.sms_list(
        services.sms.pending_for(user), services.sms.known_tz(user), notice
    )
    tell(respond, listing, what="sms cancel", replace_original=True)


def sms_pick_action(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, *, services: Services
) -> None:
    """Open the SMS form filled in with the picked number, the message and the time."""
    ack()
    number, text, send_at = sms_blocks.read_pick_value(body["actions"][0].get("value") or "")
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id", ""
    )
    view = sms_blocks.sms_modal(
        recipient=number,
        message=text,
        channel_id=channel,
        tz=services.sms.known_tz(body["user"]["id"]),
        send_at=send_at,
        max_days=services.config.sms_max_days_ahead,
    )
    open_form(client, body["trigger_id"], view, respond, form="SMS form")


def sms_text_action(
    ack: Ack, body: dict[str, Any], client: WebClient, *, services: Services
) -> None:
    """Typing in the form's message field: show its length and SMS parts in the hint."""
    ack()
    view = body.get("view") or {}
    text = str(body["actions"][0].get("value") or "")
    try:
        client.views_update(
            view_id=view["id"], hash=view.get("hash"), view=sms_blocks.sms_modal_retyped(view, text)
        )
    except SlackApiError as exc:  # typed on meanwhile (hash_conflict) or closed: nothing to fix
        logger.info("Could not update the SMS form hint: %s", exc.response.get("error"))
