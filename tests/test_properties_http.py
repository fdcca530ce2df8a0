"""Property-based tests end to end over HTTP: every slash command, sipgate webhook and
interactive payload of any shape, sent signed through the running bot, never gets a 5xx and
never causes a traceback text or an ERROR log. Runs are derandomized for CI.

The pure parsers' properties: test_properties.py.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from bot.simulator.blockkit import block_problems, view_problems
from bot.simulator.signing import sipgate_signature
from tests.strategies import (
    ALICE_USER,
    FRESH_TRIGGER,
    RESPONSE_URL,
    TRIGGER,
    USERS,
    block_actions,
    form_bodies,
    json_values,
    slack_text,
    views_and_shortcuts,
    well_formed_actions,
    well_formed_shortcuts,
    well_formed_views,
)

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
