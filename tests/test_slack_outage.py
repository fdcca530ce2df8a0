"""Slack outage: the real server keeps answering sipgate while Slack fails, and catches up after.

The issue asks for a minute of 503s, hangs and 429s; here the "minute" is compressed to 12 s
(failure modes switching every second) so the file stays well under a minute. The bot's own
retry pacing is not shortened: the real `serve` process runs with its production back-off.

Fax status messages go through the same outage: a status reached, or a first post refused,
while Slack fails is shown once Slack is back (in-process bots with fast polling).
"""

from __future__ import annotations

import json
import signal
import threading
import time
from itertools import pairwise

import pytest
from slack_sdk import WebClient

from bot.config import Config
from bot.services.fax import FaxService
from bot.simulator.sipgate_push import SipgatePusher
from bot.simulator.slack_client import SlackRequester
from tests.conftest import SIGNING_SECRET, wait_until
from tests.test_cli import ServerProcess
from tests.test_crash import (
    assert_exactly_once_in_order,
    call_id_of,
    call_messages,
    fax_messages,
    settled,
    submit_fax,
)

OUTAGE_SECONDS = 12
# One second each, in turn: a 503, a hang of 1.5 s answered with 504, a 429 with Retry-After.
FAILURES = (
    {"status": 503},
    {"timeout": 1.5},
    {"status": 429, "retry_after": 2},
)
CALLS_PER_ROUND, ROUNDS = 6, 5  # 30 calls, rounds spread over the outage
# sipgate allows 10 s (sipgate-api.md §12.1, "Response time"); the bot's own bound is far lower.
MAX_ANSWER_SECONDS = 0.5


def cycle_failures(fake_slack, stop: threading.Event) -> None:
    """Make every Slack method fail, switching the failure mode every second, until `stop`."""
    turn = 0
    while not stop.is_set():
        fake_slack.clear_failures()
        fake_slack.fail("*", **FAILURES[turn % len(FAILURES)])
        turn += 1
        stop.wait(1.0)
    fake_slack.clear_failures()


def timed(send, durations: list[float]) -> None:
    started = time.monotonic()
    response = send()
    durations.append(time.monotonic() - started)
    assert response.status_code == 200


def round_ids(round_no: int) -> list[str]:
    first = round_no * CALLS_PER_ROUND
    return [f"O{n:02d}" for n in range(first, first + CALLS_PER_ROUND)]


def push_round(
    pusher: SipgatePusher, ids: list[str], durations: list[float], *, rang: bool = False
) -> dict[str, str]:
    """Six calls, interleaved and in order per call: ended, missed or still answered.

    `rang`: their newCall was sent earlier (their messages exist), send only what follows.
    """
    for call_id in [] if rang else ids:
        timed(lambda c=call_id: pusher.new_call(c), durations)
    expected: dict[str, str] = {}
    for n, call_id in enumerate(ids):
        if n % 3 != 1:
            timed(lambda c=call_id: pusher.answer(c), durations)
            expected[call_id] = "answered"
    for n, call_id in enumerate(ids):
        if n % 3 == 0:
            timed(lambda c=call_id: pusher.hangup(c), durations)
            expected[call_id] = "ended"
        elif n % 3 == 1:
            timed(lambda c=call_id: pusher.hangup(c, cause="cancel"), durations)
            expected[call_id] = "missed"
    return expected


def assert_retry_after_honoured(fake_slack, retry_after: float) -> None:
    """After a 429, a call's next post or update came no sooner than Retry-After seconds."""
    call_of_ts = {m.ts: call_id for call_id, (m,) in call_messages(fake_slack).items()}
    attempts: dict[str, list] = {}
    for api_call in fake_slack.calls("chat.postMessage") + fake_slack.calls("chat.update"):
        metadata = api_call.args.get("metadata")
        call_id = call_id_of(metadata) if metadata else call_of_ts.get(api_call.args.get("ts"))
        attempts.setdefault(call_id, []).append(api_call)
    limited = 0
    for made in attempts.values():
        made.sort(key=lambda c: c.at)
        for before, after in pairwise(made):
            if before.status == 429:
                limited += 1
                assert after.at - before.at >= retry_after - 0.05, (before.args, after.args)
    assert limited  # some call was rate-limited, and waited


