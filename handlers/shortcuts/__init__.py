"""Routing table for shortcuts: callback id -> listener."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any

from slack_bolt import App

from bot.blocks import ids
from bot.services import Services
from handlers.shortcuts.fax_file import fax_file_shortcut

ROUTES: dict[str | re.Pattern[str], Callable[..., Any]] = {
    ids.SHORTCUT_FAX: fax_file_shortcut,
}


def register(app: App, services: Services) -> None:
    """Register every listener of this kind."""
    for matcher, listener in ROUTES.items():
        app.shortcut(matcher)(partial(listener, services=services))
