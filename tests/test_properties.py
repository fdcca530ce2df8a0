"""Property-based tests over every pure parser of outside input: never a crash, always a clear
answer.

Pure parsers get many examples; the HTTP tests (test_properties_http.py) send fewer signed
requests through the running bot. Runs are derandomized for CI.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import phonenumbers
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot import phone, sms_text, times
from bot.blocks import calls as call_blocks
from bot.blocks import sms as sms_blocks
from bot.simulator.signing import sipgate_signature
from bot.sipgate import webhooks
from bot.slack_text import channel_mention, command_text, user_mention
from tests.strategies import (
    REGIONS,
    TIME_ZONES,
    form_bodies,
    json_values,
    slack_text,
    time_text,
)

PURE = settings(max_examples=300, derandomize=True, deadline=None, database=None)
SLOW_PURE = settings(max_examples=120, derandomize=True, deadline=None, database=None)


# ------------------------------------------------------------------ phone numbers


@PURE
@given(text=slack_text, region=st.sampled_from(REGIONS))
@example(text="\u0661\u0662\u0663\u0664\u0665\u0666\u0667", region="DE")  # Arabic-Indic digits
def test_parsing_a_number_raises_nothing_but_invalid_number(text, region):
    try:
        number = phone.parse_number(text, region)
    except phone.InvalidNumber as exc:
        assert exc.user_message and "Traceback" not in exc.user_message
        assert "<" not in exc.user_message  # what was typed is escaped
        return
    assert phonenumbers.is_valid_number(number)
    assert phone.e164(number).startswith("+")


@PURE
@given(text=slack_text, region=st.sampled_from(REGIONS))
def test_lenient_number_helpers_never_raise(text, region):
    normalised = phone.normalise(text, region)
    assert normalised is None or normalised.startswith("+")
    assert isinstance(phone.display(text, region), str)
    assert isinstance(phone.international(text, region), str)
    assert isinstance(phone.looks_like_number(text), bool)
    number = phone.to_number(text, region)
    if number is not None:
        assert isinstance(phone.kind(number), str)
        assert isinstance(phone.region_of(number), str)


def _example_numbers() -> list[str]:
    found = []
    for region in ("DE", "AT", "CH", "US", "GB", "FR", "IT", "NL", "PL", "ES"):
        for kind in (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE):
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None:
                found.append(phone.e164(number))
    return found


valid_numbers = st.builds(
    lambda base, tail: base[: -len(tail)] + tail if tail else base,
    st.sampled_from(_example_numbers()),
    st.text(alphabet="0123456789", max_size=4),
)


@PURE
@given(raw=valid_numbers, region=st.sampled_from(("DE", "AT", "US", "FR")))
def test_valid_numbers_round_trip_through_display_and_normalise(raw, region):
    try:
        number = phone.parse_number(raw, region)
    except phone.InvalidNumber:
        return  # a changed tail may make the number invalid: that is the documented answer
    e164 = phone.e164(number)
    assert phone.normalise(e164, region) == e164
    assert phone.normalise(phone.display(number, region), region) == e164
    assert phone.normalise(phone.international(number), region) == e164
    assert phone.e164(phone.parse_number(phone.display(e164, region), region)) == e164


# ------------------------------------------------------------------ times

# Instants around daylight-saving changes in the seed users' zones and odd ones.
DST_EDGES = [
    datetime(2026, 3, 29, 0, 59, tzinfo=UTC),  # Europe/Berlin springs forward at 01:00 UTC
    datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
    datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # Berlin falls back at 01:00 UTC
    datetime(2026, 3, 8, 6, 59, tzinfo=UTC),  # New York springs forward at 07:00 UTC
    datetime(2026, 11, 1, 5, 30, tzinfo=UTC),  # New York falls back at 06:00 UTC
    datetime(2026, 10, 3, 15, 30, tzinfo=UTC),  # Lord Howe's half-hour change
    datetime(2027, 12, 31, 23, 59, tzinfo=UTC),
    datetime(2028, 2, 28, 22, 0, tzinfo=UTC),
]
nows = st.one_of(
    st.sampled_from(DST_EDGES),
    st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
    ),
)


@SLOW_PURE
@given(text=time_text, tz=st.sampled_from(TIME_ZONES), now=nows)
@example(text="tomorrow 02:30", tz="Europe/Berlin", now=datetime(2026, 3, 28, 12, tzinfo=UTC))
@example(text="at 2:30 on 25.10.", tz="Europe/Berlin", now=DST_EDGES[0])
@example(text="in 99999999 days", tz="UTC", now=DST_EDGES[0])
@example(text="31.12.9999 23:59", tz="America/New_York", now=DST_EDGES[0])  # past datetime.max
@example(text="1.1.0001", tz="Europe/Berlin", now=DST_EDGES[0])  # before datetime.min in UTC
def test_time_parsing_returns_utc_or_a_clear_bad_time(text, tz, now):
    try:
        when = times.parse_when(text, tz=tz, now=now)
    except times.BadTime as exc:
        assert exc.user_message and "Traceback" not in exc.user_message
        assert "<" not in exc.user_message.replace("“", "")
        return
    assert when.utcoffset() == timedelta(0)
    assert times.format_when(when, tz)
    try:
        assert times.check_window(when, now=now, max_days=30, tz=tz) == when
    except times.BadTime as exc:
        assert "past" in exc.user_message or "ahead" in exc.user_message


# ------------------------------------------------------------------ SMS text


@PURE
@given(text=st.text(max_size=400))
@example(text="€" * 80)  # 160 septets: exactly one GSM-7 SMS
@example(text="€" * 81)
@example(text="🙂" * 35)  # 70 UTF-16 units: exactly one UCS-2 SMS
def test_sms_parts_are_consistent_with_the_alphabet_and_length(text):
    seg = sms_text.segments(text)
    gsm = all(c in sms_text._GSM_BASIC or c in sms_text._GSM_EXTENDED for c in text)
    assert seg.encoding == ("GSM-7" if gsm else "UCS-2")
    single, multi = (160, 153) if gsm else (70, 67)
    assert seg.length >= len(text) if gsm else seg.length == len(text.encode("utf-16-le")) // 2
    assert (seg.parts == 0) == (text == "")
    if seg.parts == 1:
        assert seg.length <= single
    elif seg.parts > 1:
        assert seg.length > single and (seg.parts - 1) * multi < seg.length <= seg.parts * multi
    assert str(len(text)) in sms_text.describe_segments(text)


@PURE
@given(text=slack_text)
def test_inline_sms_split_never_loses_the_message(text):
    inline = sms_text.split_inline(text)
    if inline is None:
        return
    assert inline.splits
    for recipient, message in inline.splits:
        assert recipient.strip() and message.strip()
        assert message in text


# ------------------------------------------------------------------ Slack text and button values


@PURE
@given(text=slack_text)
def test_command_text_and_mentions_never_raise(text):
    unwrapped = command_text(text)
    assert isinstance(unwrapped, str)
    for token in unwrapped.split():
        assert user_mention(token) is None or user_mention(token).startswith(("U", "W"))
        assert channel_mention(token) is None or channel_mention(token).startswith(("C", "G"))


button_values = st.one_of(
    st.text(max_size=40),
    json_values.map(json.dumps),
    st.dictionaries(st.sampled_from(["n", "l", "m", "t"]), json_values, max_size=4).map(json.dumps),
)


@PURE
@given(value=button_values)
@example(value='{"n": "+492111234567", "m": "hi", "t": "soon"}')
@example(value='{"n": "+492111234567", "t": [1]}')
@example(value='{"t": 1e400}')
def test_button_values_read_back_without_raising(value):
    number, label = call_blocks.read_number_value(value)
    assert isinstance(number, str) and isinstance(label, str)
    number, message, send_at = sms_blocks.read_pick_value(value)
    assert isinstance(number, str) and isinstance(message, str)
    assert send_at is None or isinstance(send_at, int)


# ------------------------------------------------------------------ sipgate webhooks


@PURE
@given(body=form_bodies)
@example(body=b"event=newCall&callId=1&direction=in&user%5B%5D=%ff")
@example(body=b"event=answer&callId=%00&direction=out")
@example(body=b"&".join([b"a=1"] * 201))  # more fields than parse_qs allows
@example(body=b"event=dtmf&callId=x&dtmf=" + b"1" * (64 * 1024))
def test_parse_event_returns_an_event_or_rejects_with_4xx(body):
    try:
        event = webhooks.parse_event(body)
    except webhooks.WebhookRejected as exc:
        assert 400 <= exc.status < 500 and exc.reason
        return
    assert event.event in webhooks.EVENTS and event.call_id
    assert isinstance(event, webhooks.NewCall | webhooks.Answer | webhooks.Hangup | webhooks.Dtmf)


@pytest.fixture
def push_keys(key_pair):
    private, pem = key_pair
    return private, webhooks.load_public_key(pem)


@settings(PURE, max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=100), signature=st.one_of(st.none(), st.text(max_size=50)))
@example(body=b"x", signature=base64.b64encode(b"\x00" * 256).decode())
@example(body=b"x", signature="=" * 4)
@example(body=b"x", signature="ä")
def test_signature_check_refuses_anything_but_a_valid_signature_with_403(
    push_keys, body, signature
):
    private, public = push_keys
    with pytest.raises(webhooks.WebhookRejected) as refused:
        webhooks.verify_signature(body, signature, public)
    assert refused.value.status == 403
    webhooks.verify_signature(body, sipgate_signature(private, body), public)