def test_slack_outage_during_a_burst_keeps_webhooks_fast_and_loses_or_repeats_nothing(
    env, tmp_path, fake_slack, key_pair
):
    server = ServerProcess({**env, "SWEEP_SECONDS": "1"}, tmp_path)
    stop = threading.Event()
    cycler = threading.Thread(target=cycle_failures, args=(fake_slack, stop), daemon=True)
    durations: list[float] = []
    expected: dict[str, str] = {}
    try:
        pusher = SipgatePusher(f"{server.url}/sipgate/webhook", key_pair[0])
        # The first round's calls ring before the outage: their answers and hangups during it
        # must become updates of messages that exist, not second posts.
        for call_id in round_ids(0):
            timed(lambda c=call_id: pusher.new_call(c), durations)
        wait_until(lambda: len(call_messages(fake_slack)) == CALLS_PER_ROUND, timeout=10)
        outage_started = time.monotonic()
        cycler.start()
        for round_no in range(ROUNDS):
            expected |= push_round(pusher, round_ids(round_no), durations, rang=round_no == 0)
            time.sleep((OUTAGE_SECONDS - 2) / ROUNDS)
        time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - outage_started)))
        assert not settled(fake_slack, expected)  # the outage really held messages back
        stop.set()
        cycler.join()
        wait_until(lambda: settled(fake_slack, expected), timeout=40, interval=0.2)
        time.sleep(1.5)  # more than a sweep interval: nothing more may be sent
    finally:
        stop.set()
        server.stop(signal.SIGKILL)

    durations.sort()
    assert len(durations) == 30 + 20 + 20  # newCalls, answers, hangups
    assert durations[-1] < MAX_ANSWER_SECONDS, durations[-5:]
    assert len(call_messages(fake_slack)) == 30
    assert_exactly_once_in_order(fake_slack, expected)
    sent = fake_slack.calls("chat.postMessage") + fake_slack.calls("chat.update")
    assert {429, 503, 504} <= {c.status for c in sent}  # every failure mode was met
    assert {c.status for c in fake_slack.calls("chat.update")} - {200}  # updates were refused too
    assert_retry_after_honoured(fake_slack, retry_after=FAILURES[2]["retry_after"])


# -- fax status messages ---------------------------------------------------------------------


@pytest.fixture
def fax_bot(make_bot, env, monkeypatch):
    """An in-process bot that polls faxes every 50 ms and sweeps every second."""
    monkeypatch.setattr(FaxService, "POLL_DELAYS", (0.05, 0.05, 0.05))
    monkeypatch.setattr(FaxService, "POLL_EVERY", 0.05)
    return make_bot(Config.from_mapping({**env, "SWEEP_SECONDS": "1"}))


def fax_status(bot) -> str:
    """The stored status of the only fax ("" until its row exists: it is posted first)."""
    rows = bot.services.storage.query("select status from fax_jobs")
    return rows[0]["status"] if rows else ""


def test_fax_status_reached_while_slack_fails_is_shown_once_slack_is_back(
    fax_bot, fake_slack, fake_sipgate
):
    fake_sipgate.fax_progression = ["PENDING"]
    submit_fax(SlackRequester(fax_bot.url, SIGNING_SECRET, fake_slack.url), fake_slack)
    (posted,) = wait_until(lambda: fax_messages(fake_slack))
    fake_slack.fail("chat.update", status=503)
    fake_sipgate.fax_progression = ["SENT"]  # the last poll happens during the outage
    wait_until(lambda: fax_status(fax_bot) == "SENT" and fake_slack.calls("chat.update"))
    assert fax_messages(fake_slack)[0].text.endswith("Queued at sipgate")
    fake_slack.clear_failures()
    wait_until(lambda: fax_messages(fake_slack)[0].text.endswith("Sent"), timeout=5)
    assert [m.ts for m in fax_messages(fake_slack)] == [posted.ts]


