"""Messages and the modal of `/sms`: results, scheduled confirmations, the list, DMs."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot import sms_text
from bot.blocks.common import (
    MAX_MESSAGE_BLOCKS,
    Block,
    Message,
    button,
    context,
    escape,
    message,
    plain,
    section,
    truncate,
    usage,
)
from bot.blocks.ids import ACTION_SMS_CANCEL, ACTION_SMS_PICK, ACTION_SMS_TEXT, VIEW_SMS
from bot.services.targets import Choices
from bot.storage.sms import Sms
from bot.times import format_when

RECIPIENT_BLOCK, RECIPIENT_ACTION = "sms_recipient", "recipient"
MESSAGE_BLOCK, MESSAGE_ACTION = "sms_message", ACTION_SMS_TEXT
WHEN_BLOCK, WHEN_ACTION = "sms_when", "send_at"
EXAMPLES = [
    "+49 151 12345678 Running late, there in 10",
    "@colleague in 2h: Call me back",
    "Anna at 9:00 tomorrow: Happy birthday!",
    '"Anna Schmidt" on 24.12. at 10:00: Merry Christmas',
    "list",
    "cancel 12",
]
_LIST_LIMIT = 20  # two blocks each, within Slack's 50 per message
_QUOTE_LIMIT = 600
_PICK_VALUE_LIMIT = 2000  # Slack's button value limit


def sms_usage(problem: str = "Whom should I text, and what?") -> Message:
    """How to use /sms."""
    return usage("/sms", problem, EXAMPLES)


def quote(text: str) -> str:
    """The SMS text as an escaped mrkdwn quote."""
    return "\n".join(f"> {line}" for line in escape(truncate(text, _QUOTE_LIMIT)).splitlines())


def sms_pending(recipient: str = "", when: str = "") -> Message:
    """The immediate answer to /sms while the bot works."""
    doing = "Scheduling" if when else "Sending"
    to = f" to {escape(recipient)}" if recipient else ""
    text = f":hourglass_flowing_sand: {doing} your SMS{to}…"
    return message(text, [section(text)], response_type="ephemeral")


def sms_result(row: Sms, tz: str) -> Message:
    """What became of an SMS the user just sent or scheduled (ephemeral)."""
    who = escape(row.recipient_label)
    if row.status == "pending":
        when = format_when(row.run_at_time, tz)
        text = f":alarm_clock: Scheduled for {when}: SMS #{row.id} to {who} from `{row.sms_id}`."
        cancel = button("Cancel", ACTION_SMS_CANCEL, str(row.id), confirm=_confirm(row))
        blocks = [section(text, accessory=cancel), section(quote(row.message))]
        blocks.append(context(f"`/sms list` shows your scheduled SMS; `/sms cancel {row.id}`."))
        return message(f"Scheduled for {when}", blocks, response_type="ephemeral")
    return _outcome(row, tz, scheduled=False)


def sms_outcome(row: Sms, tz: str) -> Message:
    """The DM about a held SMS: sent, failed (with sipgate's reason) or unknown."""
    return _outcome(row, tz, scheduled=not row.immediate)


def _outcome(row: Sms, tz: str, *, scheduled: bool) -> Message:
    who = escape(row.recipient_label)
    what = f"Your scheduled SMS #{row.id}" if scheduled else "Your SMS"
    if row.status == "sent":
        text = f":white_check_mark: {what} to {who} was sent from `{row.sms_id}`."
    elif row.status == "failed":
        text = f":x: {what} to {who} could not be sent: {escape(row.error)}"
    else:
        text = f":grey_question: {what} to {who}: {escape(row.error)}"
    if scheduled:
        text += f" (due {format_when(row.run_at_time, tz)})"
    blocks = [section(text), section(quote(row.message))]
    return message(text, blocks, response_type="ephemeral")


def sms_list(rows: list[Sms], tz: str, notice: str = "") -> Message:
    """The user's scheduled SMS, each with a Cancel button."""
    blocks: list[Block] = [section(notice)] if notice else []
    if not rows:
        text = "You have no scheduled SMS."
        blocks.append(section(text))
        return message(notice or text, blocks, response_type="ephemeral")
    head = f"Your scheduled SMS ({len(rows)}), times in {escape(tz)}:"
    blocks.append(section(f":alarm_clock: {head}"))
    for row in rows[:_LIST_LIMIT]:
        line = f"*#{row.id}* {format_when(row.run_at_time, tz)} to {escape(row.recipient_label)}"
        cancel = button("Cancel", ACTION_SMS_CANCEL, str(row.id), confirm=_confirm(row))
        blocks.append(section(f"{line}\n{quote(row.message)}", accessory=cancel))
    if len(rows) > _LIST_LIMIT:
        blocks.append(context(f"…and {len(rows) - _LIST_LIMIT} more; cancel some to see them."))
    return message(notice or head, blocks[:MAX_MESSAGE_BLOCKS], response_type="ephemeral")


def _confirm(row: Sms) -> Block:
    return {
        "title": plain("Cancel this SMS?"),
        "text": {"type": "plain_text", "text": truncate(f"SMS #{row.id} will not be sent.", 300)},
        "confirm": plain("Cancel it"),
        "deny": plain("Keep it"),
    }


def pick_value(e164: str, text: str, send_at: datetime | None) -> str | None:
    """A pick button's value (number, message, time), or None when it would be too long."""
    value = json.dumps(
        {"n": e164, "m": text, "t": int(send_at.timestamp()) if send_at else 0},
        ensure_ascii=False,
    )
    return value if len(value) <= _PICK_VALUE_LIMIT else None


def read_pick_value(value: str) -> tuple[str, str, int | None]:
    """(number, message, send_at seconds or None) from a pick button's value."""
    try:
        data = json.loads(value)
    except ValueError:
        return "", "", None
    if not isinstance(data, dict):
        return "", "", None
    # The value comes back from Slack: a "t" that is not a positive whole number means "now".
    send_at = data.get("t")
    if not isinstance(send_at, int) or isinstance(send_at, bool) or send_at <= 0:
        send_at = None
    return str(data.get("n") or ""), str(data.get("m") or ""), send_at


def sms_choices(choices: Choices, text: str, send_at: datetime | None) -> Message:
    """Several numbers match: a button per number opens the SMS form with it filled in."""
    intro = f"Several numbers match “{escape(choices.query)}”. Whom should I text?"
    blocks: list[Block] = [section(f":busts_in_silhouette: {intro}")]
    for i, option in enumerate(choices.options[: MAX_MESSAGE_BLOCKS - 2]):
        value = pick_value(option.e164, text, send_at)
        pick = button("Text", f"{ACTION_SMS_PICK}_{i}", value) if value else None
        blocks.append(
            section(f"*{escape(option.label or option.display)}*\n{option.display}", accessory=pick)
        )
    blocks.append(context("Or type the number: `/sms 0151 12345678 …`."))
    return message(f"Several numbers match {choices.query}", blocks, response_type="ephemeral")


def sms_modal(
    *,
    recipient: str = "",
    message: str = "",
    channel_id: str = "",
    tz: str = "UTC",
    send_at: int | None = None,
    max_days: int = 30,
) -> dict[str, Any]:
    """The SMS form: recipient, message (length and SMS parts as hint), optional send time."""
    picker: Block = {"type": "datetimepicker", "action_id": WHEN_ACTION}
    if send_at:
        picker["initial_date_time"] = send_at
    # Slack shows the picker in the reader's own Slack time zone; the bot may not know it yet.
    when_hint = (
        f"Leave empty to send now. Times are in your Slack time zone; at most {max_days} "
        "days ahead."
    )
    return {
        "type": "modal",
        "callback_id": VIEW_SMS,
        "title": plain("Send an SMS", 24),
        "submit": plain("Send", 24),
        "close": plain("Cancel", 24),
        "private_metadata": json.dumps({"channel_id": channel_id, "tz": tz}),
        "blocks": [
            _input(RECIPIENT_BLOCK, "To", _recipient_input(recipient)),
            {
                **_input(MESSAGE_BLOCK, "Message", _text_input(message), hint=_parts_hint(message)),
                "dispatch_action": True,
            },
            _input(WHEN_BLOCK, "Send later", picker, hint=when_hint, optional=True),
        ],
    }


def _recipient_input(recipient: str) -> Block:
    element: Block = {
        "type": "plain_text_input",
        "action_id": RECIPIENT_ACTION,
        "placeholder": plain("+49 151 12345678, a contact name, or @colleague"),
    }
    if recipient:
        element["initial_value"] = recipient[:150]
    return element


def _text_input(message: str) -> Block:
    element: Block = {
        "type": "plain_text_input",
        "action_id": MESSAGE_ACTION,
        "multiline": True,
        "max_length": sms_text.MAX_SMS_LENGTH,
        # Typing sends block_actions, so the hint can show the length and parts as it grows.
        "dispatch_action_config": {"trigger_actions_on": ["on_character_entered"]},
    }
    if message:
        element["initial_value"] = message[: sms_text.MAX_SMS_LENGTH]
    return element


def sms_modal_retyped(view: dict[str, Any], text: str) -> dict[str, Any]:
    """The open SMS form (as Slack echoes it) with the message hint counting `text`."""
    blocks = [dict(b) for b in view.get("blocks", [])]
    for block in blocks:
        if block.get("block_id") == MESSAGE_BLOCK:
            block["hint"] = plain(_parts_hint(text), 2000)
    kept = ("type", "callback_id", "title", "submit", "close", "private_metadata")
    return {**{k: view[k] for k in kept if k in view}, "blocks": blocks}


def _parts_hint(text: str) -> str:
    now = f"Now: {sms_text.describe_segments(text)}. " if text else ""
    return (
        f"{now}One SMS holds 160 characters (153 per part when longer), or 70 (67 per part) "
        f"with emoji or other special characters; at most {sms_text.MAX_SMS_LENGTH}."
    )


def _input(
    block_id: str, label: str, element: Block, *, hint: str = "", optional: bool = False
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "element": element,
    }
    if hint:
        block["hint"] = plain(hint, 2000)
    if optional:
        block["optional"] = True
    return block
