"""Property-based tests over every parser of outside input: never a crash, always a clear answer.

Pure parsers get many examples; the HTTP tests send fewer signed requests through the running
bot and fail on any 5xx, traceback text or ERROR log. Runs are derandomized for CI.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import phonenumbers
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from bot import phone, sms_text, times
from bot.blocks import calls as call_blocks
from bot.blocks import sms as sms_blocks
from bot.simulator.blockkit import block_problems, view_problems
from bot.simulator.signing import sipgate_signature
from bot.sipgate import webhooks
from bot.slack_text import channel_mention, command_text, user_mention
from tests.strategies import (
    ALICE_USER,
    FRESH_TRIGGER,
    REGIONS,
    RESPONSE_URL,
    TIME_ZONES,
    TRIGGER,
    USERS,
    block_actions,
    form_bodies,
    json_values,
    slack_text,
    time_text,
    views_and_shortcuts,
    well_formed_actions,
    well_formed_shortcuts,
    well_formed_views,
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


# ================================================================== end to end over HTTP

HTTP = settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
BAD_WORDS = ("Traceback", "Exception", "Something went wrong")


class ErrorLog(logging.Handler):
    """Collects ERROR records from the bot, Bolt and our handlers."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def take(self) -> list[str]:
        found = [
            f"{r.name}: {r.getMessage()} {r.exc_info[1]!r}"
            if r.exc_info
            else f"{r.name}: {r.getMessage()}"
            for r in self.records
        ]
        self.records.clear()
        return found


@pytest.fixture
def error_log() -> Iterator[ErrorLog]:
    handler = ErrorLog()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


def _assert_clear(message: dict, where: str) -> None:
    """A message to Slack: has text, valid blocks, and no trace of an unexpected failure."""
    sent = json.dumps(message, ensure_ascii=False)
    assert not [w for w in BAD_WORDS if w in sent], f"{where}: {sent[:400]}"
    assert str(message.get("text") or "").strip(), f"{where} has no text: {sent[:400]}"
    assert block_problems(message.get("blocks", [])) == [], where


def _answers(slack_response, fake_slack, response_url: str) -> list[dict]:
    """The ack body (when not empty) and every POST to this request's response URL."""
    found = [slack_response.json()] if slack_response.text.strip() else []
    path = response_url.split("/", 3)[3]
    found += [p.body for p in fake_slack.response_posts() if p.path.lstrip("/") == path]
    return found


SUBCOMMANDS = {
    "/sipgate": ("help", "status", "device", "link", "unlink", "route", "routes", "unroute", ""),
    "/sms": ("list", "cancel", "cancel #", "+49 211 1234567", "<@U07BOB12XY|bob>", ""),
    "/call": ("", "+49", "<@U07BOB12XY|bob>"),
    "/lookup": ("", "Anna"),
    "/fax": ("", "+49 211 1234567"),
}


@pytest.mark.parametrize("command", sorted(SUBCOMMANDS))
def test_every_slash_command_answers_any_text_with_a_clear_message(
    command, slack, bot, fake_slack, error_log
):
    @HTTP
    @given(
        prefix=st.sampled_from(SUBCOMMANDS[command]),
        text=slack_text,
        user=st.sampled_from(USERS),
    )
    @example(prefix="route", text="<#C07CALLS3K|calls>", user=USERS[0])
    @example(prefix="", text="&lt;!channel&gt; 🙂 payload", user=USERS[2])
    @example(prefix="cancel", text="²", user=USERS[0])
    @example(prefix="+49 211 1234567", text="at 1.1.0001 10:00: hi", user=USERS[0])
    @example(prefix="cancel", text="#" + "9" * 30, user=USERS[0])
    def check(prefix, text, user):
        views, calls = len(fake_slack.calls("views.open")), len(fake_slack.calls())
        response_url = slack.response_url("commands")
        full = f"{prefix} {text}".strip()
        response = slack.command(command, full, user=user, response_url=response_url)
        assert response.status_code == 200, response.text[:300]
        bot.wait_idle()
        answers = _answers(response, fake_slack, response_url)
        opened = fake_slack.calls("views.open")[views:]
        assert answers or opened, f"{command} {full!r} got no answer"
        for answer in answers:
            _assert_clear(answer, f"{command} {full!r}")
        for call in opened:
            assert view_problems(call.args["view"]) == []
        _assert_nothing_bad_sent(fake_slack.calls()[calls:])
        event(f"{len(answers)} answers, {len(opened)} views")
        assert error_log.take() == []

    check()


def test_signed_sipgate_webhooks_get_xml_or_a_4xx(bot, sipgate_push, key_pair, error_log):
    @HTTP
    @given(body=form_bodies)
    @example(body=b"&".join([b"a=1"] * 201))
    @example(body=b"event=newCall&callId=1&direction=in&from=%C3%A4&user%5B%5D=")
    @example(body=b"event=hangup&callId=1&direction=out&cause=" + "🙂".encode() * 10)
    def check(body):
        response = sipgate_push.send_raw(body, sipgate_signature(key_pair[0], body))
        event(f"HTTP {response.status_code}")
        assert response.status_code == 200 or 400 <= response.status_code < 500, response.text
        if response.status_code == 200:
            assert response.text.startswith("<?xml") and "<Response" in response.text
        bot.wait_idle()
        assert error_log.take() == []

    check()


def _assert_nothing_bad_sent(calls) -> None:
    """No Web API call (messages, views, updates) carries traceback or failure text."""
    for call in calls:
        sent = json.dumps(call.args, ensure_ascii=False, default=str)
        assert not [w for w in BAD_WORDS if w in sent], f"{call.method}: {sent[:400]}"


