"""Routing table for slash commands: command -> listener."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from slack_bolt import App

from bot.blocks import ids
from bot.services import Services
from handlers.commands.call import call_command
from handlers.commands.fax import fax_command
from handlers.commands.lookup import lookup_command
from handlers.commands.sipgate import sipgate_command
from handlers.commands.sms import sms_command

ROUTES: dict[str, Callable[..., Any]] = {
    ids.COMMAND_SIPGATE: sipgate_command,
    ids.COMMAND_CALL: call_command,
    ids.COMMAND_LOOKUP: lookup_command,
    ids.COMMAND_FAX: fax_command,
    ids.COMMAND_SMS: sms_command,
}


def register(app: App, services: Services) -> None:
    """Register every slash command listener."""
    for command, listener in ROUTES.items():
        app.command(command)(partial(listener, services=services))
