"""The durable Slack outbox: outages, 429 Retry-After, timeouts, permanent errors, restarts."""

from __future__ import annotations

import json
import time

from bot.simulator.sipgate_push import SipgatePusher
from bot.storage import outbox as outbox_db
from bot.storage import utc_now_iso
from tests.broken_connection import posts_sent_when_the_connection_breaks
from tests.conftest import stop_bot, wait_until
from tests.test_call_notifications import CALLS, only_message, posts, text_of


def fast_retries(bot) -> None:
    """Retry after 50 ms, doubling up to 200 ms, so outages resolve within a test."""
    bot.services.outbox.retry_base = 0.05
    bot.services.outbox.retry_max = 0.2


def timed(send) -> float:
    started = time.monotonic()
    assert send().status_code == 200
    return time.monotonic() - started


def test_slack_outage_during_a_burst_of_calls_delays_but_loses_and_duplicates_nothing(
    sipgate_push, fake_slack, bot
):
    fast_retries(bot)
    call_ids = [f"B{i}" for i in range(5)]
    fake_slack.fail("chat.postMessage", status=503)
    durations = [timed(lambda c=c: sipgate_push.new_call(c)) for c in call_ids]
    wait_until(lambda: len(fake_slack.calls("chat.postMessage")) >= 5)
    assert not fake_slack.messages(CALLS)
    fake_slack.clear_failures()
    wait_until(lambda: len(fake_slack.messages(CALLS)) == 5)
    fake_slack.fail("chat.update", timeout=0.2)  # Slack hangs, then answers 504
    durations += [timed(lambda c=c: sipgate_push.answer(c)) for c in call_ids]
    wait_until(lambda: len(fake_slack.calls("chat.update")) >= 5)
    fake_slack.clear_failures()
    fake_slack.fail("chat.update", status=429, retry_after=1, times=1)
    durations += [timed(lambda c=c: sipgate_push.hangup(c)) for c in call_ids[:3]]
    assert max(durations) < 0.5, durations  # sipgate never waits for Slack

    def settled():
        messages = fake_slack.messages(CALLS)
        ended = [m for m in messages if "Call ended" in text_of(m)]
        return len(messages) == 5 and len(ended) == 3

    wait_until(settled, timeout=10)
    bot.wait_idle()
    assert len([c for c in posts(fake_slack) if c.status == 200]) == 5  # exactly once each
    for message in fake_slack.messages(CALLS):
        versions = [h["text"] for h in message.history] + [message.text]
        assert "ringing" not in versions[-1]  # every message reached the call's latest state
        assert all("ended" not in v for v in versions[:-1])  # and never went backwards
    for call_id in call_ids:
        statuses = {r.status for r in outbox_db.rows_for_call(bot.services.storage, call_id)}
        assert statuses <= {"sent", "coalesced"}


def test_rate_limit_waits_for_retry_after(sipgate_push, fake_slack, bot):
    fast_retries(bot)
    fake_slack.fail("chat.postMessage", status=429, retry_after=1, times=1)
    sipgate_push.new_call("T1")
    only_message(fake_slack, contains="Ringing")
    limited, ok = fake_slack.calls("chat.postMessage")
    assert limited.status == 429 and ok.status == 200
    row = outbox_db.rows_for_call(bot.services.storage, "T1")[0]
    assert row.attempts == 1 and row.last_error == "ratelimited"


def test_retry_after_is_honoured_before_the_next_attempt(sipgate_push, fake_slack, bot):
    fast_retries(bot)
    fake_slack.fail("chat.postMessage", status=429, retry_after=1, times=1)
    started = time.monotonic()
    sipgate_push.new_call("T2")
    only_message(fake_slack, contains="Ringing")
    assert time.monotonic() - started >= 0.9


def test_permanent_slack_errors_are_not_retried(sipgate_push, fake_slack, bot):
    fast_retries(bot)
    fake_slack.fail("chat.postMessage", error="channel_not_found")
    sipgate_push.new_call("P1")
    wait_until(lambda: fake_slack.calls("chat.postMessage"))
    fake_slack.clear_failures()
    sipgate_push.answer("P1")
    bot.wait_idle()
    time.sleep(0.3)  # several retry intervals: nothing more may be sent
    assert len(fake_slack.calls("chat.postMessage")) == 1
    assert not fake_slack.calls("chat.update")
    rows = outbox_db.rows_for_call(bot.services.storage, "P1")
    assert [r.status for r in rows] == ["failed", "failed"]
    assert rows[0].last_error == "channel_not_found"


