"""Hard crash: the real server is SIGKILLed with pending work and restarted on the same database.

Pending at the kill: a scheduled SMS that falls due while the server is down, a fax whose status
is being polled, and call notifications that Slack refused (503) or stored without answering
(the process died mid-send). After the restart every SMS goes out once, polling goes on with the
same status message, and every call has exactly one message that reached its last event.

The real process keeps its production timings: the fax's first poll comes 10 s after sending
(so it falls after the restart), and a post Slack stores but answers after the bot's 10 s Slack
timeout is left to the in-process test in test_outbox.py; here the same uncertainty comes from
the kill itself.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import time
from datetime import UTC, datetime

from bot.simulator.sipgate_push import SipgatePusher
from bot.simulator.slack_client import SlackRequester
from tests import pdfs
from tests.conftest import SIGNING_SECRET, wait_until
from tests.test_cli import ServerProcess

CALLS = "C07CALLS3K"
FAX_NUMBER = "+49 30 12345678"
SMS_NUMBER = "+49 151 12345678"
ALICE = "U07ALICE9Z"
SLACK_DOWN = ("chat.postMessage", "chat.update", "conversations.history")
# Sweep every second (default 15 s), so dead claims and due rows are picked up quickly.
FAST = {"SWEEP_SECONDS": "1"}

# State of a call message, in the only order it may move: ringing -> answered -> ended/missed.
RANK = {"ringing": 0, "answered": 1, "ended": 2, "missed": 2}


def state_of(text: str) -> str:
    """The call state a message version shows (its fallback text plus blocks)."""
    for marker, state in (
        ("Call ended", "ended"),
        ("Missed call", "missed"),
        ("Answered by", "answered"),
        ("Ringing", "ringing"),
    ):
        if marker in text:
            return state
    raise AssertionError(f"not a call message: {text[:200]}")


def call_id_of(metadata) -> str | None:
    """The call a message or postMessage argument names in its metadata, if any."""
    if isinstance(metadata, str):
        metadata = json.loads(metadata)
    if not metadata or metadata.get("event_type") != "sipgate_call":
        return None
    return (metadata.get("event_payload") or {}).get("call_id")


def call_messages(fake_slack) -> dict[str, list]:
    """The call messages in CALLS_CHANNEL, grouped by the call their metadata names."""
    found: dict[str, list] = {}
    for message in fake_slack.messages(CALLS):
        call_id = call_id_of(message.metadata)
        if call_id is not None:
            found.setdefault(call_id, []).append(message)
    return found


def versions(message) -> list[str]:
    """Every version a message went through, oldest first, as text plus blocks."""
    shown = [*message.history, {"text": message.text, "blocks": message.blocks}]
    return [v["text"] + json.dumps(v["blocks"], ensure_ascii=False) for v in shown]


def post_attempts(fake_slack, call_id: str, status: int | None = None) -> list:
    """chat.postMessage calls for one call (optionally only those answered with `status`)."""
    return [
        c
        for c in fake_slack.calls("chat.postMessage")
        if call_id_of(c.args.get("metadata")) == call_id and status in (None, c.status)
    ]


def updates_of(fake_slack, ts: str, status: int) -> list:
    """chat.update calls for the message `ts` answered with `status`."""
    return [
        c for c in fake_slack.calls("chat.update") if (c.args.get("ts"), c.status) == (ts, status)
    ]


def settled(fake_slack, expected: dict[str, str]) -> bool:
    """Whether every call has its one message, showing the call's last event."""
    found = call_messages(fake_slack)
    return set(found) == set(expected) and all(
        len(found[c]) == 1 and state_of(versions(found[c][0])[-1]) == s for c, s in expected.items()
    )


def assert_exactly_once_in_order(fake_slack, expected: dict[str, str]) -> None:
    """One successful post and one message per call, in its final state, never going back."""
    found = call_messages(fake_slack)
    assert set(found) == set(expected)
    for call_id, final in expected.items():
        (message,) = found[call_id]
        states = [state_of(v) for v in versions(message)]
        assert states[-1] == final, (call_id, states)
        ranks = [RANK[s] for s in states]
        assert ranks == sorted(ranks), (call_id, states)  # never went backwards
        assert len(post_attempts(fake_slack, call_id, status=200)) == 1, call_id


def sms_row(path: str) -> dict:
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute("select status, run_at from scheduled_sms order by id").fetchone()
    return dict(row) if row else {}


def dm_text(fake_slack, user: str = ALICE) -> str:
    """Everything the bot wrote to the user by DM."""
    return json.dumps([[m.text, m.blocks] for m in fake_slack.messages(user)], ensure_ascii=False)


def fax_messages(fake_slack) -> list:
    return [m for m in fake_slack.messages(CALLS) if m.text.startswith("Fax to")]


