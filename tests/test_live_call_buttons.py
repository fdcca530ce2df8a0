"""Hold / Resume, Mute / Unmute and Hang up on a live-call message, over signed HTTP."""

from __future__ import annotations

import json
import threading

from bot.simulator.sipgate_push import SipgatePusher
from bot.simulator.slack_client import SlackRequester
from bot.storage import live_calls as calls_db
from tests.conftest import SIGNING_SECRET, wait_until
from tests.test_call_notifications import CALLS, actions_of, only_message, text_of

ALICE, BOB, CARL, DORA = "U07ALICE9Z", "U07BOB12XY", "U07CARL0ZZ", "U07DORA0WB"


def answered_call(sipgate_push, fake_slack, fake_sipgate, call_id="L1", *, live=True):
    """A group call (Alice, Bob) answered by Bob; returns its message as a click payload."""
    if live:
        fake_sipgate.add_live_call(call_id)
    sipgate_push.new_call(call_id, users=("Alice Schmidt", "Bob Meyer"), user_ids=("w0", "w1"))
    sipgate_push.answer(call_id, user="Bob Meyer", user_id="w1")
    message = only_message(fake_slack, contains="Answered by")
    return {"ts": message.ts, "text": message.text, "blocks": message.blocks}


def button_ids(fake_slack):
    message = fake_slack.messages(CALLS)[0]
    return [e["action_id"] for a in actions_of(message) for e in a["elements"]]


def ephemeral_reply(fake_slack, bot):
    bot.wait_idle()
    posts = fake_slack.response_posts("actions")
    assert posts, "no reply to the clicker"
    body = posts[-1].body
    assert body["response_type"] == "ephemeral" and body["replace_original"] is False
    return json.dumps(body["blocks"])


def rtcm_requests(fake_sipgate):
    return [r for r in fake_sipgate.requests() if r.path.startswith("/calls/")]


def test_hold_then_resume_by_a_user_the_call_rang(
    slack, bot, sipgate_push, fake_slack, fake_sipgate
):
    message = answered_call(sipgate_push, fake_slack, fake_sipgate)
    assert slack.block_action("call_hold", "L1", user=BOB, message=message).status_code == 200
    held = only_message(fake_slack, contains="On hold")
    assert f"On hold* — by <@{BOB}>" in text_of(held)
    assert button_ids(fake_slack) == ["call_resume", "call_mute", "call_hangup"]
    assert fake_sipgate.assert_requested("PUT", "/calls/L1/hold")[0].json == {"value": True}
    assert fake_sipgate.live_calls["L1"]["hold"] is True

    slack.block_action("call_resume", "L1", user=ALICE, message=message)
    wait_until(lambda: "On hold" not in text_of(fake_slack.messages(CALLS)[0]))
    assert button_ids(fake_slack) == ["call_hold", "call_mute", "call_hangup"]
    assert fake_sipgate.live_calls["L1"]["hold"] is False
    trail = calls_db.actions(bot.services.storage, "L1")
    assert [(a["slack_user_id"], a["action"], a["result"]) for a in trail] == [
        (BOB, "hold", "ok"),
        (ALICE, "resume", "ok"),
    ]


def test_mute_and_unmute_toggle_the_button(slack, bot, sipgate_push, fake_slack, fake_sipgate):
    message = answered_call(sipgate_push, fake_slack, fake_sipgate)
    slack.block_action("call_mute", "L1", user=BOB, message=message)
    muted = only_message(fake_slack, contains="Muted")
    assert f"Muted* — by <@{BOB}>" in text_of(muted)
    assert button_ids(fake_slack) == ["call_hold", "call_unmute", "call_hangup"]
    slack.block_action("call_unmute", "L1", user=BOB, message=message)
    wait_until(lambda: "call_mute" in button_ids(fake_slack))
    bodies = [r.json for r in fake_sipgate.requests("PUT", "/calls/L1/muted")]
    assert bodies == [{"value": True}, {"value": False}]


def test_hang_up_ends_the_call_and_removes_the_buttons(
    slack, bot, sipgate_push, fake_slack, fake_sipgate
):
    message = answered_call(sipgate_push, fake_slack, fake_sipgate)
    hangup = actions_of(fake_slack.messages(CALLS)[0])[0]["elements"][2]
    assert hangup["style"] == "danger" and "confirm" in hangup
    slack.block_action("call_hangup", "L1", user=BOB, message=message)
    ended = only_message(fake_slack, contains="Call ended")
    assert f"hung up from Slack by <@{BOB}>" in text_of(ended) and not actions_of(ended)
    fake_sipgate.assert_requested("DELETE", "/calls/L1", count=1)
    sipgate_push.hangup("L1")  # sipgate's own hangup afterwards changes nothing
    bot.wait_idle()
    assert "hung up from Slack" in text_of(fake_slack.messages(CALLS)[0])


