"""/sms end to end over signed HTTP: send now and the form.

Scheduling, list, cancel, restarts and the SMS messages' Block Kit: test_sms_scheduling.py.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from bot.blocks import sms as sms_blocks
from bot.config import Config
from bot.simulator.blockkit import view_problems
from bot.simulator.slack_client import SlackRequester
from bot.sipgate import SipgateClient
from tests.conftest import SIGNING_SECRET, wait_until

ALICE, BOB, CARL, DORA = "U07ALICE9Z", "U07BOB12XY", "U07CARL0ZZ", "U07DORA0WB"
NUMBER, E164 = "+49 151 12345678", "+4915112345678"
ALICE_MOBILE = "+4915799912345"


def _reply(fake_slack, bot):
    bot.wait_idle()
    posts = fake_slack.response_posts()
    assert posts, "the bot sent no reply to the response_url"
    return json.dumps(posts[-1].body, ensure_ascii=False)


def _dms(fake_slack, user=ALICE):
    return [json.dumps(m.__dict__, ensure_ascii=False) for m in fake_slack.messages(user)]


def _rows(bot):
    return bot.services.storage.query("select * from scheduled_sms order by id")


def _open_form(slack, fake_slack, text="", user=ALICE):
    before = len(fake_slack.views)
    assert slack.command("/sms", text, user=user).status_code == 200
    wait_until(lambda: len(fake_slack.views) > before)  # views.open runs right after the ack
    return fake_slack.views[-1]["view"]


def _values(recipient, text, send_at=None):
    when = {"type": "datetimepicker", "selected_date_time": send_at}
    return {
        sms_blocks.RECIPIENT_BLOCK: {
            sms_blocks.RECIPIENT_ACTION: {"type": "plain_text_input", "value": recipient}
        },
        sms_blocks.MESSAGE_BLOCK: {
            sms_blocks.MESSAGE_ACTION: {"type": "plain_text_input", "value": text}
        },
        sms_blocks.WHEN_BLOCK: {sms_blocks.WHEN_ACTION: when},
    }


# -- sending now ----------------------------------------------------------------------------


def test_sms_is_sent_at_once_from_the_users_own_extension(slack, bot, fake_slack, fake_sipgate):
    ack = slack.command("/sms", f"{NUMBER} Running late, there in 10")
    assert ack.status_code == 200 and "Sending your SMS" in ack.text
    reply = _reply(fake_slack, bot)
    assert "was sent" in reply and "Running late" in reply
    assert fake_sipgate.sent_sms == [
        {"smsId": "s0", "recipient": E164, "message": "Running late, there in 10", "id": ANY_ID}
    ]
    assert [r["status"] for r in _rows(bot)] == ["sent"]


class _AnyId:
    def __eq__(self, other):
        return isinstance(other, str) and bool(other)


ANY_ID = _AnyId()


def test_message_containing_the_word_payload_is_sent(slack, bot, fake_slack, fake_sipgate):
    # Bolt 1.30.0 drops form bodies containing "payload" (slack-bolt.md §12).
    ack = slack.command("/sms", f"{NUMBER} the payload is ready")
    assert ack.status_code == 200 and "Sending" in ack.text
    _reply(fake_slack, bot)
    assert [s["message"] for s in fake_sipgate.sent_sms] == ["the payload is ready"]


def test_mention_texts_the_colleagues_mobile_number(slack, bot, fake_slack, fake_sipgate):
    slack.command("/sms", f"<@{ALICE}|alice.schmidt> Call me back", user=BOB)
    assert "was sent" in _reply(fake_slack, bot)
    assert fake_sipgate.sent_sms[0]["recipient"] == ALICE_MOBILE
    assert fake_sipgate.sent_sms[0]["smsId"] == "s1"


def test_unlinked_user_sends_from_the_company_extension(make_bot, env, fake_slack, fake_sipgate):
    bot = make_bot(Config.from_mapping({**env, "SMS_EXTENSION": "s1"}))
    slack = SlackRequester(bot.url, SIGNING_SECRET, fake_slack.url)
    slack.command("/sms", f"{NUMBER} Hello from Carl", user=CARL)
    assert "was sent" in _reply(fake_slack, bot)
    assert fake_sipgate.sent_sms[0]["smsId"] == "s1"


@pytest.mark.parametrize(
    ("user", "expected"),
    [(CARL, "not linked to a sipgate user"), (DORA, "has no SMS extension")],
)
def test_without_any_sender_extension_the_user_is_told_why(
    slack, bot, fake_slack, fake_sipgate, user, expected
):
    slack.command("/sms", f"{NUMBER} Hello", user=user)
    assert expected in _reply(fake_slack, bot)
    assert fake_sipgate.sent_sms == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+49 151", "Add a message"),
        ("12 Hello", "number"),
        (f"{NUMBER} " + "x" * 1601, "at most 1600"),
        ("0900 1234567 premium please", "premium"),
    ],
)
def test_bad_inline_input_is_refused_and_nothing_is_sent(
    slack, bot, fake_slack, fake_sipgate, text, expected
):
    ack = slack.command("/sms", text)
    shown = ack.text if "Sending" not in ack.text else _reply(fake_slack, bot)
    assert expected.lower() in shown.lower()
    bot.wait_idle()
    assert fake_sipgate.sent_sms == []


def test_several_matching_contacts_offer_buttons_that_open_the_filled_in_form(
    slack, bot, fake_slack, fake_sipgate
):
    slack.command("/sms", "an Running late")  # Anna Schmidt and Petra Hoffmann
    _reply(fake_slack, bot)
    reply = fake_slack.response_posts()[-1].body
    buttons = [b["accessory"] for b in reply["blocks"] if "accessory" in b]
    assert len(buttons) >= 2 and all(b["action_id"].startswith("sms_pick_") for b in buttons)
    before = len(fake_slack.views)
    slack.block_action(buttons[0]["action_id"], buttons[0]["value"])
    wait_until(lambda: len(fake_slack.views) > before)
    view = fake_slack.views[-1]["view"]
    assert view_problems(view) == []
    text = json.dumps(view["blocks"], ensure_ascii=False)
    assert "Running late" in text and fake_sipgate.sent_sms == []


def test_sipgate_failures_are_explained_and_the_post_is_never_retried(
    slack, bot, fake_slack, fake_sipgate
):
    cases = [
        (402, "balance is too low"),
        (403, "does not allow"),
        (400, "rejected"),
        (503, "having trouble"),
    ]
    for n, (status, expected) in enumerate(cases):
        fake_sipgate.fail("POST /sessions/sms", status)
        slack.command("/sms", f"{NUMBER} Attempt {n}")
        reply = _reply(fake_slack, bot)
        assert expected in reply and "could not be sent" in reply, reply
        fake_sipgate.clear_failures()
    assert len(fake_sipgate.requests("POST", "/sessions/sms")) == len(cases)
    assert {r["status"] for r in _rows(bot)} == {"failed"}


def test_sipgate_timeout_is_reported_as_unknown_and_not_resent(
    make_bot, config, fake_slack, fake_sipgate
):
    client = SipgateClient(
        config.sipgate_api_url, config.sipgate_token_id, config.sipgate_token, timeout=0.5
    )
    bot = make_bot(sipgate=client)
    slack = SlackRequester(bot.url, SIGNING_SECRET, fake_slack.url)
    fake_sipgate.delay("POST /sessions/sms", 1.5)
    slack.command("/sms", f"{NUMBER} Are you there?")
    reply = _reply(fake_slack, bot)
    assert "may or may not have been sent" in reply
    assert [r["status"] for r in _rows(bot)] == ["unknown"]
    wait_until(lambda: fake_sipgate.requests("POST", "/sessions/sms"))
    assert len(fake_sipgate.requests("POST", "/sessions/sms")) == 1


def test_double_submit_sends_once(slack, bot, fake_slack, fake_sipgate):
    slack.command("/sms", f"{NUMBER} Only once")
    slack.command("/sms", f"{NUMBER} Only once")
    bot.wait_idle()
    replies = [json.dumps(p.body) for p in fake_slack.response_posts()]
    assert len(fake_sipgate.sent_sms) == 1
    assert any("sent only once" in r for r in replies)


def test_same_text_now_and_scheduled_later_are_two_sms(slack, bot, fake_slack, fake_sipgate):
    slack.command("/sms", f"{NUMBER} Running late")
    wait_until(lambda: fake_sipgate.sent_sms)
    slack.command("/sms", f"{NUMBER} at 9:00 tomorrow: Running late")
    wait_until(
        lambda: any("Scheduled for" in json.dumps(p.body) for p in fake_slack.response_posts())
    )
    bot.wait_idle()
    assert len(fake_sipgate.sent_sms) == 1
    assert not any("sent only once" in json.dumps(p.body) for p in fake_slack.response_posts())


def test_rate_limit_counts_sent_and_scheduled_and_says_when_to_try_again(
    make_bot, env, fake_slack, fake_sipgate
):
    bot = make_bot(Config.from_mapping({**env, "SMS_RATE_LIMIT": "2"}))
    slack = SlackRequester(bot.url, SIGNING_SECRET, fake_slack.url)
    for text in ("one", "in 2h: two", "three"):
        slack.command("/sms", f"{NUMBER} {text}")
        bot.wait_idle()
    last = json.dumps(fake_slack.response_posts()[-1].body)
    assert "limit is 2 per hour" in last and "You can send again at" in last
    assert "(Europe/Berlin)" in last
    assert [s["message"] for s in fake_sipgate.sent_sms] == ["one"]


# -- the form ---------------------------------------------------------------------------------


def test_sms_without_text_opens_the_form(slack, bot, fake_slack):
    view = _open_form(slack, fake_slack)
    assert view["callback_id"] == "sms_send" and view_problems(view) == []
    types = [b["element"]["type"] for b in view["blocks"]]
    assert types == ["plain_text_input", "plain_text_input", "datetimepicker"]
    assert "160 characters" in json.dumps(view["blocks"])


def test_typing_in_the_form_updates_the_length_and_parts_hint(slack, bot, fake_slack):
    view = _open_form(slack, fake_slack)
    typed = "Grüße 🙂 " * 10  # emoji: UCS-2, 70 per SMS, 67 per part
    payload = {
        "type": "block_actions",
        "user": {"id": ALICE, "username": "alice", "name": "alice", "team_id": "T07ACME42Q"},
        "api_app_id": "A07SIPG8TE",
        "token": "dEpReCaTeDvErIfIcAtIoNtOk",
        "container": {"type": "view", "view_id": view["id"]},
        "trigger_id": slack.new_trigger_id(),
        "team": {"id": "T07ACME42Q", "domain": "acme-gmbh"},
        "view": view,
        "actions": [
            {
                "action_id": "sms_text",
                "block_id": "sms_message",
                "type": "plain_text_input",
                "value": typed,
                "action_ts": "1732284168.551203",
            }
        ],
    }
    assert slack.interactive(payload).status_code == 200
    bot.wait_idle()
    updated = fake_slack.assert_called("views.update", 1, view_id=view["id"])[0].args["view"]
    if isinstance(updated, str):
        updated = json.loads(updated)
    hint = next(b for b in updated["blocks"] if b["block_id"] == "sms_message")["hint"]["text"]
    assert "80 characters, 2 SMS parts" in hint  # 90 UTF-16 units > 70
    assert view_problems(updated) == []


def test_form_sends_now_and_tells_the_user_privately(slack, bot, fake_slack, fake_sipgate):
    view = _open_form(slack, fake_slack)
    assert slack.view_submission(view, _values(NUMBER, "From the form")).text == ""
    bot.wait_idle()
    assert [s["message"] for s in fake_sipgate.sent_sms] == ["From the form"]
    shown = json.dumps(fake_slack.ephemerals(ALICE))
    assert "was sent" in shown


def test_form_date_picker_schedules_and_confirms_in_the_users_zone(
    slack, bot, fake_slack, fake_sipgate
):
    view = _open_form(slack, fake_slack)
    send_at = int(time.time()) + 3 * 86400
    assert slack.view_submission(view, _values(NUMBER, "Later", send_at)).text == ""
    bot.wait_idle()
    assert fake_sipgate.sent_sms == []
    row = _rows(bot)[0]
    assert row["status"] == "pending"
    assert datetime.fromisoformat(row["run_at"]) == datetime.fromtimestamp(send_at, UTC)
    shown = json.dumps(fake_slack.ephemerals(ALICE))
    assert "Scheduled for" in shown and "(Europe/Berlin)" in shown


@pytest.mark.parametrize(
    ("recipient", "text", "offset", "block", "expected"),
    [
        (NUMBER, "   ", None, "sms_message", "cannot be empty"),
        (NUMBER, "x" * 1601, None, "sms_message", "at most 1600"),
        ("12", "Hi", None, "sms_recipient", "number"),
        (NUMBER, "Hi", -3600, "sms_when", "in the past"),
        (NUMBER, "Hi", 31 * 86400, "sms_when", "more than 30 days"),
    ],
)
def test_form_errors_are_shown_on_the_right_field(
    slack, bot, fake_slack, fake_sipgate, recipient, text, offset, block, expected
):
    view = _open_form(slack, fake_slack)
    send_at = int(time.time()) + offset if offset is not None else None
    answer = slack.view_submission(view, _values(recipient, text, send_at)).json()
    assert answer["response_action"] == "errors"
    assert expected in answer["errors"][block]
    bot.wait_idle()
    assert fake_sipgate.sent_sms == [] and _rows(bot) == []


def test_typed_landline_or_premium_number_is_refused_in_the_ack(slack, bot, fake_sipgate):
    for text, expected in (
        ("030 1234567 hello", "cannot receive SMS"),
        ("0900 1234567 hello", "premium-rate"),
    ):
        ack = slack.command("/sms", text)
        assert expected in ack.text and "Sending" not in ack.text
    bot.wait_idle()
    assert fake_sipgate.sent_sms == []
