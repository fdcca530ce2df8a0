"""Pure modules of /sms: typed times in the user's zone, SMS parts, and the inline syntax."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.sms_text import segments, split_inline
from bot.times import BadTime, check_window, format_when, parse_when

NOW = datetime(2026, 11, 23, 21, 40, tzinfo=UTC)  # a Monday, 22:40 in Berlin


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("at 9:00 tomorrow", "2026-11-24 08:00"),
        ("9:00 tomorrow", "2026-11-24 08:00"),
        ("tomorrow 9am", "2026-11-24 08:00"),
        ("tomorrow at 9", "2026-11-24 08:00"),
        ("in 2h", "2026-11-23 23:40"),
        ("in 10min", "2026-11-23 21:50"),
        ("in 2 hours", "2026-11-23 23:40"),
        ("on 24.12. at 10:00", "2026-12-24 09:00"),
        ("friday 14:00", "2026-11-27 13:00"),
        ("morgen 9:00", "2026-11-24 08:00"),
    ],
)
def test_typed_times_are_read_in_the_users_zone(text, expected):
    when = parse_when(text, tz="Europe/Berlin", now=NOW)
    assert when.tzinfo is not None
    assert when.astimezone(UTC).strftime("%Y-%m-%d %H:%M") == expected


def test_the_same_words_mean_a_different_instant_in_another_zone():
    berlin = parse_when("at 9:00 tomorrow", tz="Europe/Berlin", now=NOW)
    new_york = parse_when("at 9:00 tomorrow", tz="America/New_York", now=NOW)
    assert new_york - berlin == timedelta(hours=6)
    assert format_when(new_york, "America/New_York") == "Tue 24 Nov 09:00 (America/New_York)"


def test_unknown_zone_falls_back_to_utc():
    assert format_when(NOW, "Mars/Olympus") == "Mon 23 Nov 21:40 (UTC)"


def test_unreadable_time_names_the_accepted_forms():
    with pytest.raises(BadTime) as caught:
        parse_when("whenever <!channel>", tz="UTC", now=NOW)
    assert "in 2h" in caught.value.user_message and "<!channel>" not in caught.value.user_message


@pytest.mark.parametrize(
    ("offset", "expected"),
    [(timedelta(minutes=-1), "in the past"), (timedelta(days=31), "more than 30 days")],
)
def test_times_outside_the_window_are_refused(offset, expected):
    with pytest.raises(BadTime) as caught:
        check_window(NOW + offset, now=NOW, max_days=30, tz="Europe/Berlin")
    assert expected in caught.value.user_message and "(Europe/Berlin)" in caught.value.user_message


def test_time_inside_the_window_is_accepted():
    when = NOW + timedelta(days=29)
    assert check_window(when, now=NOW, max_days=30, tz="UTC") == when


@pytest.mark.parametrize(
    ("text", "length", "encoding", "parts"),
    [
        ("", 0, "GSM-7", 0),
        ("x" * 160, 160, "GSM-7", 1),
        ("x" * 161, 161, "GSM-7", 2),
        ("x" * 306, 306, "GSM-7", 2),
        ("x" * 307, 307, "GSM-7", 3),
        ("€" * 80, 160, "GSM-7", 1),  # extension characters take two septets
        ("ä" * 160, 160, "GSM-7", 1),
        ("ł" * 70, 70, "UCS-2", 1),
        ("ł" * 71, 71, "UCS-2", 2),
        ("🙂" * 35, 70, "UCS-2", 1),  # an emoji is two UTF-16 units
    ],
)
def test_sms_parts_follow_gsm7_and_ucs2_limits(text, length, encoding, parts):
    found = segments(text)
    assert (found.length, found.encoding, found.parts) == (length, encoding, parts)


@pytest.mark.parametrize(
    ("text", "splits", "when"),
    [
        ("+49 151 12345678 Running late", [("+49 151 12345678", "Running late")], ""),
        ("+49151 at 9:00 tomorrow: Running late", [("+49151", "Running late")], "at 9:00 tomorrow"),
        ("<@U07BOB12XY|bob> in 2h: Call me back", [("<@U07BOB12XY|bob>", "Call me back")], "in 2h"),
        ('"Anna Schmidt" Hi there', [("Anna Schmidt", "Hi there")], ""),
        ("Anna on 24.12. at 10:00: Merry", [("Anna", "Merry")], "on 24.12. at 10:00"),
        ("+49151 Note: at 10", [("+49151", "Note: at 10")], ""),
        (
            "Anna Schmidt see you",
            [("Anna Schmidt see", "you"), ("Anna Schmidt", "see you"), ("Anna", "Schmidt see you")],
            "",
        ),
    ],
)
def test_inline_text_splits_into_recipient_time_and_message(text, splits, when):
    inline = split_inline(text)
    assert inline is not None
    assert list(inline.splits) == splits and inline.when == when


@pytest.mark.parametrize("text", ["+49 151 12345678", "Anna", "<@U07BOB12XY>", "+4915 in 2h:"])
def test_inline_text_without_a_message_is_not_an_sms(text):
    assert split_inline(text) is None
