"""`/lookup <name, company or number>`: search the sipgate contacts, answer ephemerally."""

from __future__ import annotations

from slack_bolt import Ack, Respond

from bot.blocks import calls as call_blocks
from bot.services import Services
from bot.slack_text import command_text
from handlers.background import in_background


def lookup_command(
    ack: Ack, command: dict[str, str], respond: Respond, *, services: Services
) -> None:
    """Ack at once; the search (which may first fill the contacts cache) runs after the ack."""
    query = command_text(command.get("text") or "").strip()
    if not query:
        ack(**call_blocks.lookup_usage())
        return
    ack(**call_blocks.lookup_pending(query))
    in_background(
        services,
        respond,
        lambda: call_blocks.lookup_results(services.calls.lookup(query)),
        what="/lookup",
    )
