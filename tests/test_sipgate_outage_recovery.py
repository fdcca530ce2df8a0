"""sipgate slow or down, continued: after the outage each operation works and is sent exactly
once more, a timed-out SMS is never resent after a restart, the client retries only reads, and
a form naming a contact is answered in time while sipgate is slow.

Uses the operations and the fixtures (`bot` with a short sipgate timeout, the autouse
`drained`) of test_sipgate_outage.py, imported with a redundant alias so pytest applies them
here and ruff reads it as a re-export.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest
import requests

from bot.simulator.slack_api import FakeSlack
from bot.simulator.slack_client import SlackRequester
from bot.sipgate import SipgateClient
from bot.sipgate.errors import SipgateTimeout, SipgateUnavailable
from handlers import deadline
from tests.conftest import SIGNING_SECRET, RunningBot, stop_bot, wait_until
from tests.test_call_notifications import CALLS
from tests.test_sipgate_outage import (
    ALICE,
    CALL,
    FAX,
    GET_ATTEMPTS,
    HOLD,
    LATE,
    LOOKUP,
    NUMBER,
    OPERATIONS,
    SMS_DUE,
    SMS_FORM,
    SMS_NOW,
    SMS_OPERATIONS,
    STATUS,
    Operation,
    Run,
    _fax_form,
    _sms_form,
    attempt,
    fax_form_values,
    sent,
    settled,
    short_timeout_client,
    sms_form_values,
    sms_statuses,
)
from tests.test_sipgate_outage import bot as bot
from tests.test_sipgate_outage import drained as drained

# -- after the outage -------------------------------------------------------------------------


def _fax_posted(run: Run) -> bool:
    return any(m.text.startswith("Fax to") for m in run.fake_slack.messages(CALLS))


def _on_hold(run: Run) -> bool:
    return any("On hold" in m.text + json.dumps(m.blocks) for m in run.fake_slack.messages(CALLS))


def _said(op: Operation, words: str) -> Callable[[Run], bool]:
    return lambda run: any(words in m for m in op.shown(run))


WORKED: dict[str, Callable[[Run], bool]] = {
    CALL.name: _said(CALL, "Alice desk phone"),
    SMS_NOW.name: _said(SMS_NOW, "was sent"),
    SMS_FORM.name: _said(SMS_FORM, "was sent"),
    SMS_DUE.name: _said(SMS_DUE, "was sent"),
    FAX.name: _fax_posted,
    LOOKUP.name: _said(LOOKUP, "Anna Schmidt"),
    STATUS.name: _said(STATUS, "e0"),
    HOLD.name: _on_hold,
}


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda o: o.name)
def test_after_sipgate_recovers_the_same_operation_works_and_sends_exactly_once_more(
    bot, slack, fake_slack, fake_sipgate, sipgate_push, op
):
    run = Run(bot, slack, fake_slack, fake_sipgate, sipgate_push)
    attempt(run, op, outage="late")
    fake_sipgate.clear_failures()
    before = sum(sent(fake_sipgate, op).values())
    prepared = op.prepare(run, 2)
    assert op.start(run, prepared, 2).status_code == 200
    wait_until(lambda: WORKED[op.name](run), timeout=5)
    settled(bot, fake_sipgate)
    if op.writes:
        assert sum(sent(fake_sipgate, op).values()) == before + 1
    if op in SMS_OPERATIONS:
        assert sms_statuses(bot) == ["unknown", "sent"]


def test_a_timed_out_sms_stays_unknown_and_is_never_resent_after_a_restart(
    make_bot, config, fake_slack, fake_sipgate
):
    first = make_bot(sipgate=short_timeout_client(config))
    slack = SlackRequester(first.url, SIGNING_SECRET, fake_slack.url)  # type: ignore[attr-defined]
    fake_sipgate.delay("POST /sessions/sms", LATE)
    slack.command("/sms", f"{NUMBER} Now or never")
    slack.command("/sms", f"{NUMBER} in 1 second: Later or never")
    wait_until(lambda: len([m for m in _dms_of(fake_slack) if "may or may not" in m]) == 1)
    settled(first, fake_sipgate)
    replies = [json.dumps(p.body) for p in fake_slack.response_posts("commands")]
    reply = next(r for r in replies if "Now or never" in r or "may or may not" in r)
    assert "may or may not have been sent" in reply and "will not be sent again" in reply
    assert sms_statuses(first) == ["unknown", "unknown"]
    assert [s["message"] for s in fake_sipgate.sent_sms] == ["Now or never", "Later or never"]
    stop_bot(first)

    fake_sipgate.clear_failures()
    second = make_bot()  # the restart sweep must not pick either SMS up again
    second.services.sms.resume()
    second.wait_idle()
    assert sms_statuses(second) == ["unknown", "unknown"]
    assert len(fake_sipgate.requests("POST", "/sessions/sms")) == 2
    assert "You have no scheduled SMS." in slack_list(second, fake_slack)


def _dms_of(fake_slack: FakeSlack) -> list[str]:
    return [json.dumps(m.__dict__, ensure_ascii=False) for m in fake_slack.messages(ALICE)]


def slack_list(bot: RunningBot, fake_slack: FakeSlack) -> str:
    """What `/sms list` shows on this bot."""
    slack = SlackRequester(bot.url, SIGNING_SECRET, fake_slack.url)  # type: ignore[attr-defined]
    return slack.command("/sms", "list").text


def test_an_sms_that_failed_with_a_5xx_can_be_sent_again_at_once(
    bot, slack, fake_slack, fake_sipgate
):
    fake_sipgate.fail("POST /sessions/sms", 503, times=1)
    for _ in range(2):
        slack.command("/sms", f"{NUMBER} Try me twice")
        bot.wait_idle()
    replies = [json.dumps(p.body) for p in fake_slack.response_posts("commands")]
    assert "having trouble" in replies[0] and "was sent" in replies[-1], replies
    assert sms_statuses(bot) == ["failed", "sent"]
    assert [s["message"] for s in fake_sipgate.sent_sms] == ["Try me twice"]


def test_a_read_that_times_out_on_every_retry_is_reported_as_a_timeout(config, fake_sipgate):
    fake_sipgate.delay("GET /users", LATE)
    with pytest.raises(SipgateTimeout) as caught:
        short_timeout_client(config).users()
    assert "not answering" in caught.value.user_message
    wait_until(lambda: fake_sipgate.in_flight() == 0)
    assert len(fake_sipgate.requests("GET", "/users")) == GET_ATTEMPTS


@pytest.mark.parametrize(("method", "status"), [("POST", 504), ("PUT", 504), ("GET", 503)])
def test_only_a_write_without_a_clear_answer_has_an_unknown_outcome(
    config, fake_sipgate, method, status
):
    fake_sipgate.fail("* *", status)
    client = short_timeout_client(config)
    calls = {
        "POST": lambda: client.start_call(caller="e0", callee="+49211123456"),
        "PUT": lambda: client.hold("L1", True),
        "GET": client.users,
    }
    with pytest.raises(SipgateUnavailable) as caught:
        calls[method]()
    assert caught.value.outcome_unknown is (method != "GET")


# -- forms whose recipient needs sipgate before the ack ----------------------------------------


@pytest.mark.parametrize(
    ("form", "name", "e164"),
    [("sms", "Petra Hoffmann", "+4915112345678"), ("fax", "Jürgen Müller", "+49301234569")],
)
def test_a_form_naming_a_contact_is_answered_in_time_while_sipgate_is_slow(
    make_bot, config, fake_slack, fake_sipgate, monkeypatch, form, name, e164
):
    monkeypatch.setattr(deadline, "ACK_BUDGET", 0.5)  # production: 2 s of Slack's 3 s
    slow = SipgateClient(
        config.sipgate_api_url, config.sipgate_token_id, config.sipgate_token, timeout=5
    )  # answers within the client's timeout, but too late for an ack
    bot = make_bot(sipgate=slow)
    slack = SlackRequester(bot.url, SIGNING_SECRET, fake_slack.url)  # type: ignore[attr-defined]
    run = Run(bot, slack, fake_slack, fake_sipgate, None)

    def submit() -> requests.Response:
        if form == "sms":
            return slack.view_submission(_sms_form(run, 1), sms_form_values(name, "Hi"))
        view, upload = _fax_form(run, 1)
        return slack.view_submission(view, fax_form_values(name, upload))

    fake_sipgate.delay("GET /contacts", 1.5)  # the contacts cache is cold: a name needs sipgate
    started = time.monotonic()
    answer = submit()
    assert time.monotonic() - started < 1.2
    errors = answer.json()["errors"]
    assert list(errors.values()) == [deadline.SIPGATE_SLOW]
    wait_until(lambda: bot.services.contacts.refreshed_at(), timeout=5)  # the late check warmed it
    assert submit().text == ""  # the next try closes the form and sends
    bot.wait_idle()
    path = "/sessions/sms" if form == "sms" else "/sessions/fax"
    assert [r.json["recipient"] for r in fake_sipgate.requests("POST", path)] == [e164]
