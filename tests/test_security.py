"""Security: replays, forged signatures, call-control authorization, and secrets kept out of
the logs.

Neighbouring files check the single status codes (test_slack_requests, test_sipgate_webhooks);
this file checks that a refused request has no side effect at the fakes. mrkdwn injection
through contact names, caller names and SMS text is in test_security_injection.py, which walks
every text the fake Slack received to prove user-supplied markup is shown as text and never as
a ping.
"""

from __future__ import annotations

import base64
import json
import logging
import signal
import time
from typing import Any
from urllib.parse import quote, urlencode

from bot.simulator.signing import generate_key_pair, sipgate_signature, slack_headers
from bot.simulator.sipgate_push import SipgatePusher
from bot.simulator.slack_client import SlackRequester
from tests.conftest import SIGNING_SECRET, wait_until
from tests.test_call_notifications import CALLS, only_message, text_of
from tests.test_cli import ServerProcess
from tests.test_live_call_buttons import answered_call
from tests.test_sms import _open_form, _values

ALICE, BOB, CARL = "U07ALICE9Z", "U07BOB12XY", "U07CARL0ZZ"
NUMBER = "+49 151 12345678"
STALE = 6 * 60  # Slack's window is five minutes (slack-bolt.md §5)


# -- replayed and forged Slack requests -----------------------------------------------------------


def _replay(slack: SlackRequester, body: str):
    """Send `body` as a captured request replayed six minutes after Slack signed it."""
    return slack.post(body, timestamp=int(time.time()) - STALE)


def _nothing_happened(bot, fake_slack, fake_sipgate) -> None:
    bot.wait_idle()
    assert fake_sipgate.requests() == []
    assert fake_slack.calls() == [] and fake_slack.response_posts() == []


def test_replayed_call_command_after_the_window_gets_401_and_calls_nobody(
    slack, bot, fake_slack, fake_sipgate
):
    body = slack.command_body("/call", NUMBER)
    assert _replay(slack, body).status_code == 401
    _nothing_happened(bot, fake_slack, fake_sipgate)
    assert slack.post(body).status_code == 200  # the same body, signed in time, does call
    wait_until(lambda: fake_sipgate.requests("POST", "/sessions/calls"))


def test_a_fresh_signature_with_a_changed_timestamp_header_gets_401(
    slack, bot, fake_slack, fake_sipgate
):
    body = slack.command_body("/call", NUMBER)
    old = slack_headers(SIGNING_SECRET, body, timestamp=int(time.time()) - STALE)
    # The attacker keeps the captured signature but puts a fresh time in the header.
    forged = dict(old, **{"X-Slack-Request-Timestamp": str(int(time.time()))})
    response = slack.session.post(f"{slack.bot_url}/slack/events", data=body, headers=forged)
    assert response.status_code == 401
    _nothing_happened(bot, fake_slack, fake_sipgate)


class _Recorder(SlackRequester):
    """Builds exactly the body SlackRequester would send, without sending it."""

    def post(self, body: str, **_: Any) -> Any:  # type: ignore[override]
        self.body = body
        return None


def body_of(slack: SlackRequester, method: str, *args: Any, **kwargs: Any) -> str:
    """The raw body of slack.<method>(*args, **kwargs), for replaying and tampering."""
    recorder = _Recorder(slack.bot_url, slack.signing_secret, slack.fake_slack_url)
    getattr(recorder, method)(*args, **kwargs)
    return recorder.body


def test_replayed_or_tampered_button_clicks_get_401_and_reach_no_phone(
    slack, bot, sipgate_push, fake_slack, fake_sipgate
):
    message = answered_call(sipgate_push, fake_slack, fake_sipgate)
    bot.wait_idle()
    before = (len(fake_slack.calls()), len(fake_sipgate.requests()))
    click = body_of(slack, "block_action", "call_hangup", "L1", user=BOB, message=message)
    assert _replay(slack, click).status_code == 401
    hold = body_of(slack, "block_action", "call_hold", "L1", user=BOB, message=message)
    headers = slack_headers(SIGNING_SECRET, hold)
    tampered = hold.replace("call_hold", "call_hangup")
    response = slack.session.post(f"{slack.bot_url}/slack/events", data=tampered, headers=headers)
    assert response.status_code == 401
    bot.wait_idle()
    assert (len(fake_slack.calls()), len(fake_sipgate.requests())) == before
    assert not fake_slack.response_posts()
    assert slack.post(hold).status_code == 200  # the untouched click, in time, does hold
    wait_until(lambda: fake_sipgate.requests("PUT", "/calls/L1/hold"))
    assert not fake_sipgate.requests("DELETE", "/calls/L1")


