"""/call over signed HTTP: every target form, the contact pick, both account types, every error."""

from __future__ import annotations

import json
import time

import pytest

from bot.blocks.ids import ACTION_PICK
from bot.config import Config
from bot.simulator.blockkit import block_problems
from bot.simulator.slack_client import SlackRequester
from bot.sipgate import SipgateClient
from bot.storage.calls import calls_by_user
from tests.conftest import SIGNING_SECRET, wait_until

ALICE, BOB, CARL, DORA = "U07ALICE9Z", "U07BOB12XY", "U07CARL0ZZ", "U07DORA0WB"


def _reply(fake_slack, bot):
    """The next message the bot sent to a response_url (waits for it: Bolt acks first)."""
    seen = getattr(bot, "replies_seen", 0)
    wait_until(lambda: len(fake_slack.response_posts()) > seen)
    bot.wait_idle()
    posts = fake_slack.response_posts()
    bot.replies_seen = len(posts)
    body = posts[-1].body
    assert block_problems(body["blocks"]) == []
    return body


def _text(message) -> str:
    return json.dumps(message["blocks"], ensure_ascii=False)


def _started(fake_sipgate, path="/sessions/calls"):
    return [r.json for r in fake_sipgate.requests("POST", path) if r.status == 200]


# -- target forms ----------------------------------------------------------------------------


def test_call_with_empty_text_replies_with_usage(slack, fake_sipgate, fake_slack):
    ack = slack.command("/call", "   ")
    assert ack.status_code == 200
    assert "/call +49 211 123456" in ack.text and "@colleague" in ack.text
    assert not fake_sipgate.requests("POST")
    assert not fake_slack.response_posts()


@pytest.mark.parametrize("typed", ["+49 211 123456", "0211 123456", "0049 211 123456"])
def test_call_to_a_typed_number_rings_the_default_device_then_dials_it(
    slack, bot, fake_sipgate, fake_slack, typed
):
    ack = slack.command("/call", typed)
    assert ack.status_code == 200
    assert "Calling 0211 123456" in ack.text and ack.json()["response_type"] == "ephemeral"
    assert block_problems(ack.json()["blocks"]) == []
    reply = _reply(fake_slack, bot)
    # caller = the device extension alone (sipgate-api.md §4): the callee sees its number
    assert _started(fake_sipgate) == [{"caller": "e0", "callee": "+49211123456"}]
    text = _text(reply)
    assert reply["response_type"] == "ephemeral"
    assert "Alice desk phone" in text and "`e0`" in text
    assert "Calling 0211 123456:" in text and "your number 0211 12345670" in text


def test_call_to_a_contact_name_dials_the_contacts_number(slack, bot, fake_sipgate, fake_slack):
    slack.command("/call", "klaus wagner")
    text = _text(_reply(fake_slack, bot))
    assert _started(fake_sipgate) == [{"caller": "e0", "callee": "+492115556667"}]
    assert "Klaus Wagner" in text and "0211 5556667" in text


def test_call_to_a_mention_dials_the_colleagues_direct_number(slack, bot, fake_sipgate, fake_slack):
    ack = slack.command("/call", "<@U07BOB12XY|bob.meyer>")
    assert "<@U07BOB12XY>" in ack.text
    text = _text(_reply(fake_slack, bot))
    assert _started(fake_sipgate) == [{"caller": "e0", "callee": "+4921112345671"}]
    assert "Bob Meyer" in text and "0211 12345671" in text


def test_call_starts_from_the_device_chosen_with_sipgate_device(
    slack, bot, fake_sipgate, fake_slack
):
    slack.command("/sipgate", "device y0")
    _reply(fake_slack, bot)
    slack.command("/call", "0211 5556667")
    text = _text(_reply(fake_slack, bot))
    assert _started(fake_sipgate) == [{"caller": "y0", "callee": "+492115556667"}]
    assert "Alice mobile" in text


def test_several_matching_contacts_give_pick_buttons_and_the_clicker_calls(
    slack, bot, fake_sipgate, fake_slack
):
    slack.command("/call", "anna")
    choices = _reply(fake_slack, bot)
    assert not fake_sipgate.requests("POST")
    buttons = [
        b["accessory"] for b in choices["blocks"] if b.get("accessory", {}).get("type") == "button"
    ]
    labels = [json.loads(b["value"])["l"] for b in buttons]
    assert any("Anna Schmidt" in label for label in labels)
    assert any("Anna Berger" in label for label in labels)
    berger = next(b for b in buttons if "Anna Berger" in b["value"])
    assert berger["action_id"].startswith(ACTION_PICK)
    # Bob clicks: the call rings Bob's phone, not Alice's.
    click = slack.block_action(berger["action_id"], berger["value"], user=BOB)
    assert click.status_code == 200
    text = _text(_reply(fake_slack, bot))
    assert _started(fake_sipgate) == [{"caller": "e1", "callee": "+49897654321"}]
    assert "Anna Berger" in text and "Bob desk phone" in text


