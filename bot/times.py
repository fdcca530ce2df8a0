"""Times people type ("in 2h", "at 9:00 tomorrow") parsed in their own time zone, and display."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dateparser

from bot.errors import UserError

# "at 9" / "tomorrow at 9" would be read as the current time of day; make it "at 9:00".
_BARE_HOUR = re.compile(r"\bat\s+(\d{1,2})(?![\d:.])(?!\s*(?:am|pm|h\b|uhr))", re.IGNORECASE)
# "in 2h", "in 10min": dateparser reads these, but spelled-out units are more reliable.
_UNITS = {"h": "hours", "hr": "hours", "min": "minutes", "m": "minutes", "d": "days"}
_SHORT_UNIT = re.compile(r"\b(\d+)\s*(h|hr|min|m|d)\b", re.IGNORECASE)
_LEADING_ON = re.compile(r"^\s*on\s+", re.IGNORECASE)
_SETTINGS = {
    "PREFER_DATES_FROM": "future",
    "RETURN_AS_TIMEZONE_AWARE": True,
    "TO_TIMEZONE": "UTC",
    # 24.12. is the 24th of December here (German-speaking users); "Dec 24" still works.
    "DATE_ORDER": "DMY",
}


class BadTime(UserError):
    """A time that cannot be used: unparseable, in the past, or too far ahead."""


def zone(tz: str) -> ZoneInfo:
    """The ZoneInfo for a Slack `tz` name, UTC when unknown or empty."""
    try:
        return ZoneInfo(tz or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def parse_when(text: str, *, tz: str, now: datetime) -> datetime:
    """Read a time like "at 9:00 tomorrow" or "in 2h" in zone `tz`; an aware UTC datetime.

    Raises:
        BadTime: when the text is not a time dateparser understands.
    """
    cleaned = _normalise(text)
    local_now = now.astimezone(zone(tz))
    try:
        parsed = dateparser.parse(
            cleaned,
            languages=["en", "de"],
            settings={
                **_SETTINGS,
                "TIMEZONE": zone(tz).key,
                "RELATIVE_BASE": local_now.replace(tzinfo=None),
            },
        )
        when: datetime | None = parsed.astimezone(UTC) if parsed is not None else None
    except OverflowError:  # "1.1.0001" or "31.12.9999 23:59" leave datetime's range in UTC
        when = None
    if when is None:
        raise BadTime(
            f"I could not read “{_safe(text)}” as a time. Try `at 9:00 tomorrow`, `in 2h`, "
            "`tomorrow 9am` or `on 24.12. at 10:00`."
        )
    return when


def check_window(when: datetime, *, now: datetime, max_days: int, tz: str) -> datetime:
    """Refuse times in the past or more than `max_days` ahead; return `when` unchanged."""
    if when <= now:
        raise BadTime(
            f"{format_when(when, tz)} is in the past. Pick a time in the future, or leave the "
            "time out to send now."
        )
    if when - now > timedelta(days=max_days):
        raise BadTime(
            f"{format_when(when, tz)} is more than {max_days} days ahead; SMS can be scheduled "
            f"at most {max_days} days in advance."
        )
    return when


def format_when(when: datetime, tz: str) -> str:
    """'Tue 24 Nov 09:00 (Europe/Berlin)': the time in the person's own zone, zone named."""
    local = when.astimezone(zone(tz))
    return f"{local:%a} {local.day} {local:%b %H:%M} ({zone(tz).key})"


def _normalise(text: str) -> str:
    cleaned = _LEADING_ON.sub("", text.strip())
    cleaned = _SHORT_UNIT.sub(lambda m: f"{m.group(1)} {_UNITS[m.group(2).lower()]}", cleaned)
    return _BARE_HOUR.sub(lambda m: f"at {m.group(1)}:00", cleaned)


def _safe(text: str) -> str:
    return text[:60].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