def test_replayed_or_tampered_form_submissions_get_401_and_send_no_sms(
    slack, bot, fake_slack, fake_sipgate
):
    view = _open_form(slack, fake_slack)
    submit = body_of(slack, "view_submission", view, _values(NUMBER, "Hello"))
    assert _replay(slack, submit).status_code == 401
    headers = slack_headers(SIGNING_SECRET, submit)
    tampered = submit.replace("Hello", "Pay+now")
    response = slack.session.post(f"{slack.bot_url}/slack/events", data=tampered, headers=headers)
    assert response.status_code == 401
    bot.wait_idle()
    assert fake_sipgate.requests("POST", "/sessions/sms") == []
    assert bot.services.storage.query("select * from scheduled_sms") == []
    assert slack.post(submit).status_code == 200  # the untouched form, in time, does send
    wait_until(lambda: fake_sipgate.sent_sms)
    assert [s["message"] for s in fake_sipgate.sent_sms] == ["Hello"]


# -- forged and replayed sipgate webhooks ---------------------------------------------------------


def _posts(fake_slack) -> list:
    return fake_slack.calls("chat.postMessage")


CALL = [("from", "492111234567"), ("to", "4921112345670"), ("direction", "in")]


def _event(event: str, call_id: str, *fields: tuple[str, str]) -> bytes:
    """A push-event body as sipgate sends it (form-encoded, fields in sipgate's order)."""
    return urlencode([("event", event), ("callId", call_id), *CALL, *fields]).encode()


def test_forged_webhooks_are_refused_and_post_nothing(bot, sipgate_push, key_pair, fake_slack):
    genuine = _event("newCall", "F1", ("user[]", "Alice Schmidt"), ("userId[]", "w0"))
    other = genuine.replace(b"F1", b"F2")
    forged = {
        "signed by another key": (genuine, sipgate_signature(generate_key_pair()[0], genuine)),
        "valid signature, changed body": (
            genuine.replace(b"492111234567", b"4930666666"),
            sipgate_signature(key_pair[0], genuine),
        ),
        "signature of another request": (genuine, sipgate_signature(key_pair[0], other)),
    }
    for what, (body, signature) in forged.items():
        assert sipgate_push.send_raw(body, signature).status_code == 403, what
    bot.wait_idle()
    assert _posts(fake_slack) == []
    # The genuine request, signed with sipgate's key, is what posts.
    signature = sipgate_signature(key_pair[0], genuine)
    assert sipgate_push.send_raw(genuine, signature).status_code == 200
    only_message(fake_slack, contains="Ringing")


def test_replaying_a_whole_call_after_it_ended_changes_nothing(
    bot, sipgate_push, key_pair, fake_slack
):
    captured = [
        _event("newCall", "R1", ("user[]", "Alice Schmidt"), ("userId[]", "w0")),
        _event("answer", "R1", ("user", "Alice Schmidt"), ("userId", "w0")),
        _event("hangup", "R1", ("cause", "normalClearing")),
    ]
    signed = [(body, sipgate_signature(key_pair[0], body)) for body in captured]
    for body, signature in signed:
        assert sipgate_push.send_raw(body, signature).status_code == 200
    ended = only_message(fake_slack, contains="Call ended")
    bot.wait_idle()
    seen = (len(_posts(fake_slack)), len(fake_slack.calls("chat.update")))
    for body, signature in signed:  # an attacker replays the captured requests byte for byte
        assert sipgate_push.send_raw(body, signature).status_code == 200
    bot.wait_idle()
    assert (len(_posts(fake_slack)), len(fake_slack.calls("chat.update"))) == seen
    assert seen[0] == 1
    assert only_message(fake_slack).text == ended.text


# -- who may press Hold, Mute and Hang up ---------------------------------------------------------


def _refusal(fake_slack, bot, count: int) -> str:
    """The ephemeral reply to the count-th refused click (and only to the clicker)."""
    wait_until(lambda: len(fake_slack.response_posts("actions")) >= count)
    bot.wait_idle()
    body = fake_slack.response_posts("actions")[count - 1].body
    assert body["response_type"] == "ephemeral" and body["replace_original"] is False
    return json.dumps(body, ensure_ascii=False)


def _call_control_requests(fake_sipgate) -> list:
    return [r for r in fake_sipgate.requests() if r.path.startswith("/calls")]


def test_a_colleague_the_call_did_not_ring_cannot_control_it(
    slack, bot, sipgate_push, fake_slack, fake_sipgate
):
    fake_sipgate.add_live_call("A1")
    sipgate_push.new_call("A1")  # rings only Alice
    sipgate_push.answer("A1")
    message = only_message(fake_slack, contains="Answered by")
    click = {"ts": message.ts, "text": message.text, "blocks": message.blocks}
    for n, (verb, user) in enumerate(
        [("call_hold", BOB), ("call_mute", BOB), ("call_hangup", BOB), ("call_hangup", CARL)], 1
    ):
        assert slack.block_action(verb, "A1", user=user, message=click).status_code == 200
        assert "Only the people this call rang" in _refusal(fake_slack, bot, n)
    assert _call_control_requests(fake_sipgate) == []
    assert "Answered by" in text_of(only_message(fake_slack))


