"""Checks on the fake sipgate API's request bodies and arguments, and the limits they enforce."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import phonenumbers
from werkzeug.datastructures import MultiDict

from bot.simulator.sipgate_seed import Json

MAX_SMS_LENGTH = 1600
MAX_FAX_BASE64 = 28_330_000
FAX_STATUSES = ("PENDING", "SENDING", "SENT", "FAILED", "SCHEDULED")
_SCHEDULE_LIMIT = 30 * 24 * 3600
_EXTENSION = re.compile(r"[a-z](0|[1-9][0-9]*)")
_SMS_ID = re.compile(r"s(0|[1-9][0-9]*)")
_DTMF = re.compile(r"[0-9A-D#*]+")
_E164 = re.compile(r"\+?[1-9][0-9]{1,14}")
_PAGE = re.compile(rb"/Type\s*/Page(?!s)")
_Args = MultiDict[str, str]


class _Reject(Exception):
    """Abort the current request with a status and a short plain-text body."""

    def __init__(self, status: int, message: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _plausible(value: Any) -> bool:
    """Tell whether value is an E.164 number (leading + optional) that could exist."""
    if not isinstance(value, str) or not _E164.fullmatch(value):
        return False
    try:
        number = phonenumbers.parse("+" + value.lstrip("+"), None)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_possible_number(number))


def _normalise(raw: str) -> str:
    """Reduce a number to "+<digits>", reading "00…" as international and "0…" as German."""
    text = raw.strip()
    digits = re.sub(r"[^0-9]", "", text)
    if text.startswith("+"):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    if digits.startswith("0"):
        return "+49" + digits[1:]
    return digits


def _iso(timestamp: float) -> str:
    """Format a Unix time the way sipgate does: ISO-8601 with Z."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _obj(body: Any) -> Json:
    """Return the JSON body as an object, or reject with 400."""
    if not isinstance(body, dict):
        raise _Reject(400, "JSON object body required")
    return body


def _text(body: Json, key: str) -> str:
    """Return a required non-empty string field, or reject with 400."""
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise _Reject(400, f"{key} is required")
    return value


def _flag(body: Json, key: str) -> bool:
    """Return a required boolean field, or reject with 400."""
    value = body.get(key)
    if not isinstance(value, bool):
        raise _Reject(400, f"{key} must be a boolean")
    return value


def _count(args: _Args, key: str, default: int) -> int:
    """Return a non-negative integer query parameter, or reject with 400."""
    raw = args.get(key)
    if raw is None:
        return default
    if not re.fullmatch(r"[0-9]{1,9}", raw):
        raise _Reject(400, f"invalid {key}")
    return int(raw)


def _url(value: Any, *, allow_empty: bool = False) -> bool:
    """Tell whether value is an http(s) URL (or "" where that switches a webhook off)."""
    if not isinstance(value, str):
        return False
    return (allow_empty and value == "") or value.startswith(("http://", "https://"))
