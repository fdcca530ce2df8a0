"""/sms end to end over signed HTTP: scheduling inline, list, cancel, restarts (in process and
of the real server), and the SMS messages' Block Kit."""

from __future__ import annotations

import json
import signal
import sqlite3
import time
from datetime import UTC, datetime

import pytest

from bot.blocks import sms as sms_blocks
from bot.config import Config
from bot.simulator.slack_client import SlackRequester
from tests.conftest import SIGNING_SECRET, stop_bot, wait_until
from tests.test_cli import ServerProcess
from tests.test_sms import ALICE, ALICE_MOBILE, BOB, DORA, E164, NUMBER, _dms, _reply, _rows

# -- scheduling inline, list, cancel ---------------------------------------------------------


def test_inline_schedule_is_confirmed_with_the_exact_time_in_the_users_zone(
    make_bot, env, fake_slack, fake_sipgate
):
    frozen = datetime(2026, 11, 23, 21, 40, tzinfo=UTC)
    config = Config.from_mapping({**env, "SMS_EXTENSION": "s1"})  # Dora has no SMS of her own
    bot = make_bot(config, clock=lambda: frozen)
    slack = SlackRequester(bot.url, SIGNING_SECRET, fake_slack.url)
    ack = slack.command("/sms", f"{NUMBER} at 9:00 tomorrow: Running late")
    assert "Scheduling your SMS" in ack.text
    assert "Scheduled for Tue 24 Nov 09:00 (Europe/Berlin)" in _reply(fake_slack, bot)
    slack.command("/sms", f"<@{ALICE}|alice> tomorrow 9am: Hi Alice", user=DORA)
    assert "Scheduled for Tue 24 Nov 09:00 (America/New_York)" in _reply(fake_slack, bot)
    rows = _rows(bot)
    assert rows[0]["run_at"].startswith("2026-11-24T08:00:00")  # 09:00 in Berlin
    assert rows[1]["run_at"].startswith("2026-11-24T14:00:00")  # 09:00 in New York
    assert rows[1]["recipient"] == ALICE_MOBILE and rows[1]["sms_id"] == "s1"
    assert fake_sipgate.sent_sms == []


@pytest.mark.parametrize(
    ("when", "expected"),
    [("at yesterday", "in the past"), ("in 40 days", "more than 30 days"), ("at noonish", "read")],
)
def test_unusable_inline_times_are_refused(slack, bot, fake_slack, fake_sipgate, when, expected):
    slack.command("/sms", f"{NUMBER} {when}: Hello")
    assert expected in _reply(fake_slack, bot)
    assert _rows(bot) == [] and fake_sipgate.sent_sms == []


def test_scheduled_sms_goes_out_at_its_time_once_and_the_author_gets_a_dm(
    slack, bot, fake_slack, fake_sipgate
):
    slack.command("/sms", f"{NUMBER} in 1 second: Soon")
    assert "Scheduled for" in _reply(fake_slack, bot)
    wait_until(lambda: fake_sipgate.sent_sms, timeout=5)
    wait_until(lambda: any("was sent" in m for m in _dms(fake_slack)))
    sent = fake_sipgate.sent_sms
    assert len(sent) == 1 and "sendAt" not in sent[0]  # held by the bot, not by sipgate
    bot.services.sms.resume()  # a sweep after the send changes nothing
    bot.wait_idle()
    assert len(fake_sipgate.sent_sms) == 1


def test_scheduled_sms_that_sipgate_refuses_is_explained_in_a_dm(
    slack, bot, fake_slack, fake_sipgate
):
    fake_sipgate.fail("POST /sessions/sms", 402)
    slack.command("/sms", f"{NUMBER} in 1 second: Soon")
    wait_until(lambda: any("balance is too low" in m for m in _dms(fake_slack)), timeout=5)
    assert [r["status"] for r in _rows(bot)] == ["failed"]


def test_list_shows_pending_sms_and_the_cancel_button_cancels(slack, bot, fake_slack, fake_sipgate):
    for text in ("in 2h: First <!channel>", "in 3h: Second"):
        slack.command("/sms", f"{NUMBER} {text}")
        bot.wait_idle()
    listing = slack.command("/sms", "list").json()
    text = json.dumps(listing)
    assert "First &lt;!channel&gt;" in text and "Second" in text and "<!channel>" not in text
    cancel = next(b["accessory"] for b in listing["blocks"] if "accessory" in b)
    assert cancel["action_id"] == "sms_cancel"
    slack.block_action("sms_cancel", cancel["value"])
    bot.wait_idle()
    after = json.dumps(fake_slack.response_posts()[-1].body)
    assert "Cancelled SMS" in after and "First" not in after.split("Cancelled")[1]
    assert [r["status"] for r in _rows(bot)] == ["cancelled", "pending"]
    assert not bot.services.scheduler.has_job(f"sms:{cancel['value']}")