def test_a_forged_call_id_in_the_button_value_is_refused(
    slack, bot, sipgate_push, fake_slack, fake_sipgate
):
    message = answered_call(sipgate_push, fake_slack, fake_sipgate, "L1")  # rang Alice and Bob
    fake_sipgate.add_live_call("L2")
    sipgate_push.new_call("L2", from_number="4917699887766")  # rang only Alice
    sipgate_push.answer("L2", from_number="4917699887766")
    wait_until(lambda: sum("Answered by" in text_of(m) for m in fake_slack.messages(CALLS)) == 2)
    # Bob clicks on his own call's message, with the value changed to Alice's call.
    slack.block_action("call_hangup", "L2", user=BOB, message=message)
    assert "Only the people this call rang" in _refusal(fake_slack, bot, 1)
    malformed = ["", " ", "L1/../L2", "L1?x=1", "../users/w0", "x" * 2000, '{"callId":"L1"}']
    for n, value in enumerate(malformed, 2):
        slack.block_action("call_hangup", value, user=BOB, message=message)
        assert "know this call" in _refusal(fake_slack, bot, n), value
    assert _call_control_requests(fake_sipgate) == []
    assert fake_sipgate.live_calls.keys() == {"L1", "L2"}


# -- nothing secret in the logs -------------------------------------------------------------------

SECRET_SMS = "Kontostand 4711 Geheimwort Zebraschnitzel"


def _secrets(env: dict[str, str]) -> dict[str, str]:
    """Everything that must never appear in a log line, by what it is."""
    basic = f"{env['SIPGATE_TOKEN_ID']}:{env['SIPGATE_TOKEN']}".encode()
    return {
        "Slack bot token": env["SLACK_BOT_TOKEN"],
        "Slack signing secret": env["SLACK_SIGNING_SECRET"],
        "sipgate token": env["SIPGATE_TOKEN"],
        "sipgate Authorization header": base64.b64encode(basic).decode(),
        "Slack Authorization header": f"Bearer {env['SLACK_BOT_TOKEN']}",
        "SMS text": SECRET_SMS,
        "SMS text, form-encoded": quote(SECRET_SMS).replace("%20", "+"),
        "SMS text, first word pair": SECRET_SMS.split()[2] + " " + SECRET_SMS.split()[3],
    }


def _assert_no_secrets(log: str, env: dict[str, str]) -> None:
    assert log.strip(), "nothing was logged: the scenario did not run at INFO"
    for what, secret in _secrets(env).items():
        assert secret not in log, f"the {what} is in the log"


def _scenario(slack, pusher, fake_slack, fake_sipgate) -> None:
    """Drive a day of use over HTTP, with a few refused and failing requests among it."""
    fake_sipgate.add_live_call("LOG1")
    slack.command("/call", NUMBER)
    slack.command("/sms", f"{NUMBER} {SECRET_SMS} now")
    slack.command("/sms", f"{NUMBER} in 1 second: {SECRET_SMS} soon")
    slack.command("/lookup", "anna")
    slack.command("/fax", "")
    slack.command("/sipgate", "status")
    slack.post(slack.command_body("/sms", f"{NUMBER} {SECRET_SMS} forged"), secret="forged")
    pusher.new_call("LOG1", users=("Alice Schmidt", "Bob Meyer"), user_ids=("w0", "w1"))
    pusher.answer("LOG1")
    body = f"event=newCall&callId=LOG2&direction=in&from=49211&to=49157&x={quote(SECRET_SMS)}"
    pusher.send_raw(body.encode(), sipgate_signature(generate_key_pair()[0], body.encode()))
    wait_until(lambda: len(fake_sipgate.sent_sms) == 2, timeout=10)
    wait_until(lambda: "Answered by" in json.dumps([c.args for c in fake_slack.calls()]), 10)
    slack.block_action("call_hold", "LOG1", user=ALICE)
    wait_until(lambda: fake_sipgate.requests("PUT", "/calls/LOG1/hold"), timeout=10)
    fake_sipgate.fail("POST /sessions/sms", 402)
    slack.command("/sms", f"{NUMBER} {SECRET_SMS} refused")
    pusher.hangup("LOG1")
    wait_until(lambda: len(fake_sipgate.requests("POST", "/sessions/sms")) == 3, timeout=10)
    wait_until(lambda: fake_slack.calls("views.open") and len(fake_slack.response_posts()) >= 6)


def test_a_full_scenario_in_process_logs_no_secret_and_no_message_text(
    bot, slack, sipgate_push, fake_slack, fake_sipgate, env, caplog
):
    caplog.set_level(logging.INFO)  # the source must not log them: no redacting filter here
    _scenario(slack, sipgate_push, fake_slack, fake_sipgate)
    bot.wait_idle()
    _assert_no_secrets(caplog.text, env)


def test_the_real_server_at_info_logs_no_secret_and_no_message_text(
    env, tmp_path, fake_slack, fake_sipgate, key_pair
):
    server = ServerProcess(dict(env, LOG_LEVEL="INFO"), tmp_path)
    try:
        slack = SlackRequester(server.url, SIGNING_SECRET, fake_slack.url)
        pusher = SipgatePusher(f"{server.url}/sipgate/webhook", key_pair[0])
        _scenario(slack, pusher, fake_slack, fake_sipgate)
    finally:
        assert server.stop(signal.SIGTERM) == 0  # lets running jobs finish and log
    log = server.log.read_text()
    assert " INFO " in log  # LOG_LEVEL=INFO took effect
    _assert_no_secrets(log, env)
