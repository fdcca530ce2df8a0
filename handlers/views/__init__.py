"""Routing table for modal submissions: view callback id -> listener."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any

from slack_bolt import App

from bot.blocks import ids
from bot.services import Services
from handlers.views.fax import fax_submission
from handlers.views.sms import sms_submission

ROUTES: dict[str | re.Pattern[str], Callable[..., Any]] = {
    ids.VIEW_FAX: fax_submission,
    ids.VIEW_SMS: sms_submission,
}


def register(app: App, services: Services) -> None:
    """Register every listener of this kind."""
    for matcher, listener in ROUTES.items():
        app.view(matcher)(partial(listener, services=services))
