"""Hold / Resume, Mute / Unmute and Hang up buttons on a live-call message."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, Respond

from bot import blocks
from bot.errors import UserError
from bot.services import Services
from handlers.background import tell

logger = logging.getLogger(__name__)


def live_call_action(
    ack: Ack, body: dict[str, Any], respond: Respond, *, services: Services
) -> None:
    """Ack at once; authorize and act via sipgate on a worker; the message updates itself."""
    ack()
    action = body["actions"][0]
    verb = action["action_id"].removeprefix("call_")
    call_id = action.get("value") or ""
    clicker = body["user"]["id"]

    def job() -> None:
        try:
            services.live_calls.control(clicker, call_id, verb)
        except UserError as exc:
            logger.info("Call control %s refused: %s", verb, type(exc).__name__)
            reply = blocks.error(exc.user_message)
        except Exception:
            logger.exception("Call control %s failed", verb)
            reply = blocks.something_went_wrong()
        else:
            return  # success shows up as the message update (through the outbox)
        # Only the clicker sees why; the shared call message stays as it is (§4.6).
        tell(respond, reply, what=f"call control {verb}", replace_original=False)

    job.__name__ = f"call_control:{verb}"
    services.scheduler.run_soon(job)
