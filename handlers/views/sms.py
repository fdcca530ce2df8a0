"""Submission of the SMS form: field errors stay in the form, otherwise send after the ack."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack

from bot.blocks import sms as sms_blocks
from bot.blocks.common import truncate
from bot.services import Services
from bot.services.sms import InvalidSmsForm
from handlers.deadline import SIPGATE_SLOW, TooSlow, within_budget
from handlers.views.state import picked_time, view_metadata, view_value, view_values

_ERROR_BLOCKS = {
    "recipient": sms_blocks.RECIPIENT_BLOCK,
    "message": sms_blocks.MESSAGE_BLOCK,
    "when": sms_blocks.WHEN_BLOCK,
}


def sms_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], *, services: Services
) -> None:
    """Show field errors (`response_action: errors`), or close the form and send or schedule."""
    meta = view_metadata(view)
    values = view_values(view)
    recipient = view_value(values, sms_blocks.RECIPIENT_BLOCK, sms_blocks.RECIPIENT_ACTION)
    text = view_value(values, sms_blocks.MESSAGE_BLOCK, sms_blocks.MESSAGE_ACTION)
    when = view_value(values, sms_blocks.WHEN_BLOCK, sms_blocks.WHEN_ACTION)
    try:  # a name or @mention may need sipgate: bounded, so the ack stays in time
        draft = within_budget(
            lambda: services.sms.check_form(
                body["user"]["id"],
                str(meta.get("channel_id") or ""),
                recipient=str(recipient.get("value") or ""),
                message=str(text.get("value") or ""),
                send_at=picked_time(when.get("selected_date_time")),
                tz=str(meta.get("tz") or "UTC"),
            )
        )
    except InvalidSmsForm as exc:
        errors = {_ERROR_BLOCKS[k]: truncate(v, 150) for k, v in exc.errors.items()}
        ack(response_action="errors", errors=errors)
        return
    except TooSlow:
        ack(response_action="errors", errors={sms_blocks.RECIPIENT_BLOCK: SIPGATE_SLOW})
        return
    ack()
    services.scheduler.run_soon(services.sms.submit_and_tell, draft)
