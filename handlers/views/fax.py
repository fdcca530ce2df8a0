"""Submission of the fax modal: check the fields in the modal, then send in the background."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack

from bot.blocks import fax as fax_blocks
from bot.services import Services
from bot.services.fax import InvalidForm
from handlers.views.state import view_value

_ERROR_BLOCKS = {"number": fax_blocks.NUMBER_BLOCK, "file": fax_blocks.FILE_BLOCK}


def fax_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], *, services: Services
) -> None:
    """Show field errors in the modal (`response_action: errors`), or close it and send."""
    meta = json.loads(view.get("private_metadata") or "{}")
    values = view.get("state", {}).get("values", {})
    number = view_value(values, fax_blocks.NUMBER_BLOCK, fax_blocks.NUMBER_ACTION).get("value")
    upload = view_value(values, fax_blocks.FILE_BLOCK, fax_blocks.FILE_ACTION)
    line = view_value(values, fax_blocks.LINE_BLOCK, fax_blocks.LINE_ACTION).get("selected_option")
    chosen = (
        (meta["file_id"], meta.get("file_name") or "document.pdf") if meta.get("file_id") else None
    )
    try:
        order = services.fax.prepare(
            slack_user_id=body["user"]["id"],
            channel_id=str(meta.get("channel_id") or ""),
            number=str(number or ""),
            files=upload.get("files") or [],  # key may be missing when empty (§3.2)
            chosen=chosen,
            faxline_id=str((line or {}).get("value") or ""),
        )
    except InvalidForm as exc:
        errors = {_ERROR_BLOCKS[k]: text[:150] for k, text in exc.errors.items()}
        ack(response_action="errors", errors=errors)
        return
    ack()
    services.scheduler.run_soon(services.fax.submit, order)
