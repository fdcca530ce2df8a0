"""`/fax [number]`: open the fax modal at once, then check the user's fax lines."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk.errors import SlackApiError

from bot import blocks
from bot.blocks import fax as fax_blocks
from bot.errors import UserError
from bot.services import Services
from bot.sipgate.models import Faxline
from handlers.background import tell

logger = logging.getLogger(__name__)


def fax_command(ack: Ack, command: dict[str, str], respond: Respond, *, services: Services) -> None:
    """Ack, open the modal with the number prefilled (trigger ids live 3 s), then check lines."""
    ack()
    user_id, channel_id = command["user_id"], command.get("channel_id", "")
    number = command.get("text") or ""
    open_fax_modal(
        services,
        respond,
        command["trigger_id"],
        user_id,
        lambda lines: fax_blocks.fax_modal(channel_id=channel_id, number=number, faxlines=lines),
    )


def open_fax_modal(
    services: Services,
    respond: Respond,
    trigger_id: str,
    user_id: str,
    build: Callable[[list[Faxline]], dict[str, Any]],
) -> None:
    """Open the modal built from the cached fax lines now; re-check the lines afterwards."""
    lines = services.fax.cached_lines(user_id)
    opened = open_modal(services, trigger_id, build(lines), respond)
    if opened is not None:
        services.scheduler.run_soon(
            check_lines,
            services,
            respond,
            opened,
            user_id=user_id,
            had_select=len(lines) > 1,
            rebuild=build,
        )


def open_modal(
    services: Services, trigger_id: str, view: dict[str, Any], respond: Respond
) -> dict[str, Any] | None:
    """views.open; on failure tell the user (ephemeral) and return None."""
    try:
        return dict(services.slack.views_open(trigger_id=trigger_id, view=view)["view"])
    except SlackApiError as exc:
        logger.warning("Could not open the fax modal: %s", exc.response.get("error"))
        message = blocks.error("Slack would not open the fax form; please try again.")
        tell(respond, message, what="fax form")
        return None


def check_lines(
    services: Services,
    respond: Respond,
    opened: dict[str, Any],
    *,
    user_id: str,
    had_select: bool,
    rebuild: Callable[[list[Faxline]], dict[str, Any]],
) -> None:
    """Background: turn the modal into an error when the user cannot fax, add the line select."""
    try:
        lines = services.fax.sending_lines(user_id)
    except UserError as exc:
        _update(services, opened, fax_blocks.no_fax_line_view(exc.user_message))
        tell(respond, blocks.error(exc.user_message), what="fax lines")
        return
    if len(lines) > 1 and not had_select:
        _update(services, opened, rebuild(lines))


def _update(services: Services, opened: dict[str, Any], view: dict[str, Any]) -> None:
    try:
        services.slack.views_update(view_id=opened["id"], hash=opened.get("hash"), view=view)
    except SlackApiError as exc:  # the user closed or submitted it meanwhile: nothing to fix
        logger.info("Could not update the fax modal: %s", exc.response.get("error"))
