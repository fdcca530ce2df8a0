"""/fax over HTTP: sending, following the fax's status message, polling, retry and restart.

Uses the helpers and the autouse `fast_polling` fixture of test_fax.py (imported with a
redundant alias so pytest applies it here and ruff reads it as a re-export).
"""

from __future__ import annotations

import json

from bot.services.fax import FaxService
from bot.simulator.blockkit import block_problems
from bot.simulator.slack_client import SlackRequester
from tests import pdfs
from tests.broken_connection import posts_sent_when_the_connection_breaks
from tests.conftest import SIGNING_SECRET, stop_bot, wait_until
from tests.test_fax import (
    ALICE,
    CHANNEL,
    NUMBER,
    _ephemeral_text,
    _fax_messages,
    _job,
    _open_modal,
    _submit,
    _upload,
    _values,
    _versions,
    _wait_for_status,
)
from tests.test_fax import fast_polling as fast_polling

# -- sending and following ---------------------------------------------------------------------


def test_fax_is_sent_and_its_message_follows_it_to_sent(slack, bot, fake_slack, fake_sipgate):
    assert _submit(slack, fake_slack, [_upload(fake_slack)]).text == ""
    message = _wait_for_status(fake_slack, "Sent")
    assert _versions(message) == [
        "Fax to 030 12345678: Queued at sipgate",
        "Fax to 030 12345678: Sending…",
        "Fax to 030 12345678: Sent",
    ]
    assert len(_fax_messages(fake_slack)) == 1
    assert block_problems(message.blocks) == []
    shown = json.dumps(message.blocks)
    assert "Rechnung 117.pdf" in shown and "*Pages*\\n2" in shown and "CET" in shown
    sent = fake_sipgate.assert_requested("POST", "/sessions/fax", 1)[0]
    fax = next(iter(fake_sipgate.faxes.values()))["request"]
    assert fax == {
        "faxlineId": "f0",
        "recipient": "+493012345678",
        "filename": "Rechnung 117.pdf",
        "size": len(pdfs.pdf(2)),
    }
    assert sent.status == 200
    job = _job(bot)
    assert (job.status, job.channel, job.ts, job.page_count) == ("SENT", CHANNEL, message.ts, 2)
    download = fake_slack.downloads[-1]
    assert download["ok"] and download["path"].startswith("/files-pri/")


def test_failed_fax_shows_why_and_retry_sends_it_again(slack, bot, fake_slack, fake_sipgate):
    fake_sipgate.fax_progression = ["PENDING", "FAILED"]
    _submit(slack, fake_slack, [_upload(fake_slack)])
    failed = _wait_for_status(fake_slack, "Failed")
    shown = json.dumps(failed.blocks)
    assert "could not transmit the fax" in shown
    retry = next(b for b in failed.blocks if b["type"] == "actions")["elements"][0]
    assert retry["action_id"] == "fax_retry"

    fake_sipgate.fax_progression = ["PENDING", "SENDING", "SENT"]
    message = {"ts": failed.ts, "text": failed.text, "blocks": failed.blocks}
    assert slack.block_action("fax_retry", retry["value"], message=message).status_code == 200
    sent = _wait_for_status(fake_slack, "Sent")
    assert sent.ts == failed.ts and len(_fax_messages(fake_slack)) == 1
    assert "Sending again" in " ".join(_versions(sent))
    assert "attempt 2" in json.dumps(sent.blocks) and "fax_retry" not in json.dumps(sent.blocks)
    assert len(fake_sipgate.requests("POST", "/sessions/fax")) == 2
    assert len(fake_slack.downloads) == 2  # the document is fetched again from Slack
    wait_until(lambda: "Sending the fax again" in str(fake_slack.response_posts()))


def _click_retry(slack, fake_slack, message, user=ALICE):
    before = len(fake_slack.response_posts())
    slack.block_action("fax_retry", "1", message=message, user=user)
    wait_until(lambda: len(fake_slack.response_posts()) > before)  # the reply follows the ack
    return str(fake_slack.response_posts()[-1].body)


def test_retry_by_someone_else_or_twice_is_refused(slack, bot, fake_slack, fake_sipgate):
    fake_sipgate.fax_progression = ["FAILED"]
    _submit(slack, fake_slack, [_upload(fake_slack)])
    failed = _wait_for_status(fake_slack, "Failed")
    message = {"ts": failed.ts, "text": failed.text, "blocks": failed.blocks}
    assert "Only <@U07ALICE9Z>" in _click_retry(slack, fake_slack, message, user="U07BOB12XY")
    fake_sipgate.fax_progression = ["PENDING"]  # the second attempt stays in progress
    assert "Sending the fax again" in _click_retry(slack, fake_slack, message)
    assert "nothing to retry" in _click_retry(slack, fake_slack, message)
    assert len(fake_sipgate.requests("POST", "/sessions/fax")) == 2


def test_status_message_goes_to_a_dm_when_the_channel_refuses_it(slack, bot, fake_slack):
    fake_slack.fail("chat.postMessage", error="not_in_channel", times=1)
    _submit(slack, fake_slack, [_upload(fake_slack)])
    dm = fake_slack.dm_channel(ALICE)
    message = _wait_for_status(fake_slack, "Sent", channel=dm)
    assert _job(bot).channel == dm and _job(bot).ts == message.ts


