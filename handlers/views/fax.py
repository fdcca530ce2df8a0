"""Submission of the fax modal: check the fields in the modal, then send in the background."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack

from bot.blocks import fax as fax_blocks
from bot.services import Services
from bot.services.fax import InvalidForm
from handlers.deadline import SIPGATE_SLOW, TooSlow, within_budget
from handlers.views.state import view_metadata, view_value, view_values

_ERROR_BLOCKS = {"number": fax_blocks.NUMBER_BLOCK, "file": fax_blocks.FILE_BLOCK}


def fax_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], *, services: Services
) -> None:
    """Show field errors in the modal (`response_action: errors`), or close it and send."""
    meta = view_metadata(view)
    values = view_values(view)
    number = view_value(values, fax_blocks.NUMBER_BLOCK, fax_blocks.NUMBER_ACTION).get("value")
    upload = view_value(values, fax_blocks.FILE_BLOCK, fax_blocks.FILE_ACTION)
    line = view_value(values, fax_blocks.LINE_BLOCK, fax_blocks.LINE_ACTION).get("selected_option")
    line = line if isinstance(line, dict) else None  # an option object, or nothing chosen
    files = upload.get("files")  # a list of file objects; the key is missing when empty (§3.2)
    files = [f for f in files if isinstance(f, dict)] if isinstance(files, list) else []
    chosen = (
        (meta["file_id"], meta.get("file_name") or "document.pdf") if meta.get("file_id") else None
    )
    try:  # a contact name may need sipgate: bounded, so the ack stays in time
        order = within_budget(
            lambda: services.fax.prepare(
                slack_user_id=body["user"]["id"],
                channel_id=str(meta.get("channel_id") or ""),
                number=str(number or ""),
                files=files,
                chosen=chosen,
                faxline_id=str((line or {}).get("value") or ""),
            )
        )
    except InvalidForm as exc:
        errors = {_ERROR_BLOCKS[k]: text[:150] for k, text in exc.errors.items()}
        ack(response_action="errors", errors=errors)
        return
    except TooSlow:
        ack(response_action="errors", errors={fax_blocks.NUMBER_BLOCK: SIPGATE_SLOW})
        return
    ack()
    services.scheduler.run_soon(services.fax.submit, order)