def _submission(callback_id: str, values: dict) -> dict:
    """A view_submission as Slack sends it, with these state values."""
    return {
        "type": "view_submission",
        "user": ALICE_USER,
        "trigger_id": TRIGGER,
        "view": {
            "id": "V0000000001",
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": '{"channel_id": "C07CALLS3K", "tz": "Europe/Berlin"}',
            "state": {"values": values},
        },
    }


def _click(action_id: str, value: str, **extra: object) -> dict:
    """A well-formed block_actions payload for one button with this value."""
    action = {"action_id": action_id, "value": value}
    return {
        "type": "block_actions",
        "user": ALICE_USER,
        "trigger_id": TRIGGER,
        **extra,
        "actions": [action],
    }


def _sms_form(when: object) -> dict:
    """The SMS form's values with this `selected_date_time`."""
    return {
        "sms_when": {"send_at": {"selected_date_time": when}},
        "sms_recipient": {"recipient": {"value": "+49 211 1234567"}},
        "sms_message": {"message": {"value": "hi"}},
    }


# Inputs that once crashed the bot (a 500 or an ERROR log): each stays an explicit example.
CRASHED_ACTIONS = [
    _click("fax_retry", "abc"),  # int("abc") in fax_retry_action
    _click("fax_retry", "9" * 5000),  # int() refuses more than 4300 digits
    _click("sms_pick_0", '{"t": "soon"}'),  # read_pick_value: int("soon")
    _click("sms_cancel", "²"),  # "²".isdigit() but int("²") fails
    _click("sms_cancel", "9" * 30),  # too large for SQLite's INTEGER
    _click("contact_sms", "+4921112", trigger_id="expired"),  # views.open error unhandled
    {"type": "block_actions", "actions": [{"action_id": "call_hold"}]},  # no user: KeyError
    {**_click("contact_call", "x"), "actions": [{"action_id": "contact_call", "value": [1]}]},
]
CRASHED_VIEWS = [
    _submission("sms_send", {})
    | {"view": {"callback_id": "sms_send", "type": "modal", "private_metadata": "{not json"}},
    _submission("fax_send", {})
    | {"view": {"callback_id": "fax_send", "type": "modal", "private_metadata": "[1]"}},
    {"type": "view_submission", "user": ALICE_USER, "view": {"callback_id": "sms_send"}},
    _submission("sms_send", []),  # state.values a list
    _submission("fax_send", {"fax_line": {"faxline": {"selected_option": "f0"}}}),
    _submission("fax_send", {"fax_document": {"document": {"files": [1, None]}}}),
    _submission("sms_send", _sms_form("x")),  # int("x")
    _submission("sms_send", _sms_form(1e300)),  # past datetime.max
    {
        "type": "message_action",
        "user": ALICE_USER,
        "trigger_id": TRIGGER,
        "callback_id": "fax_message_pdf",
        "message": {"files": [1]},
    },
    {
        "type": "shortcut",
        "user": ALICE_USER,
        "trigger_id": TRIGGER,
        "callback_id": "fax_message_pdf",
    },  # a global shortcut has no response_url
]
CRASHED_PAYLOADS = [[{"type": "block_actions"}], "block_actions", None]  # Bolt's parser


def _check_interactive(payloads, crashed, bot, slack, fake_slack, error_log):
    @HTTP
    @given(payload=payloads)
    def check(payload):
        calls, posts = len(fake_slack.calls()), len(fake_slack.response_posts())
        if isinstance(payload, dict) and payload.get("response_url") == RESPONSE_URL:
            payload = {**payload, "response_url": slack.response_url("actions")}
        if isinstance(payload, dict) and payload.get("trigger_id") == FRESH_TRIGGER:
            payload = {**payload, "trigger_id": slack.new_trigger_id()}
        response = slack.interactive(payload)
        event(f"HTTP {response.status_code}")
        assert response.status_code < 500, response.text[:300]
        assert not [w for w in BAD_WORDS if w in response.text], response.text[:300]
        bot.wait_idle()
        _assert_nothing_bad_sent(fake_slack.calls()[calls:])
        for post in fake_slack.response_posts()[posts:]:
            _assert_clear(post.body, f"reply to {payload!r:.200}")
        assert error_log.take() == []

    for payload in crashed:
        check = example(payload=payload)(check)
    check()


def test_block_actions_of_any_shape_never_get_a_5xx(bot, slack, fake_slack, error_log):
    payloads = st.one_of(block_actions, well_formed_actions)
    _check_interactive(payloads, CRASHED_ACTIONS, bot, slack, fake_slack, error_log)


def test_views_and_shortcuts_of_any_shape_never_get_a_5xx(bot, slack, fake_slack, error_log):
    payloads = st.one_of(views_and_shortcuts, well_formed_views, well_formed_shortcuts)
    _check_interactive(payloads, CRASHED_VIEWS, bot, slack, fake_slack, error_log)


def test_payloads_that_are_not_objects_never_get_a_5xx(bot, slack, fake_slack, error_log):
    _check_interactive(json_values, CRASHED_PAYLOADS, bot, slack, fake_slack, error_log)


@pytest.mark.parametrize("payload", [[1], {"type": "block_actions"}, {"type": "shortcut"}])
def test_malformed_payloads_get_400_when_signed_and_401_when_not(payload, slack):
    body = "payload=" + quote(json.dumps(payload))
    assert slack.post(body).status_code == 400
    assert slack.post(body, secret="not-the-secret").status_code == 401
