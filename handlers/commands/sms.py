"""`/sms`: the form (no text), `list`, `cancel <id>`, or `<recipient> [at <time>:] <text>`."""

from __future__ import annotations

import logging

from slack_bolt import Ack, Respond
from slack_sdk.errors import SlackApiError

from bot import blocks, phone, sms_text
from bot.blocks import sms as sms_blocks
from bot.errors import UserError
from bot.services import Services
from bot.services.sms import SmsChoice
from bot.slack_text import command_text
from handlers.background import in_background

logger = logging.getLogger(__name__)


def sms_command(ack: Ack, command: dict[str, str], respond: Respond, *, services: Services) -> None:
    """Open the form, list or cancel at once; send or schedule inline text after the ack."""
    user_id, channel_id = command["user_id"], command.get("channel_id", "")
    text = command_text(command.get("text") or "").strip()
    word, _, rest = text.partition(" ")
    if not text:
        ack()  # then views.open at once: the trigger id lives 3 s (slack-bolt.md §2.6)
        open_form(services, respond, command["trigger_id"], user_id, channel_id)
    elif word.lower() == "list":
        ack(
            **sms_blocks.sms_list(services.sms.pending_for(user_id), services.sms.known_tz(user_id))
        )
    elif word.lower() == "cancel":
        ack(**cancel_by_command(services, user_id, rest))
    elif (inline := sms_text.split_inline(text)) is None:
        ack(**sms_blocks.sms_usage("Add a message after the recipient:"))
    else:
        shown = inline.splits[0][0] if len(inline.splits) == 1 else ""
        if shown and phone.looks_like_number(shown):
            try:  # a typed number is checked before the ack: it needs no network
                services.targets.number(shown, "sms")
            except UserError as exc:
                ack(**blocks.error(exc.user_message))
                return
        ack(**sms_blocks.sms_pending(shown, inline.when))

        def work() -> blocks.Message:
            found = services.sms.from_text(user_id, channel_id, text)
            if isinstance(found, SmsChoice):
                return sms_blocks.sms_choices(found.choices, found.message, found.send_at)
            return sms_blocks.sms_result(services.sms.submit(found), services.sms.tz(user_id))

        in_background(services, respond, work, what="/sms")


def cancel_by_command(services: Services, user_id: str, rest: str) -> blocks.Message:
    """`/sms cancel 12`: cancel one of your own scheduled SMS."""
    number = rest.strip().lstrip("#")
    # isdecimal, not isdigit ("²"), and short enough for SQLite's 64-bit INTEGER.
    if not number.isdecimal() or len(number) > 18:
        return sms_blocks.sms_usage("Say which SMS to cancel; `/sms list` shows the numbers:")
    try:
        row = services.sms.cancel(user_id, int(number))
    except UserError as exc:
        return blocks.error(exc.user_message)
    return blocks.info(
        f":wastebasket: Cancelled SMS #{row.id} to {blocks.escape(row.recipient_label)}."
    )


def open_form(
    services: Services, respond: Respond, trigger_id: str, user_id: str, channel_id: str
) -> None:
    """views.open with the SMS form; tell the user when Slack refuses."""
    view = sms_blocks.sms_modal(
        channel_id=channel_id,
        tz=services.sms.known_tz(user_id),
        max_days=services.config.sms_max_days_ahead,
    )
    try:
        services.slack.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:
        logger.warning("Could not open the SMS form: %s", exc.response.get("error"))
        respond(**blocks.error("Slack would not open the SMS form; please try again."))
