"""Buttons on /lookup results and /call contact picks: Call (for the clicker) and SMS."""

from __future__ import annotations

import importlib
import logging
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.blocks import calls as call_blocks
from bot.services import Services
from handlers.background import in_background, open_form

logger = logging.getLogger(__name__)


def call_number_action(
    ack: Ack, body: dict[str, Any], respond: Respond, *, services: Services
) -> None:
    """Call the number on the button from the phone of whoever clicked it."""
    ack()
    clicker = body["user"]["id"]  # never the user who ran /lookup or /call
    number, label = call_blocks.read_number_value(body["actions"][0].get("value") or "")
    in_background(
        services,
        respond,
        lambda: call_blocks.call_started(services.calls.call_number(clicker, number, label)),
        what="call button",
    )


def sms_number_action(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, *, services: Services
) -> None:
    """Open the SMS dialog with the number on the button as the recipient."""
    ack()
    number, _ = call_blocks.read_number_value(body["actions"][0].get("value") or "")
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id", ""
    )
    # Imported by name: /sms owns its modal (bot/blocks/sms.py, callback id `sms_send`).
    sms_modal = importlib.import_module("bot.blocks.sms").sms_modal
    view = sms_modal(
        recipient=number, channel_id=channel, tz=services.calls.user_tz(body["user"]["id"])
    )
    open_form(client, body["trigger_id"], view, respond, form="SMS form")