def test_a_pick_button_with_a_forged_premium_number_is_refused(
    slack, bot, fake_sipgate, fake_slack
):
    slack.block_action(f"{ACTION_PICK}_0", json.dumps({"n": "+499001234567", "l": "x"}))
    assert "premium-rate" in _text(_reply(fake_slack, bot))
    assert not fake_sipgate.requests("POST")


def test_contact_names_are_escaped_in_the_confirmation(slack, bot, fake_sipgate, fake_slack):
    slack.command("/call", "evil")
    reply = _reply(fake_slack, bot)
    assert "<!channel>" not in _text(reply) and "&lt;!channel&gt;" in _text(reply)
    assert _started(fake_sipgate) == [{"caller": "e0", "callee": "+4930666666"}]


def test_every_call_is_audited(slack, bot, fake_sipgate, fake_slack):
    slack.command("/call", "0211 5556667")
    _reply(fake_slack, bot)
    fake_sipgate.fail("POST /sessions/calls", 402)
    slack.command("/call", "0211 5556667")
    _reply(fake_slack, bot)
    rows = calls_by_user(bot.services.storage, ALICE)
    assert [(r.outcome, r.error, r.device_id, r.callee) for r in rows] == [
        ("failed", "InsufficientFunds", "e0", "+492115556667"),
        ("started", "", "e0", "+492115556667"),
    ]
    assert rows[1].session_id and rows[1].account_type == "classic"


# -- account types (sipgate-api.md §18) -------------------------------------------------------


def test_neo_account_is_detected_once_and_calls_via_post_calls(
    slack, bot, fake_sipgate, fake_slack
):
    fake_sipgate.account_type = "neo"
    slack.command("/call", "0211 5556667")
    assert "Alice desk phone" in _text(_reply(fake_slack, bot))
    slack.command("/call", "+49 211 123456")
    _reply(fake_slack, bot)
    assert _started(fake_sipgate, "/calls") == [
        {"deviceId": "e0", "targetNumber": "492115556667"},
        {"deviceId": "e0", "targetNumber": "49211123456"},
    ]
    assert not fake_sipgate.requests("POST", "/sessions/calls")
    fake_sipgate.assert_requested("GET", "/groups", count=1)  # cached after the first call


def test_account_moved_to_neo_is_redetected_on_403_and_each_endpoint_gets_one_post(
    slack, bot, fake_sipgate, fake_slack
):
    slack.command("/call", "0211 5556667")
    _reply(fake_slack, bot)
    fake_sipgate.account_type = "neo"
    slack.command("/call", "0211 5556667")
    assert "Alice desk phone" in _text(_reply(fake_slack, bot))
    fake_sipgate.assert_requested("POST", "/sessions/calls", count=2)  # one per /call
    fake_sipgate.assert_requested("POST", "/calls", count=1)
    fake_sipgate.assert_requested("GET", "/groups", count=2)


def test_403_for_the_device_is_not_retried_when_the_account_type_is_unchanged(
    slack, bot, fake_sipgate, fake_slack
):
    fake_sipgate.fail("POST /sessions/calls", 403)
    slack.command("/call", "0211 5556667")
    text = _text(_reply(fake_slack, bot))
    assert "does not allow" in text and "device e0" in text
    fake_sipgate.assert_requested("POST", "/sessions/calls", count=1)
    assert not fake_sipgate.requests("POST", "/calls")
    fake_sipgate.assert_requested("GET", "/groups", count=2)  # detected, then re-detected


# -- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("0211 12", "not a valid phone number"),
        ("0900 1234567", "premium-rate"),
        ("0180 5123456", "shared-cost"),
        ("0700 12345678", "personal numbers"),
        ("112", "emergency number"),
        ("110", "emergency number"),
    ],
)
def test_unusable_numbers_are_refused_in_the_ack_without_asking_sipgate(
    slack, fake_sipgate, fake_slack, typed, says
):
    ack = slack.command("/call", typed)
    assert ack.status_code == 200 and says in ack.text
    assert ack.json()["response_type"] == "ephemeral"
    assert block_problems(ack.json()["blocks"]) == []
    assert not fake_sipgate.requests()
    assert not fake_slack.response_posts()


def test_unknown_contact_name_says_how_to_find_it(slack, bot, fake_sipgate, fake_slack):
    slack.command("/call", "nobody-like-this")
    text = _text(_reply(fake_slack, bot))
    assert "No contact matches" in text and "/lookup" in text
    assert not fake_sipgate.requests("POST")


def test_allowed_countries_limits_destinations(make_bot, env, fake_sipgate, fake_slack):
    bot = make_bot(Config.from_mapping({**env, "ALLOWED_COUNTRIES": "DE,AT"}))
    slack = SlackRequester(bot.url, SIGNING_SECRET, fake_slack.url)
    ack = slack.command("/call", "+33 1 42 68 53 00")
    assert "only allows AT, DE" in ack.text and "ALLOWED_COUNTRIES" in ack.text
    slack.command("/call", "zoe")  # a contact in France
    assert "only allows AT, DE" in _text(_reply(fake_slack, bot))
    slack.command("/call", "+43 1 5123456")
    _reply(fake_slack, bot)
    assert _started(fake_sipgate) == [{"caller": "e0", "callee": "+4315123456"}]


