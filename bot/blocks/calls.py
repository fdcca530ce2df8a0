"""Messages of `/call` and `/lookup`: pending and started calls, contact picks, lookup results."""

from __future__ import annotations

import json
from typing import Any

from bot.blocks.common import (
    MAX_MESSAGE_BLOCKS,
    Block,
    Message,
    actions,
    button,
    context,
    escape,
    message,
    section,
    usage,
)
from bot.blocks.ids import ACTION_CALL_NUMBER, ACTION_PICK, ACTION_SMS_NUMBER
from bot.services.calls import CallStarted, Lookup, LookupContact, LookupNumber
from bot.services.targets import Choices
from bot.slack_text import user_mention

CALL_EXAMPLES = ["+49 211 123456", "0211 123456", "Anna Schmidt", "@colleague"]
LOOKUP_EXAMPLES = ["anna", "müller gmbh", "030 1234567"]
_LABEL_LIMIT = 200
_NUMBERS_PER_CONTACT = 10  # two buttons each: an actions block holds at most 25 elements


def number_value(e164: str, label: str = "") -> str:
    """The value a Call/SMS/pick button carries: the number and who it belongs to."""
    return json.dumps({"n": e164, "l": label[:_LABEL_LIMIT]}, ensure_ascii=False)


def read_number_value(value: str) -> tuple[str, str]:
    """The (number, label) in a button value made by `number_value`."""
    try:
        data = json.loads(value)
    except ValueError:
        return value, ""
    if not isinstance(data, dict):
        return value, ""
    return str(data.get("n") or ""), str(data.get("l") or "")


def call_usage(problem: str = "Tell me whom to call:") -> Message:
    """How to use /call."""
    return usage("/call", problem, CALL_EXAMPLES)


def lookup_usage() -> Message:
    """How to use /lookup."""
    problem = "Tell me whom to look for: a name, a company or a number."
    return usage("/lookup", problem, LOOKUP_EXAMPLES)


def call_pending(target: str, number_display: str = "") -> Message:
    """The immediate answer to /call while the bot asks sipgate, naming what was typed."""
    mentioned = user_mention(target)
    if mentioned:
        what = f"<@{mentioned}>"
    elif number_display:
        what = number_display
    else:
        # A name may match several contacts or none: promise a search, not a call.
        text = f"Looking up “{escape(target[:100])}” in the sipgate contacts…"
        return message(text, [context(f":mag: {text}")], response_type="ephemeral")
    text = f"Calling {what}… your phone will ring first."
    return message(text, [context(f":telephone_receiver: {text}")], response_type="ephemeral")


def lookup_pending(query: str) -> Message:
    """The immediate answer to /lookup while the contacts are searched."""
    text = f"Searching the sipgate contacts for “{escape(query[:100])}”…"
    return message(text, [context(f":mag: {text}")], response_type="ephemeral")


def call_started(started: CallStarted) -> Message:
    """The confirmation: which phone rings, which number is dialled, what the callee sees."""
    device = started.device
    phone_name = escape(device.alias or device.type)
    shown = (
        f"They will see your number {started.shown_number}."
        if started.shown_number
        else "They will see the number sipgate has set for this phone."
    )
    text = (
        f"Calling {escape(started.target.described)}: your phone *{phone_name}* "
        f"(`{escape(device.id)}`) rings first, and when you pick up sipgate dials the number. "
        f"{shown}"
    )
    return message(
        f"Calling {escape(started.target.described)}",  # the fallback text is mrkdwn too
        [section(f":telephone_receiver: {text}")],
        response_type="ephemeral",
    )


def call_choices(choices: Choices) -> Message:
    """Several contacts match: one Call button per candidate number."""
    more = (
        f" (showing {len(choices.options)} numbers of {choices.total} matching contacts)"
        if choices.total > len(choices.options)
        else ""
    )
    intro = f"Several numbers match “{escape(choices.query)}”{more}. Whom should I call?"
    blocks: list[Block] = [section(f":busts_in_silhouette: {intro}")]
    for i, option in enumerate(choices.options[: MAX_MESSAGE_BLOCKS - 2]):
        value = number_value(option.e164, option.label)
        blocks.append(
            section(
                f"*{escape(option.label or option.display)}*\n{option.display}",
                accessory=button("Call", f"{ACTION_PICK}_{i}", value, style="primary"),
            )
        )
    blocks.append(context("Or type the number: `/call 0211 123456`."))
    return message(f"Several numbers match {choices.query}", blocks, response_type="ephemeral")


def lookup_results(lookup: Lookup) -> Message:
    """Contacts with their numbers and Call/SMS buttons; the count when more matched."""
    query = escape(lookup.query)
    if not lookup.contacts:
        text = f"No contact matches “{query}”. Try part of the name, the company or the number."
        return message(text, [section(f":mag: {text}")], response_type="ephemeral")
    shown = len(lookup.contacts)
    head = (
        f"{lookup.total} contacts match “{query}”; here are the best {shown}."
        if lookup.total > shown
        else f"1 contact matches “{query}”."
        if lookup.total == 1
        else f"{lookup.total} contacts match “{query}”."
    )
    blocks: list[Block] = [section(f":mag: {head}")]
    for contact in lookup.contacts:
        card = _contact_blocks(contact)
        if len(blocks) + len(card) > MAX_MESSAGE_BLOCKS - 1:
            break
        blocks.extend(card)
    if lookup.total > shown:
        blocks.append(context("Type more of the name, or the number, to narrow it down."))
    return message(head, blocks, response_type="ephemeral")


def _contact_blocks(contact: LookupContact) -> list[Block]:
    title = f"*{escape(contact.name or '(no name)')}*"
    if contact.organization:
        title += f"\n{escape(contact.organization)}"
    numbers = contact.numbers[:_NUMBERS_PER_CONTACT]
    lines = [_number_line(n) for n in numbers] or ["no numbers"]
    blocks: list[Block] = [section(title + "\n" + "\n".join(lines))]
    buttons: list[dict[str, Any]] = []
    for i, number in enumerate(numbers):
        if number.e164 is None:
            continue
        label = contact.name + (f", {'/'.join(number.types)}" if number.types else "")
        value = number_value(number.e164, label)
        short = number.display
        if number.can_call:
            buttons.append(button(f"Call {short}", f"{ACTION_CALL_NUMBER}_{i}", value))
        if number.can_sms:
            buttons.append(button(f"SMS {short}", f"{ACTION_SMS_NUMBER}_{i}", value))
    if buttons:
        blocks.append(actions(buttons))
    return blocks


def _number_line(number: LookupNumber) -> str:
    kind = "/".join(escape(t) for t in number.types) or "number"
    return f"• {kind}: {escape(number.display)}"