def test_cancel_command_and_cancelling_someone_elses_sms_is_refused(slack, bot, fake_slack):
    slack.command("/sms", f"{NUMBER} in 2h: Mine")
    bot.wait_idle()
    row_id = _rows(bot)[0]["id"]
    refused = slack.command("/sms", f"cancel {row_id}", user=BOB).text
    assert "only they can cancel it" in refused
    slack.block_action("sms_cancel", str(row_id), user=BOB)
    bot.wait_idle()
    assert "only they can cancel it" in json.dumps(fake_slack.response_posts()[-1].body)
    assert "Cancelled SMS" in slack.command("/sms", f"cancel #{row_id}").text
    assert "already cancelled" in slack.command("/sms", f"cancel {row_id}").text
    assert _rows(bot)[0]["status"] == "cancelled"


# -- restarts ---------------------------------------------------------------------------------


def test_sms_due_while_the_bot_was_down_is_sent_once_after_start(
    make_bot, fake_slack, fake_sipgate
):
    first = make_bot()
    slack = SlackRequester(first.url, SIGNING_SECRET, fake_slack.url)
    slack.command("/sms", f"{NUMBER} in 2 seconds: While you were out")
    assert "Scheduled for" in _reply(fake_slack, first)
    due = datetime.fromisoformat(_rows(first)[0]["run_at"])
    stop_bot(first)
    # The due time passes while no bot is running.
    time.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()) + 0.3)
    assert fake_sipgate.sent_sms == []
    second = make_bot()
    wait_until(lambda: fake_sipgate.sent_sms, timeout=5)
    wait_until(lambda: any("was sent" in m for m in _dms(fake_slack)))
    second.wait_idle()
    assert [s["message"] for s in fake_sipgate.sent_sms] == ["While you were out"]


def _status_in(path, row_id=1):
    with sqlite3.connect(path) as conn:
        row = conn.execute("select status from scheduled_sms where id = ?", [row_id]).fetchone()
    return row[0] if row else None


def test_real_process_killed_with_a_pending_sms_sends_it_once_after_restart(
    env, tmp_path, fake_slack, fake_sipgate
):
    server = ServerProcess(env, tmp_path)
    try:
        slack = SlackRequester(server.url, SIGNING_SECRET, fake_slack.url)
        assert "Scheduling" in slack.command("/sms", f"{NUMBER} in 2 seconds: Hi").text
        wait_until(lambda: _status_in(env["DATABASE_PATH"]) == "pending", timeout=10)
        server.stop(signal.SIGKILL)
        server = ServerProcess(env, tmp_path)
        wait_until(lambda: fake_sipgate.sent_sms, timeout=15)
        wait_until(lambda: any("was sent" in m for m in _dms(fake_slack)), timeout=10)
        assert len(fake_sipgate.sent_sms) == 1
    finally:
        server.stop(signal.SIGKILL)


def test_real_process_killed_while_sending_reports_unknown_and_never_resends(
    env, tmp_path, fake_slack, fake_sipgate
):
    fake_sipgate.delay("POST /sessions/sms", 3)
    server = ServerProcess(env, tmp_path)
    try:
        slack = SlackRequester(server.url, SIGNING_SECRET, fake_slack.url)
        slack.command("/sms", f"{NUMBER} In flight")
        wait_until(lambda: _status_in(env["DATABASE_PATH"]) == "sending", timeout=10)
        # The row is claimed just before the POST leaves; the fake logs a request only once it
        # answers (3 s later), so give the POST a moment to reach it before the kill.
        time.sleep(0.5)
        server.stop(signal.SIGKILL)
        wait_until(lambda: fake_sipgate.sent_sms, timeout=10)  # sipgate did get it
        fake_sipgate.clear_failures()
        server = ServerProcess(env, tmp_path)
        wait_until(lambda: _status_in(env["DATABASE_PATH"]) == "unknown", timeout=10)
        wait_until(lambda: any("may or may not" in m for m in _dms(fake_slack)), timeout=10)
        assert len(fake_sipgate.requests("POST", "/sessions/sms")) == 1
    finally:
        server.stop(signal.SIGKILL)


# -- builders -----------------------------------------------------------------------------------


def _row(n, status="pending", message="Hi <!channel> " * 200):
    from bot.storage.sms import Sms

    return Sms(
        id=n,
        slack_user_id=ALICE,
        channel_id="C07CALLS3K",
        sms_id="s0",
        recipient=E164,
        recipient_label="<!channel> Evil <http://evil.example|click> (0151 12345678)",
        message=message,
        run_at="2026-11-24T08:00:00.000+00:00",
        immediate=0,
        status=status,
        error="sipgate refused <b>",
        claimed_by="",
        claimed_at="",
        finished_at="",
        created_at="2026-11-23T21:40:00.000+00:00",
    )


def test_sms_messages_are_valid_block_kit_escape_everything_and_stay_under_50_blocks():
    from bot.simulator.blockkit import block_problems

    messages = [
        sms_blocks.sms_list([_row(n) for n in range(1, 40)], "Europe/Berlin", "notice"),
        sms_blocks.sms_list([], "UTC"),
        *(sms_blocks.sms_outcome(_row(1, s), "UTC") for s in ("sent", "failed", "unknown")),
        sms_blocks.sms_result(_row(1), "Europe/Berlin"),
        sms_blocks.sms_usage(),
        sms_blocks.sms_pending("<!channel>", "in 2h"),
    ]
    for message in messages:
        assert block_problems(message["blocks"]) == []
        assert "<!channel>" not in json.dumps(message) and "<http" not in json.dumps(message)
