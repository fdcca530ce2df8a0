"""Message shortcut "Send as fax": open the fax modal with the message's PDF chosen."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, Respond

from bot import blocks
from bot.blocks import fax as fax_blocks
from bot.services import Services
from handlers.background import tell
from handlers.commands.fax import open_fax_modal


def fax_file_shortcut(
    ack: Ack, shortcut: dict[str, Any], respond: Respond, *, services: Services
) -> None:
    """Pick the PDF from the message (slack-bolt.md §3.4); none -> ephemeral, else the modal."""
    ack()
    message = shortcut.get("message")
    files = message.get("files") if isinstance(message, dict) else None
    pdfs = [
        f
        for f in (files if isinstance(files, list) else [])
        if isinstance(f, dict) and f.get("filetype") == "pdf" and f.get("id")
    ]
    if not pdfs:
        tell(respond, blocks.error("That message has no PDF attached."), what="fax shortcut")
        return
    first = pdfs[0]
    note = f"The message has {len(pdfs)} PDFs; this is the first one." if len(pdfs) > 1 else ""
    chosen = fax_blocks.ChosenFile(str(first["id"]), str(first.get("name") or "document.pdf"), note)
    user_id = shortcut["user"]["id"]
    channel_id = (shortcut.get("channel") or {}).get("id", "")
    open_fax_modal(
        services,
        respond,
        shortcut["trigger_id"],
        user_id,
        lambda lines: fax_blocks.fax_modal(channel_id=channel_id, faxlines=lines, chosen=chosen),
    )