def test_queued_notifications_survive_a_restart(make_bot, key_pair, fake_slack):
    first = make_bot()
    fast_retries(first)
    fake_slack.fail("chat.postMessage", status=503)
    pusher = SipgatePusher(f"{first.url}/sipgate/webhook", key_pair[0])
    pusher.new_call("K1")
    pusher.answer("K1")
    wait_until(lambda: fake_slack.calls("chat.postMessage"))
    stop_bot(first)
    fake_slack.clear_failures()
    assert not fake_slack.messages(CALLS)
    second = make_bot()  # its start-up sweep sends what the first one could not
    message = only_message(fake_slack, contains="Answered by")
    second.wait_idle()
    assert "Answered by" in text_of(message)
    assert len([c for c in posts(fake_slack) if c.status == 200]) == 1


def test_a_post_slack_stored_before_the_bot_timed_out_is_updated_not_posted_again(
    sipgate_push, fake_slack, bot
):
    fast_retries(bot)
    bot.services.outbox.slack.timeout = 0.3
    fake_slack.delay("chat.postMessage", 1.0)  # Slack stores the message, then answers late
    sipgate_push.new_call("U1")
    wait_until(lambda: fake_slack.messages(CALLS))
    fake_slack.clear_failures()
    sipgate_push.answer("U1")
    message = only_message(fake_slack, contains="Answered")
    bot.wait_idle()
    assert len(fake_slack.messages(CALLS)) == 1
    assert len(posts(fake_slack)) == 1  # the retry found the first post and updated it
    history = fake_slack.calls("conversations.history")
    assert history and history[0].args["channel"] == CALLS
    assert bot.services.storage.query("select ts from calls where call_id = 'U1'")[0]["ts"] == (
        message.ts
    )


def test_a_post_that_got_a_5xx_and_was_not_stored_is_posted_after_checking(
    sipgate_push, fake_slack, bot
):
    fast_retries(bot)
    fake_slack.fail("chat.postMessage", status=503, times=1)
    sipgate_push.new_call("U2")
    only_message(fake_slack, contains="Ringing")
    bot.wait_idle()
    assert [c.status for c in posts(fake_slack)] == [503, 200]
    assert len(fake_slack.calls("conversations.history")) == 1


def test_a_rate_limited_post_is_retried_without_reading_history(sipgate_push, fake_slack, bot):
    fake_slack.fail("chat.postMessage", status=429, retry_after=1, times=1)
    sipgate_push.new_call("U3")
    only_message(fake_slack, contains="Ringing")
    assert not fake_slack.calls("conversations.history")


def test_every_call_message_carries_its_call_id_as_metadata(sipgate_push, fake_slack, bot):
    sipgate_push.new_call("U4")
    only_message(fake_slack, contains="Ringing")
    (post,) = posts(fake_slack)
    metadata = post.args["metadata"]
    metadata = json.loads(metadata) if isinstance(metadata, str) else metadata
    assert metadata == {"event_type": "sipgate_call", "event_payload": {"call_id": "U4"}}


def test_rows_claimed_by_a_process_that_died_are_delivered_at_the_next_sweep(
    sipgate_push, fake_slack, bot
):
    fake_slack.fail("chat.postMessage", status=503)
    sipgate_push.new_call("U5")
    sipgate_push.new_call("U6")
    wait_until(lambda: len(posts(fake_slack)) >= 2)
    fake_slack.clear_failures()
    storage = bot.services.storage
    # A dead process had claimed both calls' rows just now (far inside the 2-minute lease),
    # and its post of U5 reached Slack before it died.
    storage.execute(
        "update outbox set status = 'sending', claimed_by = '999999999:dead', "
        "claimed_at = ?, next_attempt_at = ?",
        [utc_now_iso(), utc_now_iso()],
    )
    bot.services.outbox.slack.chat_postMessage(
        channel=CALLS,
        text="Incoming call",
        metadata={"event_type": "sipgate_call", "event_payload": {"call_id": "U5"}},
    )
    bot.services.outbox.sweep()
    wait_until(lambda: len(fake_slack.messages(CALLS)) == 2)
    bot.wait_idle()
    texts = [text_of(m) for m in fake_slack.messages(CALLS)]
    assert len(texts) == 2 and all("Ringing" in t for t in texts)  # U5 updated, U6 posted
    for call_id in ("U5", "U6"):
        statuses = {r.status for r in outbox_db.rows_for_call(storage, call_id)}
        assert statuses <= {"sent", "coalesced"}


def test_a_slow_slack_holds_up_no_other_call(sipgate_push, fake_slack, bot):
    fake_slack.delay("chat.postMessage", 0.3)
    started = time.monotonic()
    for n in range(16):
        sipgate_push.new_call(f"P{n}")
    wait_until(lambda: len(fake_slack.messages(CALLS)) == 16, timeout=10)
    # One at a time would take 16 x 0.3 s = 4.8 s; calls are delivered side by side.
    assert time.monotonic() - started < 2.5


def test_the_outbox_never_resends_a_post_whose_connection_broke(bot):
    """slack-sdk's default handler would resend it blind; the outbox checks history first."""
    client = bot.services.outbox.slack
    assert posts_sent_when_the_connection_breaks(client, CALLS, "Incoming call") == 1