def test_buttons_by_people_not_on_the_call_are_refused(
    slack, bot, sipgate_push, fake_slack, fake_sipgate
):
    message = answered_call(sipgate_push, fake_slack, fake_sipgate)
    for stranger in (CARL, DORA):  # Carl has no sipgate user; Dora (w2) was not rung
        slack.block_action("call_hangup", "L1", user=stranger, message=message)
        assert "Only the people this call rang" in ephemeral_reply(fake_slack, bot)
    assert rtcm_requests(fake_sipgate) == []
    assert "call_hangup" in button_ids(fake_slack)
    results = [a["result"] for a in calls_db.actions(bot.services.storage, "L1")]
    assert results == ["refused", "refused"]


def test_click_on_a_call_that_ended_at_sipgate_marks_it_ended(
    slack, bot, sipgate_push, fake_slack, fake_sipgate
):
    message = answered_call(sipgate_push, fake_slack, fake_sipgate, live=False)  # RTCM: 404
    slack.block_action("call_hold", "L1", user=ALICE, message=message)
    assert "already ended" in ephemeral_reply(fake_slack, bot)
    ended = only_message(fake_slack, contains="no longer exists at sipgate")
    assert not actions_of(ended)


def test_click_on_a_call_the_bot_knows_has_ended_asks_nothing(
    slack, bot, sipgate_push, fake_slack, fake_sipgate
):
    message = answered_call(sipgate_push, fake_slack, fake_sipgate)
    sipgate_push.hangup("L1")
    only_message(fake_slack, contains="Call ended")
    slack.block_action("call_mute", "L1", user=BOB, message=message)
    assert "already ended" in ephemeral_reply(fake_slack, bot)
    assert rtcm_requests(fake_sipgate) == []


def test_double_click_sends_one_request(slack, bot, sipgate_push, fake_slack, fake_sipgate):
    message = answered_call(sipgate_push, fake_slack, fake_sipgate)
    fake_sipgate.delay("PUT /calls/{callId}/hold", 0.3)
    clicks = [
        threading.Thread(
            target=slack.block_action, args=("call_hold", "L1"), kwargs={"message": message}
        )
        for _ in range(3)
    ]
    for click in clicks:
        click.start()
    for click in clicks:
        click.join()
    only_message(fake_slack, contains="On hold")
    bot.wait_idle()
    fake_sipgate.assert_requested("PUT", "/calls/L1/hold", count=1)
    assert not fake_slack.response_posts()


def test_sipgate_errors_are_reported_only_to_the_clicker(
    slack, bot, sipgate_push, fake_slack, fake_sipgate
):
    message = answered_call(sipgate_push, fake_slack, fake_sipgate)
    fake_sipgate.fail("PUT /calls/L1/hold", 503)
    slack.block_action("call_hold", "L1", user=BOB, message=message)
    assert "sipgate is having trouble" in ephemeral_reply(fake_slack, bot)
    assert "On hold" not in text_of(fake_slack.messages(CALLS)[0])
    trail = calls_db.actions(bot.services.storage, "L1")
    assert trail[-1]["result"].startswith("error:")


def test_ringing_call_cannot_be_put_on_hold(slack, bot, sipgate_push, fake_slack, fake_sipgate):
    sipgate_push.new_call("L2")
    message = only_message(fake_slack, contains="Ringing")
    slack.block_action("call_hold", "L2", user=ALICE, message={"ts": message.ts, "blocks": []})
    assert "not connected yet" in ephemeral_reply(fake_slack, bot)
    assert rtcm_requests(fake_sipgate) == []


def test_the_same_click_taken_by_two_workers_at_once_sends_one_request(
    make_bot, fake_slack, fake_sipgate, key_pair
):
    """`serve --workers 2`: each worker has its own click lock; the database settles it."""
    workers = [make_bot(), make_bot()]  # two bots on one database, like two worker processes
    pusher = SipgatePusher(f"{workers[0].url}/sipgate/webhook", key_pair[0])
    senders = [SlackRequester(w.url, SIGNING_SECRET, fake_slack.url) for w in workers]
    fake_sipgate.delay("PUT /calls/{callId}/hold", 0.2)
    calls = [f"W{i}" for i in range(6)]
    for call_id in calls:
        fake_sipgate.add_live_call(call_id)
        pusher.new_call(call_id, users=("Alice Schmidt", "Bob Meyer"), user_ids=("w0", "w1"))
        pusher.answer(call_id, user="Bob Meyer", user_id="w1")
        posted = wait_until(
            lambda c=call_id: [
                m
                for m in fake_slack.messages(CALLS)
                if (m.metadata or {}).get("event_payload", {}).get("call_id") == c
                and "Answered by" in text_of(m)
            ]
        )[0]
        message = {"ts": posted.ts, "text": posted.text, "blocks": posted.blocks}
        barrier = threading.Barrier(4)

        def click(sender, message=message, call_id=call_id, barrier=barrier):
            barrier.wait()
            sender.block_action("call_hold", call_id, message=message)

        clicks = [threading.Thread(target=click, args=(s,)) for s in senders * 2]
        for thread in clicks:
            thread.start()
        for thread in clicks:
            thread.join()
    for worker in workers:
        worker.wait_idle()
    for call_id in calls:
        fake_sipgate.assert_requested("PUT", f"/calls/{call_id}/hold", count=1)
