"""Live-call notifications: signed sipgate webhooks in, posted and updated Slack messages out."""

from __future__ import annotations

import dataclasses
import json
import time
from datetime import UTC, datetime, timedelta

from bot.scheduler import Scheduler
from bot.simulator.blockkit import block_problems
from bot.simulator.sipgate_push import SipgatePusher
from bot.storage import live_calls as live_calls_db
from bot.storage import open_storage
from tests.conftest import wait_until

CALLS = "C07CALLS3K"
SALES = "C07SALES01"
WEBHOOK_URL = "https://bot.acme.example/sipgate/webhook"


def text_of(message) -> str:
    """Everything a reader sees in a message: fallback text and blocks."""
    return message.text + json.dumps(message.blocks, ensure_ascii=False)


def only_message(fake_slack, channel=CALLS, contains=""):
    """Wait until the channel holds exactly one message containing `contains`; return it."""

    def found():
        messages = fake_slack.messages(channel)
        return messages if len(messages) == 1 and contains in text_of(messages[0]) else None

    message = wait_until(found)[0]
    assert block_problems(message.blocks) == []
    return message


def posts(fake_slack, channel=CALLS):
    return [c for c in fake_slack.calls("chat.postMessage") if c.args.get("channel") == channel]


def updates(fake_slack):
    return [c for c in fake_slack.calls("chat.update") if c.status == 200]


def actions_of(message):
    return [b for b in message.blocks if b["type"] == "actions"]


def test_new_call_is_answered_at_once_with_answer_and_hangup_subscriptions(sipgate_push):
    started = time.monotonic()
    response = sipgate_push.new_call("A1")
    assert time.monotonic() - started < 0.5
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/xml")
    assert f'onAnswer="{WEBHOOK_URL}"' in response.text
    assert f'onHangup="{WEBHOOK_URL}"' in response.text
    answer = sipgate_push.answer("A1")
    assert answer.status_code == 200 and "onAnswer" not in answer.text
    assert "<Response/>" in sipgate_push.hangup("A1").text
    dtmf = sipgate_push.send([("event", "dtmf"), ("callId", "A1"), ("dtmf", "1")])
    assert dtmf.status_code == 200 and "<Response/>" in dtmf.text


def test_incoming_call_message_follows_the_call_from_ringing_to_answered_to_ended(
    sipgate_push, fake_slack, bot
):
    sipgate_push.new_call("A2", users=("Alice Schmidt", "Bob Meyer"), user_ids=("w0", "w1"))
    ringing = only_message(fake_slack, contains="Ringing")
    shown = text_of(ringing)
    assert "0211 1234567" in shown  # the caller, formatted for people
    assert "0211 12345670" in shown  # the called number
    assert "Alice Schmidt" in shown and "Bob Meyer" in shown
    assert not actions_of(ringing)

    sipgate_push.answer("A2", user="Bob Meyer", user_id="w1")
    answered = only_message(fake_slack, contains="Answered by")
    assert "Bob Meyer" in text_of(answered) and "<!date^" in text_of(answered)
    ids = [e["action_id"] for e in actions_of(answered)[0]["elements"]]
    assert ids == ["call_hold", "call_mute", "call_hangup"]
    assert answered.ts == ringing.ts

    sipgate_push.hangup("A2", cause="normalClearing")
    ended = only_message(fake_slack, contains="Call ended")
    assert "ended normally" in text_of(ended) and "lasted 0:0" in text_of(ended)
    assert not actions_of(ended)
    bot.wait_idle()
    assert len(posts(fake_slack)) == 1
    block_ids = {b["block_id"] for m in ended.history for b in m["blocks"] if "block_id" in b}
    assert len(block_ids) == len([1 for m in ended.history for b in m["blocks"] if "block_id" in b])


def test_caller_name_comes_from_the_contacts_cache_and_is_escaped(sipgate_push, fake_slack, bot):
    bot.services.contacts.refresh()
    sipgate_push.new_call("A3", from_number="4917699887766")
    assert "Matthias Braun" in text_of(only_message(fake_slack, contains="Matthias"))
    sipgate_push.new_call("A4", from_number="4930666666")
    evil = wait_until(lambda: [m for m in fake_slack.messages(CALLS) if "Evil" in m.text])[0]
    assert "<!channel>" not in text_of(evil) and "&lt;!channel&gt;" in text_of(evil)


