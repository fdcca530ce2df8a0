"""Routing table for slash commands: command -> listener."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from slack_bolt import App

from bot.blocks import ids
from bot.services import Services
from handlers.commands.sipgate import sipgate_command

ROUTES: dict[str, Callable[..., Any]] = {
    ids.COMMAND_SIPGATE: sipgate_command,
}


def register(app: App, services: Services) -> None:
    """Register every slash command listener."""
    for command, listener in ROUTES.items():
        app.command(command)(partial(listener, services=services))
