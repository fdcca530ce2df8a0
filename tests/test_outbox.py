"""The durable Slack outbox: outages, 429 Retry-After, timeouts, permanent errors, restarts."""

from __future__ import annotations

import time

from bot.simulator.sipgate_push import SipgatePusher
from bot.storage import outbox as outbox_db
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