def test_missed_call_is_shown_as_missed_with_a_call_back_button(sipgate_push, fake_slack):
    sipgate_push.new_call("A5")
    sipgate_push.hangup("A5", cause="cancel")
    missed = only_message(fake_slack, contains="Missed call")
    assert "rang Alice Schmidt" in text_of(missed)  # who it rang stays on the message
    button = actions_of(missed)[0]["elements"][0]
    assert button["action_id"] == "contact_call" and button["value"] == "+492111234567"


def test_group_call_answered_by_one_member_is_not_missed(sipgate_push, fake_slack):
    sipgate_push.new_call("A6", users=("Alice Schmidt", "Bob Meyer"), user_ids=("w0", "w1"))
    sipgate_push.answer("A6", user="Alice Schmidt", user_id="w0")
    sipgate_push.hangup("A6", cause="cancel")  # §19: hangups are sometimes reported as cancel
    ended = only_message(fake_slack, contains="Call ended")
    assert "Missed" not in text_of(ended) and "Alice Schmidt" in text_of(ended)


def test_voicemail_answer_is_labelled_voicemail_not_answered(sipgate_push, fake_slack):
    sipgate_push.new_call("A7")
    sipgate_push.answer("A7", user="", user_id="")
    live = only_message(fake_slack, contains="voicemail")
    assert "Answered by voicemail" in text_of(live) and not actions_of(live)
    sipgate_push.hangup("A7")
    assert "Went to voicemail" in text_of(only_message(fake_slack, contains="Went to"))


def test_the_same_event_delivered_twice_changes_nothing(sipgate_push, fake_slack, bot):
    for send in (lambda: sipgate_push.new_call("A8"), lambda: sipgate_push.answer("A8")):
        assert send().status_code == 200
        bot.wait_idle()
        assert send().status_code == 200
        bot.wait_idle()
    sipgate_push.hangup("A8")
    sipgate_push.hangup("A8")
    only_message(fake_slack, contains="Call ended")
    bot.wait_idle()
    assert len(posts(fake_slack)) == 1
    assert len(updates(fake_slack)) == 2  # answered, ended


def test_late_answer_after_hangup_never_reopens_the_call(sipgate_push, fake_slack, bot):
    sipgate_push.new_call("A9")
    sipgate_push.hangup("A9", cause="busy")
    only_message(fake_slack, contains="Missed call")
    bot.wait_idle()
    before = len(updates(fake_slack))
    sipgate_push.answer("A9")
    bot.wait_idle()
    assert len(updates(fake_slack)) == before
    assert "Missed call" in text_of(only_message(fake_slack))


def test_events_arriving_before_the_first_post_end_in_the_final_state(
    sipgate_push, fake_slack, bot
):
    bot.services.outbox.retry_base = 0.05
    fake_slack.fail("chat.postMessage", status=503)
    sipgate_push.new_call("A10")
    sipgate_push.answer("A10")
    sipgate_push.hangup("A10")
    wait_until(lambda: fake_slack.calls("chat.postMessage"))
    fake_slack.clear_failures()
    ended = only_message(fake_slack, contains="Call ended")
    assert "Answered" not in ended.text
    bot.wait_idle()
    assert len([c for c in posts(fake_slack) if c.status == 200]) == 1


def test_admin_routes_a_number_to_a_channel_and_lists_and_removes_routes(
    slack, sipgate_push, fake_slack, bot
):
    ack = slack.command("/sipgate", "route +49 211 12345600 <#C07SALES01|vertrieb>")
    assert "+49 211 12345600" in ack.text and "C07SALES01" in ack.text
    sipgate_push.new_call("R1", to_number="4921112345600")
    only_message(fake_slack, SALES, contains="Incoming call")
    assert "+49 211 12345600" in slack.command("/sipgate", "routes").text
    assert "no longer" in slack.command("/sipgate", "unroute +49 211 12345600").text
    sipgate_push.new_call("R2", to_number="4921112345600")
    only_message(fake_slack, CALLS, contains="Incoming call")
    assert len(fake_slack.messages(SALES)) == 1


def test_routes_match_ringing_users_and_groups_from_the_numbers_cache(
    slack, sipgate_push, fake_slack, bot
):
    slack.command("/sipgate", "route w1 <#C07SALES01|vertrieb>")
    sipgate_push.new_call("R3", users=("Bob Meyer",), user_ids=("w1",))
    only_message(fake_slack, SALES)
    slack.command("/sipgate", "unroute w1")
    slack.command("/sipgate", "route g0 <#C07GENERAL|general>")
    bot.wait_idle()  # the first call loaded the numbers cache in the background
    sipgate_push.new_call("R4", to_number="4921112345600", user_ids=("w0",))
    general = only_message(fake_slack, "C07GENERAL")
    assert "Sales" in text_of(general)  # the line's alias from the numbers cache


