"""Run the slow part of a Slack interaction after the ack, and report back to the user."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import blocks
from bot.errors import UserError
from bot.services import Services

logger = logging.getLogger(__name__)


def in_background(
    services: Services, respond: Respond, work: Callable[[], dict[str, Any]], *, what: str
) -> None:
    """Run `work` on the scheduler; send its message (or a clear error) through `respond`."""

    def job() -> None:
        try:
            reply = work()
        except UserError as exc:
            logger.info("%s refused: %s", what, type(exc).__name__)
            reply = blocks.error(exc.user_message)
        except Exception:
            logger.exception("%s failed", what)
            reply = blocks.something_went_wrong()
        tell(respond, reply, what=what)

    job.__name__ = f"reply:{what}"
    services.scheduler.run_soon(job)


def tell(respond: Respond, reply: dict[str, Any], *, what: str, **options: Any) -> None:
    """Send `reply` through `respond`; log (never raise) when it cannot be delivered."""
    try:
        result = respond(**reply, **options)
    except ValueError:  # Bolt's respond when the payload has no response_url (a view, say)
        logger.warning("Could not reply to %s: the request carried no response_url", what)
        return
    if result.status_code != 200:
        logger.warning("Slack refused the reply for %s (HTTP %s)", what, result.status_code)


def open_form(
    client: WebClient, trigger_id: str, view: dict[str, Any], respond: Respond, *, form: str
) -> None:
    """Open a modal from a button; if Slack refuses, tell the clicker to click again."""
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:  # a trigger id works once, for 3 s (slack-bolt.md §2.6)
        logger.warning("Could not open the %s: %s", form, exc.response.get("error"))
        sorry = blocks.error(f"Slack would not open the {form}; please click again.")
        tell(respond, sorry, what=f"{form} button", replace_original=False)