def submit_fax(slack, fake_slack) -> None:
    """/fax, then submit the modal with a two-page PDF uploaded to the fake Slack."""
    upload = fake_slack.add_file(
        fake_slack.url, file_id="F07FAXDOC1", name="Rechnung 117.pdf", content=pdfs.pdf(2)
    )
    assert slack.command("/fax", FAX_NUMBER).status_code == 200
    view = wait_until(lambda: fake_slack.views)[-1]["view"]
    values = {
        "fax_recipient": {"number": {"type": "plain_text_input", "value": FAX_NUMBER}},
        "fax_document": {"document": {"type": "file_input", "files": [upload]}},
    }
    assert slack.view_submission(view, values).status_code == 200


def push_calls(pusher: SipgatePusher) -> dict[str, str]:
    """Several calls' events, interleaved but in order per call; returns call -> final state."""
    steps = [
        lambda: pusher.new_call("K-A"),
        lambda: pusher.new_call("K-B"),
        lambda: pusher.answer("K-A"),
        lambda: pusher.new_call("K-C"),
        lambda: pusher.hangup("K-B", cause="cancel"),
        lambda: pusher.new_call("K-D"),
        lambda: pusher.answer("K-C"),
        lambda: pusher.hangup("K-A"),
    ]
    for step in steps:
        assert step().status_code == 200
    return {"K-A": "ended", "K-B": "missed", "K-C": "answered", "K-D": "ringing"}


def create_pending_work(server, env, fake_slack, fake_sipgate, key_pair) -> dict:
    """Fax in polling, calls refused by Slack and one stored mid-send, SMS about to fall due."""
    slack = SlackRequester(server.url, SIGNING_SECRET, fake_slack.url)
    pusher = SipgatePusher(f"{server.url}/sipgate/webhook", key_pair[0])
    fake_sipgate.fax_progression = ["PENDING"]  # sipgate keeps the fax pending until later
    submit_fax(slack, fake_slack)
    fax_before = wait_until(lambda: fax_messages(fake_slack), timeout=10)[0]
    # Call K-W is posted while Slack works (so notifications are flowing before the kill).
    assert pusher.new_call("K-W").status_code == 200
    posted = wait_until(lambda: call_messages(fake_slack).get("K-W"), timeout=10)[0]

    # Call K-M: Slack stores the post but answers only after the process is dead.
    fake_slack.delay("chat.postMessage", 8)
    assert pusher.new_call("K-M").status_code == 200
    wait_until(lambda: post_attempts(fake_slack, "K-M"), timeout=10)
    fake_slack.clear_failures()  # K-M's answer stays late; later calls see no delay
    for method in SLACK_DOWN:
        fake_slack.fail(method, status=503)
    for step in (pusher.answer, pusher.hangup):
        assert step("K-M").status_code == 200
        assert step("K-W").status_code == 200
    expected = {"K-M": "ended", "K-W": "ended", **push_calls(pusher)}
    for call_id in set(expected) - {"K-M", "K-W"}:  # tried (and refused) before the kill
        wait_until(lambda c=call_id: post_attempts(fake_slack, c, status=503), timeout=10)
    wait_until(lambda: updates_of(fake_slack, posted.ts, status=503), timeout=10)

    # Scheduled last, so it is surely still pending at the kill and falls due while down.
    assert "Scheduling" in slack.command("/sms", f"{SMS_NUMBER} in 3 seconds: Hi").text
    wait_until(lambda: sms_row(env["DATABASE_PATH"]).get("status") == "pending", timeout=10)
    return {"expected": expected, "fax_ts": fax_before.ts}


def test_sigkilled_server_resumes_sms_fax_and_notifications_exactly_once(
    env, tmp_path, fake_slack, fake_sipgate, key_pair
):
    env = {**env, **FAST}
    server = ServerProcess(env, tmp_path)
    try:
        pending = create_pending_work(server, env, fake_slack, fake_sipgate, key_pair)
        assert set(call_messages(fake_slack)) == {"K-W", "K-M"}  # only these reached Slack
        server.stop(signal.SIGKILL)
        assert not fake_sipgate.sent_sms
        due = datetime.fromisoformat(sms_row(env["DATABASE_PATH"])["run_at"])
        time.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()) + 0.3)  # due while down
        fake_slack.clear_failures()
        fake_sipgate.fax_progression = ["SENT"]
        server = ServerProcess(env, tmp_path)

        expected = pending["expected"]
        wait_until(lambda: settled(fake_slack, expected), timeout=20)
        wait_until(lambda: "was sent" in dm_text(fake_slack), timeout=10)
        fax = wait_until(
            lambda: [m for m in fax_messages(fake_slack) if m.text.endswith("Sent")], timeout=20
        )
        time.sleep(1.5)  # more than a sweep interval: nothing more may be sent
    finally:
        server.stop(signal.SIGKILL)

    assert len(fake_sipgate.requests("POST", "/sessions/sms")) == 1
    assert [s["message"] for s in fake_sipgate.sent_sms] == ["Hi"]
    assert len(fake_sipgate.requests("POST", "/sessions/fax")) == 1
    assert len(fax_messages(fake_slack)) == 1 and fax[0].ts == pending["fax_ts"]
    fax_posts = [c for c in fake_slack.calls("chat.postMessage") if "Fax to" in c.args["text"]]
    assert len(fax_posts) == 1  # polling updated the same message; no second status post
    assert_exactly_once_in_order(fake_slack, expected)
