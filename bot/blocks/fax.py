"""Block Kit for /fax: the modal, the "no fax line" view, and the status message of a fax."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.blocks import ids
from bot.blocks.common import (
    Message,
    actions,
    button,
    context,
    escape,
    fields,
    message,
    plain,
    section,
)
from bot.sipgate.models import Faxline
from bot.storage.fax import FaxJob

# Block and action ids of the modal's inputs (the submission handler reads them back).
NUMBER_BLOCK, NUMBER_ACTION = "fax_recipient", "number"
FILE_BLOCK, FILE_ACTION = "fax_document", "document"
LINE_BLOCK, LINE_ACTION = "fax_line", "faxline"
MAX_FILE_BYTES = 10_000_000  # Slack's file_input limit (slack-bolt.md §3.1)

View = dict[str, Any]

_STATUS = {
    "PENDING": (":hourglass_flowing_sand:", "Queued at sipgate"),
    "SCHEDULED": (":calendar:", "Scheduled at sipgate"),
    "SENDING": (":fax:", "Sending…"),
    "SENT": (":white_check_mark:", "Sent"),
    "FAILED": (":x:", "Failed"),
    "UNKNOWN": (":grey_question:", "Status unknown"),
    "RETRYING": (":repeat:", "Sending again…"),
}


@dataclass(frozen=True)
class ChosenFile:
    """A PDF picked from a message (the shortcut), shown instead of the upload field."""

    id: str
    name: str
    note: str = ""  # e.g. "The message has 2 PDFs; this is the first."


def fax_modal(
    *,
    channel_id: str,
    number: str = "",
    faxlines: Sequence[Faxline] = (),
    chosen: ChosenFile | None = None,
) -> View:
    """The "Send a fax" modal; the faxline select appears only with more than one line."""
    number_element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": NUMBER_ACTION,
        "max_length": 40,
        "placeholder": plain("+49 30 12345678 or a contact name"),
    }
    if number.strip():  # never send an empty initial_value (slack-bolt.md §3.1)
        number_element["initial_value"] = number.strip()[:40]
    blocks: list[dict[str, Any]] = [
        {
            "type": "input",
            "block_id": NUMBER_BLOCK,
            "label": plain("Fax number"),
            "hint": plain("International format, e.g. +49 30 12345678, or a contact's name"),
            "element": number_element,
        }
    ]
    blocks.append(_chosen_file(chosen) if chosen else _file_input())
    if len(faxlines) > 1:
        blocks.append(_line_select(faxlines))
    metadata = {"channel_id": channel_id}
    if chosen:
        metadata |= {"file_id": chosen.id, "file_name": chosen.name[:200]}
    return {
        "type": "modal",
        "callback_id": ids.VIEW_FAX,
        "title": plain("Send a fax", 24),
        "submit": plain("Send fax", 24),
        "close": plain("Cancel", 24),
        "private_metadata": json.dumps(metadata),
        "blocks": blocks,
    }


def _file_input() -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": FILE_BLOCK,
        "label": plain("PDF to send"),
        "element": {
            "type": "file_input",
            "action_id": FILE_ACTION,
            "filetypes": ["pdf"],
            "max_files": 1,
        },
    }


def _chosen_file(chosen: ChosenFile) -> dict[str, Any]:
    text = f":page_facing_up: *{escape(chosen.name)}* will be sent."
    if chosen.note:
        text += f"\n{escape(chosen.note)}"
    return section(text, block_id=FILE_BLOCK)


def _line_select(faxlines: Sequence[Faxline]) -> dict[str, Any]:
    options = [
        {"text": plain(f"{line.alias or line.id} ({line.id})", 75), "value": line.id}
        for line in faxlines[:100]
    ]
    return {
        "type": "input",
        "block_id": LINE_BLOCK,
        "label": plain("Send from fax line"),
        "element": {
            "type": "static_select",
            "action_id": LINE_ACTION,
            "options": options,
            "initial_option": options[0],
        },
    }


def no_fax_line_view(text: str) -> View:
    """What the modal turns into when the user cannot send faxes (`text` is safe mrkdwn)."""
    return {
        "type": "modal",
        "callback_id": ids.VIEW_FAX,
        "title": plain("Send a fax", 24),
        "close": plain("Close", 24),
        "blocks": [section(f":warning: {text}")],
    }


def fax_status(job: FaxJob, *, tz: str) -> Message:
    """The status message of a fax, updated in place as sipgate reports progress."""
    emoji, label = _STATUS.get(job.status, (":grey_question:", job.status.title()))
    headline = f"{emoji} *Fax to {escape(job.recipient_label)}: {label}*"
    detail = _detail(job, tz)
    blocks: list[dict[str, Any]] = [
        section(headline + (f"\n{detail}" if detail else "")),
        fields(
            [
                ("To", escape(job.recipient_label)),
                ("Document", escape(job.file_name)),
                ("Pages", str(job.page_count) if job.page_count else "?"),
                ("From fax line", f"`{escape(job.faxline_id)}`"),
            ]
        ),
        context(
            f"Sent by <@{job.slack_user_id}>"
            + (f" · attempt {job.attempts}" if job.attempts > 1 else "")
        ),
    ]
    if job.status == "FAILED":
        retry = button("Retry", ids.ACTION_FAX_RETRY, str(job.id), style="primary")
        blocks.append(actions([retry], block_id="fax_actions"))
    fallback = f"Fax to {job.recipient_label}: {label}"
    return message(fallback, blocks)


def _detail(job: FaxJob, tz: str) -> str:
    if job.status == "SENT" and job.sent_at:
        return f"Delivered {format_time(job.sent_at, tz)}."
    if job.status == "FAILED":
        return escape(job.failure or "sipgate reports that the fax could not be sent.")
    if job.status == "UNKNOWN":
        return escape(job.failure) + " Check the fax in sipgate's call history."
    return ""


def format_time(iso: str, tz: str) -> str:
    """A Slack date token for an ISO timestamp: each reader sees their own time zone.

    The fallback reads 'on Mon 23 Nov 2026 at 22:44 CET' in the time zone `tz`.
    """
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    fallback = moment.astimezone(zone).strftime("on %a %d %b %Y at %H:%M %Z")
    # The status message is seen by the whole channel: Slack renders <!date^…> in each
    # reader's own time zone; the fallback (notifications, old clients) uses the sender's.
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"