def test_only_admins_may_change_routes_and_bad_routes_get_usage(slack):
    refused = slack.command("/sipgate", "route w1 <#C07SALES01>", user="U07BOB12XY")
    assert "Only bot admins" in refused.text
    assert "route +49 211 12345600 #sales" in slack.command("/sipgate", "route w1").text
    assert "sipgate user id" in slack.command("/sipgate", "route bob <#C07SALES01>").text


def test_outgoing_calls_are_posted_only_where_a_route_asks_for_them(
    slack, sipgate_push, fake_slack, bot
):
    outgoing = {"direction": "out", "from_number": "4921112345670", "to_number": "4917699887766"}
    sipgate_push.new_call("O1", **outgoing)
    bot.wait_idle()
    assert not fake_slack.calls("chat.postMessage")
    slack.command("/sipgate", "route w0 <#C07SALES01|vertrieb> outgoing")
    sipgate_push.new_call("O2", **outgoing)
    message = only_message(fake_slack, SALES, contains="Outgoing call")
    assert "0176 99887766" in text_of(message)


def test_forged_and_unsigned_webhooks_are_refused_and_post_nothing(sipgate_push, fake_slack, bot):
    body = b"event=newCall&from=492111234567&to=4921112345670&direction=in&callId=F1"
    assert sipgate_push.send_raw(body, None).status_code == 403
    assert sipgate_push.send_raw(body, "AAAA").status_code == 403
    bot.wait_idle()
    assert not fake_slack.calls("chat.postMessage")


def test_without_public_url_new_call_gets_an_empty_response(make_bot, config, key_pair):
    bot = make_bot(dataclasses.replace(config, public_url=None))
    pusher = SipgatePusher(f"{bot.url}/sipgate/webhook", key_pair[0])
    response = pusher.new_call("P1")
    assert response.status_code == 200 and "onAnswer" not in response.text


def test_unrouted_calls_without_calls_channel_are_not_posted(
    make_bot, config, key_pair, fake_slack
):
    bot = make_bot(dataclasses.replace(config, calls_channel=None))
    SipgatePusher(f"{bot.url}/sipgate/webhook", key_pair[0]).new_call("U1")
    bot.wait_idle()
    assert not fake_slack.calls("chat.postMessage")


def test_call_without_hangup_is_closed_after_the_bound(make_bot, key_pair, fake_slack):
    now = [datetime.now(UTC)]
    bot = make_bot(clock=lambda: now[0], scheduler=Scheduler(lock_path=None, sweep_interval=0.1))
    pusher = SipgatePusher(f"{bot.url}/sipgate/webhook", key_pair[0])
    pusher.new_call("S1")
    pusher.answer("S1")
    only_message(fake_slack, contains="Answered by")
    now[0] += timedelta(hours=5)
    closed = only_message(fake_slack, contains="no hangup received")
    assert "Call ended" in text_of(closed) and not actions_of(closed)


def test_an_event_that_cannot_be_applied_is_set_aside_and_blocks_no_other_call(
    make_bot, config, fake_slack
):
    # Events stored by a server that stopped before applying them (as after a crash) ...
    storage = open_storage(config.database_path)
    # ... and a fault injected at the database boundary: storing call "POISON" always fails.
    storage.execute(
        "create trigger poison before insert on calls when new.call_id = 'POISON' "
        "begin select raise(abort, 'poisoned row'); end"
    )
    for call_id in ("POISON", "FINE"):
        body = f"event=newCall&direction=in&from=492111234567&to=4921112345670&callId={call_id}"
        assert live_calls_db.receive_event(storage, call_id, "newCall", "w0", body, "2026-11-23")
    storage.close()
    bot = make_bot()  # the owner's start sweep applies the inbox
    only_message(fake_slack, contains="Incoming call")
    bot.wait_idle()
    storage = bot.services.storage
    assert live_calls_db.inbox(storage, 10) == []
    (failed,) = storage.query("select call_id, error from inbox_failed")
    assert failed["call_id"] == "POISON" and "poisoned row" in failed["error"]
