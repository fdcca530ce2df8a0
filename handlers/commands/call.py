"""`/call <number, contact or @colleague>`: ack at once, start the call after the ack."""

from __future__ import annotations

from slack_bolt import Ack, Respond

from bot import blocks
from bot.blocks import calls as call_blocks
from bot.errors import UserError
from bot.services import Services
from bot.services.calls import CallStarted
from bot.slack_text import command_text
from handlers.background import in_background


def call_command(
    ack: Ack, command: dict[str, str], respond: Respond, *, services: Services
) -> None:
    """Validate what can be checked locally, ack, then resolve and call in the background."""
    user_id = command["user_id"]
    target = command_text(command.get("text") or "").strip()
    if not target:
        ack(**call_blocks.call_usage())
        return
    try:  # a typed number is checked before the ack: it needs no network
        typed = services.calls.check_typed_number(target)
    except UserError as exc:
        ack(**blocks.error(exc.user_message))
        return
    ack(**call_blocks.call_pending(target, typed.display if typed else ""))

    def work() -> blocks.Message:
        result = services.calls.place_call(user_id, target)
        if isinstance(result, CallStarted):
            return call_blocks.call_started(result)
        return call_blocks.call_choices(result)

    in_background(services, respond, work, what="/call")