@pytest.mark.parametrize("failure", [{"status": 503}, {"timeout": 2.5}], ids=["503", "timeout"])
def test_fax_status_message_slack_refused_is_posted_once_slack_is_back(
    fax_bot, fake_slack, fake_sipgate, failure
):
    fax_bot.services.fax.messages.slack.timeout = 1.0  # a hang of 2.5 s is a timeout for the bot
    fake_sipgate.fax_progression = ["PENDING"]
    fake_slack.fail("chat.postMessage", **failure)
    submit_fax(SlackRequester(fax_bot.url, SIGNING_SECRET, fake_slack.url), fake_slack)
    wait_until(lambda: len(fake_slack.calls("chat.postMessage")) >= 2, timeout=10)  # tried again
    # A failure that may have posted it all the same is never "fixed" with a DM as well.
    assert {c.args["channel"] for c in fake_slack.calls("chat.postMessage")} == {"C07CALLS3K"}
    fake_slack.clear_failures()
    fake_sipgate.fax_progression = ["SENT"]
    wait_until(lambda: [m for m in fax_messages(fake_slack) if m.text.endswith("Sent")], timeout=5)
    fax_bot.wait_idle()
    assert len(fax_messages(fake_slack)) == 1
    assert len(fake_sipgate.requests("POST", "/sessions/fax")) == 1  # sent once, followed on
    assert "went wrong" not in json.dumps(fake_slack.ephemerals())


def test_a_final_status_slack_first_refused_is_posted_once_by_sweeps_and_polls(
    fax_bot, fake_slack, fake_sipgate
):
    """Polls and sweeps that overlap claim the row first: one of them posts, once."""
    fake_sipgate.fax_progression = ["PENDING"]
    fake_slack.fail("chat.postMessage", status=503)  # no status message until the fax is SENT
    submit_fax(SlackRequester(fax_bot.url, SIGNING_SECRET, fake_slack.url), fake_slack)
    wait_until(lambda: fax_status(fax_bot) == "PENDING")
    fake_sipgate.fax_progression = ["SENT"]
    wait_until(lambda: fax_status(fax_bot) == "SENT")
    fake_slack.clear_failures()
    fake_slack.delay("conversations.history", 1.5)  # the look before posting again is slow
    barrier = threading.Barrier(3)

    def sweep() -> None:  # beside the scheduled sweeps, as a second worker's would run
        barrier.wait()
        fax_bot.services.fax.resume()

    sweeps = [threading.Thread(target=sweep) for _ in range(3)]
    for thread in sweeps:
        thread.start()
    for thread in sweeps:
        thread.join()
    sent = wait_until(lambda: [m for m in fax_messages(fake_slack) if m.text.endswith("Sent")])
    time.sleep(1.5)  # more scheduled sweeps come and go after the first one posted
    fax_bot.wait_idle()
    assert [m.ts for m in fax_messages(fake_slack)] == [sent[0].ts]


def test_a_fax_message_deleted_in_slack_is_posted_again_and_an_archived_one_left_alone(
    fax_bot, fake_slack, fake_sipgate
):
    fake_sipgate.fax_progression = ["PENDING"]
    submit_fax(SlackRequester(fax_bot.url, SIGNING_SECRET, fake_slack.url), fake_slack)
    (first,) = wait_until(lambda: fax_messages(fake_slack))
    someone = WebClient(token=fake_slack.bot_token, base_url=f"{fake_slack.url}/api/")
    someone.chat_delete(channel=first.channel, ts=first.ts)  # deleted in Slack meanwhile
    fake_sipgate.fax_progression = ["SENT"]
    again = wait_until(lambda: [m for m in fax_messages(fake_slack) if m.text.endswith("Sent")])
    assert again[0].ts != first.ts  # a new message: the old one was gone

    fake_slack.reset()
    fake_sipgate.fax_progression = ["PENDING"]
    submit_fax(SlackRequester(fax_bot.url, SIGNING_SECRET, fake_slack.url), fake_slack)
    wait_until(lambda: fax_messages(fake_slack))
    fake_slack.fail("chat.update", error="is_archived")
    fake_sipgate.fax_progression = ["FAILED"]
    wait_until(lambda: fake_slack.calls("chat.update"))
    time.sleep(2.5)  # two sweeps: neither tries again
    fax_bot.wait_idle()
    assert len(fake_slack.calls("chat.update")) == 1
    assert fax_bot.services.storage.query("select stale from fax_jobs order by id")[-1] == {
        "stale": 0
    }
