"""Routing table for Block Kit actions: action id (or anchored regex) -> listener."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any

from slack_bolt import App

from bot.blocks import ids
from bot.services import Services
from handlers.actions.contact import call_number_action, sms_number_action
from handlers.actions.fax import fax_retry_action
from handlers.actions.live_call import live_call_action
from handlers.actions.sms import sms_cancel_action, sms_pick_action, sms_text_action

ROUTES: dict[str | re.Pattern[str], Callable[..., Any]] = {
    re.compile(ids.CALL_NUMBER_ACTIONS): call_number_action,
    re.compile(ids.PICK_ACTIONS): call_number_action,
    re.compile(ids.SMS_NUMBER_ACTIONS): sms_number_action,
    ids.ACTION_FAX_RETRY: fax_retry_action,
    re.compile(ids.LIVE_CALL_ACTIONS): live_call_action,
    ids.ACTION_SMS_CANCEL: sms_cancel_action,
    re.compile(ids.SMS_PICK_ACTIONS): sms_pick_action,
    ids.ACTION_SMS_TEXT: sms_text_action,
}


def register(app: App, services: Services) -> None:
    """Register every listener of this kind."""
    for matcher, listener in ROUTES.items():
        app.action(matcher)(partial(listener, services=services))