def test_slack_user_without_sipgate_user_is_told_to_ask_an_admin(
    slack, bot, fake_sipgate, fake_slack
):
    slack.command("/call", "0211 5556667", user=CARL, user_name="carl.nolink")
    text = _text(_reply(fake_slack, bot))
    assert "not linked" in text and "/sipgate link" in text
    assert not fake_sipgate.requests("POST")


def test_offline_device_says_so_and_how_to_choose_another(slack, bot, fake_sipgate, fake_slack):
    slack.command("/call", "0211 5556667", user=DORA, user_name="dora.weber")
    text = _text(_reply(fake_slack, bot))
    assert "`y2`" in text and "offline" in text and "/sipgate device" in text
    assert not fake_sipgate.requests("POST")


def test_unknown_device_says_which_devices_exist(slack, bot, fake_sipgate, fake_slack):
    slack.command("/sipgate", "device y0")
    _reply(fake_slack, bot)
    fake_sipgate.devices["w0"] = [d for d in fake_sipgate.devices["w0"] if d["id"] != "y0"]
    slack.command("/call", "0211 5556667")
    text = _text(_reply(fake_slack, bot))
    assert "`y0`" in text and "not one of your sipgate devices" in text and "`e0`" in text
    assert not fake_sipgate.requests("POST")


@pytest.mark.parametrize(
    ("status", "says"),
    [
        (401, "sipgate-slack check"),
        (402, "balance is too low to start the call"),
        (403, "does not allow this token to start the call"),
        (500, "sipgate is having trouble right now (HTTP 500)"),
        (503, "sipgate is having trouble right now (HTTP 503)"),
    ],
)
def test_sipgate_errors_on_the_call_are_clear_ephemeral_messages(
    slack, bot, fake_sipgate, fake_slack, status, says
):
    fake_sipgate.fail("POST /sessions/calls", status)
    slack.command("/call", "0211 5556667")
    reply = _reply(fake_slack, bot)
    assert says in _text(reply) and reply["response_type"] == "ephemeral"
    fake_sipgate.assert_requested("POST", "/sessions/calls", count=1)  # a POST is never retried


def test_sipgate_timeout_on_the_call_is_a_clear_message(make_bot, fake_sipgate, fake_slack):
    client = SipgateClient(fake_sipgate.url, fake_sipgate.token_id, fake_sipgate.token, timeout=0.5)
    bot = make_bot(sipgate=client)
    slack = SlackRequester(bot.url, SIGNING_SECRET, fake_slack.url)
    fake_sipgate.delay("POST /sessions/calls", 1.0)
    slack.command("/call", "0211 5556667")
    text = _text(_reply(fake_slack, bot))
    assert "not answering" in text and "try again" in text
    # the fake logs a request once it has answered it, after the delay
    wait_until(lambda: fake_sipgate.requests("POST", "/sessions/calls"), timeout=3)
    fake_sipgate.assert_requested("POST", "/sessions/calls", count=1)  # not retried


def test_ack_never_waits_for_sipgate(slack, bot, fake_sipgate, fake_slack):
    slack.command("/sipgate", "status")  # warm the person cache; the call itself is delayed
    _reply(fake_slack, bot)
    fake_sipgate.delay("POST /sessions/calls", 2)
    before = len(fake_slack.response_posts())
    started = time.monotonic()
    ack = slack.command("/call", "0211 5556667")
    assert time.monotonic() - started < 1.0
    assert "Calling 0211 5556667" in ack.text
    assert len(fake_slack.response_posts()) == before
    wait_until(lambda: len(fake_slack.response_posts()) > before, timeout=5)
    assert "Alice desk phone" in _text(_reply(fake_slack, bot))


def test_a_started_call_is_confirmed_even_if_the_number_list_cannot_be_read(
    slack, bot, fake_sipgate, fake_slack
):
    fake_sipgate.fail("GET /numbers", 503)
    slack.command("/call", "0211 5556667")
    text = _text(_reply(fake_slack, bot))
    assert "Alice desk phone" in text and "the number sipgate has set for this phone" in text
    assert len(_started(fake_sipgate)) == 1


def test_typed_angle_brackets_are_shown_as_text_not_escaped_twice(slack):
    ack = slack.command("/call", "&lt;script&gt; &amp; co")
    assert "&amp;lt;" not in ack.text and "&amp;amp;" not in ack.text
    assert "&lt;script&gt; &amp; co" in ack.text


def test_double_click_on_a_call_button_places_one_call(slack, bot, fake_sipgate, fake_slack):
    value = json.dumps({"n": "+492115556667", "l": "Klaus"})
    slack.block_action(f"{ACTION_PICK}_0", value)
    slack.block_action(f"{ACTION_PICK}_0", value)
    wait_until(lambda: len(fake_slack.response_posts()) >= 2)
    bot.wait_idle()
    fake_sipgate.assert_requested("POST", "/sessions/calls", count=1)
    replies = " ".join(json.dumps(p.body) for p in fake_slack.response_posts())
    assert "a moment ago" in replies and "Alice desk phone" in replies