def test_a_status_post_slack_stored_but_answered_late_is_updated_not_posted_again(
    slack, bot, fake_slack
):
    bot.services.fax.messages.slack.timeout = 0.3
    fake_slack.delay("chat.postMessage", 1.0)  # Slack stores the post, then answers too late
    _submit(slack, fake_slack, [_upload(fake_slack)])
    wait_until(lambda: _fax_messages(fake_slack))
    fake_slack.clear_failures()
    sent = _wait_for_status(fake_slack, "Sent")
    bot.wait_idle()
    assert len(_fax_messages(fake_slack)) == 1 and _job(bot).ts == sent.ts
    assert not _fax_messages(fake_slack, fake_slack.dm_channel(ALICE))  # no DM "just in case"
    posts = [c for c in fake_slack.calls("chat.postMessage") if "Fax to" in c.args["text"]]
    assert len(posts) == 1  # the next poll found it by its metadata and updated it
    assert fake_slack.calls("conversations.history")[0].args["channel"] == CHANNEL


def test_the_fax_status_post_is_never_resent_blind_when_its_connection_broke(bot):
    """slack-sdk's default handler would resend it; the next attempt looks for it first."""
    client = bot.services.fax.messages.slack
    assert posts_sent_when_the_connection_breaks(client, CHANNEL, "Fax to 030 12345678") == 1


def test_a_refusal_slack_times_out_on_privately_still_reaches_the_user_by_dm(
    slack, bot, fake_slack, fake_sipgate
):
    bot.services.fax.messages.slack.timeout = 0.3
    fake_slack.fail("chat.postEphemeral", timeout=1.0)
    _submit(slack, fake_slack, [_upload(fake_slack, b"PK\x03\x04 a zip file")])
    dm = fake_slack.dm_channel(ALICE)
    told = wait_until(lambda: [m for m in fake_slack.messages(dm) if "not a PDF" in m.text])
    assert len(told) == 1
    assert not fake_sipgate.requests("POST", "/sessions/fax")


def test_status_message_is_not_sent_by_dm_while_the_channel_only_fails_for_now(
    slack, bot, fake_slack
):
    fake_slack.fail("chat.postMessage", status=503, times=1)
    _submit(slack, fake_slack, [_upload(fake_slack)])
    sent = _wait_for_status(fake_slack, "Sent")
    bot.wait_idle()
    assert _job(bot).channel == CHANNEL and _job(bot).ts == sent.ts
    assert not _fax_messages(fake_slack, fake_slack.dm_channel(ALICE))


def test_fax_that_sipgate_does_not_know_ends_as_unknown(slack, bot, fake_slack, fake_sipgate):
    fake_sipgate.fail("GET /history/{entryId}", 404)
    _submit(slack, fake_slack, [_upload(fake_slack)])
    message = _wait_for_status(fake_slack, "Status unknown")
    assert "no record of this fax" in json.dumps(message.blocks)
    assert len(fake_sipgate.requests("GET", "/history/{entryId}")) == FaxService.MISSING_TRIES


def test_polling_resumes_after_a_restart_and_updates_the_same_message(
    make_bot, fake_slack, fake_sipgate, monkeypatch
):
    monkeypatch.setattr(FaxService, "POLL_DELAYS", (0.05, 0.05, 1.5))
    first = make_bot()
    slack = SlackRequester(first.url, SIGNING_SECRET, fake_slack.url)
    _submit(slack, fake_slack, [_upload(fake_slack)])
    sending = _wait_for_status(fake_slack, "Sending")
    stop_bot(first)  # the next poll (in 1.5 s) was only in the stopped scheduler's memory
    assert _fax_messages(fake_slack)[-1].text.endswith("Sending…")

    second = make_bot()
    sent = _wait_for_status(fake_slack, "Sent")
    assert sent.ts == sending.ts and len(_fax_messages(fake_slack)) == 1
    assert _job(second).status == "SENT"
    assert _versions(sent)[-2:] == ["Fax to 030 12345678: Sending…", "Fax to 030 12345678: Sent"]


def test_retry_that_sipgate_refuses_keeps_the_fax_failed_and_says_why(
    slack, bot, fake_slack, fake_sipgate
):
    fake_sipgate.fax_progression = ["FAILED"]
    _submit(slack, fake_slack, [_upload(fake_slack)])
    failed = _wait_for_status(fake_slack, "Failed")
    fake_sipgate.fail("POST /sessions/fax", 402)
    slack.block_action("fax_retry", "1", message={"ts": failed.ts, "text": "", "blocks": []})
    wait_until(lambda: fake_slack.response_posts())
    assert "balance is too low" in str(fake_slack.response_posts()[-1].body)
    message = _fax_messages(fake_slack)[-1]
    assert message.text.endswith("Failed") and "fax_retry" in json.dumps(message.blocks)
    assert _job(bot).status == "FAILED" and _job(bot).attempts == 1


def test_fax_goes_out_from_the_line_chosen_in_the_modal(slack, bot, fake_slack, fake_sipgate):
    fake_sipgate.faxlines["w0"][1]["canSend"] = True
    view = _open_modal(slack, fake_slack)
    wait_until(lambda: fake_slack.calls("views.update"))
    values = _values(NUMBER, [_upload(fake_slack)])
    values["fax_line"] = {"faxline": {"type": "static_select", "selected_option": {"value": "f1"}}}
    assert slack.view_submission(view, values).text == ""
    _wait_for_status(fake_slack, "Sent")
    assert next(iter(fake_sipgate.faxes.values()))["request"]["faxlineId"] == "f1"


def test_download_stops_at_ten_megabytes_even_when_the_size_field_is_wrong(
    slack, bot, fake_slack, fake_sipgate
):
    upload = _upload(fake_slack, b"%PDF-1.4\n" + b"0" * 10_000_000)
    upload["size"] = 1000
    _submit(slack, fake_slack, [upload])
    assert "larger than 10 MB" in _ephemeral_text(fake_slack)
    assert not fake_sipgate.requests("POST", "/sessions/fax")
