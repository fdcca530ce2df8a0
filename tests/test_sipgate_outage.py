"""sipgate slow or down: acks stay fast, people get one clear message, no write is sent twice.

Each operation runs over signed HTTP against the fakes while sipgate answers late (later than the
client's timeout, scaled down from the issue's "5 s answers" through `SipgateClient(timeout=…)`)
or with a 5xx. The client retries GETs only (house style §4.6), so sessions and call control
(POST, PUT) must reach the fake exactly once.

This file holds the operations and the matrix of every operation under every outage; what
happens after the outage, the client's own rules and forms that need sipgate before the ack are
in test_sipgate_outage_recovery.py, which imports the operations and fixtures from here.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from bot.blocks import sms as sms_blocks
from bot.simulator.sipgate_api import FakeSipgate
from bot.simulator.slack_api import FakeSlack
from bot.simulator.slack_client import SlackRequester
from bot.sipgate import SipgateClient
from tests import pdfs
from tests.conftest import RunningBot, wait_until
from tests.test_call_notifications import CALLS
from tests.test_live_call_buttons import answered_call

ALICE, BOB = "U07ALICE9Z", "U07BOB12XY"
NUMBER = "+49 151 12345678"
FAX_NUMBER = "+49 30 12345678"
TIMEOUT = 0.2  # the client's timeout in this file (production: 10 s)
LATE = 0.5  # how late sipgate answers: longer than TIMEOUT, as the 5 s is for 10 s
ACK_WITHIN = 1.5  # Slack's limit is 3 s (slack-bolt.md §1.3); keep a wide margin
OUTAGES: list[str | int] = ["late", 500, 502, 503, 504]
GET_ATTEMPTS = 3  # Retry(total=2): the first try and two retries


@pytest.fixture
def bot(make_bot, config) -> RunningBot:
    """The bot with a short sipgate timeout, so 'later than the timeout' costs under a second."""
    return make_bot(sipgate=short_timeout_client(config))


def short_timeout_client(config) -> SipgateClient:
    """A sipgate client whose timeouts (also for fax uploads) are TIMEOUT seconds."""
    return SipgateClient(
        config.sipgate_api_url,
        config.sipgate_token_id,
        config.sipgate_token,
        timeout=TIMEOUT,
        upload_timeout=TIMEOUT,
    )


@pytest.fixture(autouse=True)
def drained(fake_sipgate):
    """Let late answers finish, so none is logged into the next test's request log."""
    yield
    fake_sipgate.clear_failures()
    wait_until(lambda: fake_sipgate.in_flight() == 0, timeout=5)


def break_sipgate(fake_sipgate: FakeSipgate, route: str, outage: str | int) -> None:
    """Make `route` answer LATE seconds late, or with the 5xx status `outage`."""
    if outage == "late":
        fake_sipgate.delay(route, LATE)
    else:
        fake_sipgate.fail(route, int(outage), body="upstream trouble")


def settled(bot: RunningBot, fake_sipgate: FakeSipgate) -> None:
    """Wait until the bot's jobs are done and every request it sent has been answered."""
    bot.wait_idle(timeout=10)
    wait_until(lambda: fake_sipgate.in_flight() == 0, timeout=5)


@dataclass
class Run:
    """What a test needs to drive one operation."""

    bot: RunningBot
    slack: SlackRequester
    fake_slack: FakeSlack
    fake_sipgate: FakeSipgate
    sipgate_push: Any


@dataclass(frozen=True)
class Operation:
    """One user-facing operation, the sipgate request it needs, and where its answer shows."""

    name: str
    route: str  # what the outage hits, as "METHOD /path"
    writes: bool  # a POST or PUT that must never be sent twice
    prepare: Callable[[Run, int], Any]  # set-up before sipgate breaks (a form, a live call)
    start: Callable[[Run, Any, int], requests.Response]  # the Slack request to ack fast
    shown: Callable[[Run], list[str]]  # every message the user saw for it (JSON text)

    @property
    def counted(self) -> tuple[str, str]:
        """The sipgate requests to count: the broken route (every GET for a "* *" outage)."""
        method, _, path = self.route.partition(" ")
        return ("GET", "*") if method == "*" else (method, path)


# -- how each operation is started and where its answer shows ---------------------------------


def _nothing(run: Run, n: int) -> None:
    return None


def _replies(kind: str) -> Callable[[Run], list[str]]:
    def shown(run: Run) -> list[str]:
        posts = run.fake_slack.response_posts(kind)
        return [json.dumps(p.body, ensure_ascii=False) for p in posts]

    return shown


def _ephemerals(run: Run) -> list[str]:
    return [json.dumps(e, ensure_ascii=False) for e in run.fake_slack.ephemerals(ALICE)]


def _dms(run: Run) -> list[str]:
    return [json.dumps(m.__dict__, ensure_ascii=False) for m in run.fake_slack.messages(ALICE)]


def _command(command: str, text: str) -> Callable[[Run, Any, int], requests.Response]:
    return lambda run, _, n: run.slack.command(command, text.format(n=n))


def _open_view(run: Run, command: str, text: str) -> dict[str, Any]:
    before = len(run.fake_slack.views)
    assert run.slack.command(command, text).status_code == 200
    wait_until(lambda: len(run.fake_slack.views) > before)  # views.open runs after the ack
    return run.fake_slack.views[-1]["view"]


def _sms_form(run: Run, n: int) -> dict[str, Any]:
    return _open_view(run, "/sms", "")


def sms_form_values(recipient: str, text: str) -> dict[str, Any]:
    """The SMS form's state: send `text` to `recipient` now."""

    def field(action: str, value: str) -> dict[str, Any]:
        return {action: {"type": "plain_text_input", "value": value}}

    return {
        sms_blocks.RECIPIENT_BLOCK: field(sms_blocks.RECIPIENT_ACTION, recipient),
        sms_blocks.MESSAGE_BLOCK: field(sms_blocks.MESSAGE_ACTION, text),
        sms_blocks.WHEN_BLOCK: {sms_blocks.WHEN_ACTION: {"type": "datetimepicker"}},
    }


def fax_form_values(number: str, upload: dict[str, Any]) -> dict[str, Any]:
    """The fax form's state: fax the uploaded file to `number`."""
    return {
        "fax_recipient": {"number": {"type": "plain_text_input", "value": number}},
        "fax_document": {"document": {"type": "file_input", "files": [upload]}},
    }


def _submit_sms_form(run: Run, view: dict[str, Any], n: int) -> requests.Response:
    return run.slack.view_submission(view, sms_form_values(NUMBER, f"From the form ({n})"))


def _fax_form(run: Run, n: int) -> tuple[dict[str, Any], dict[str, Any]]:
    upload = run.fake_slack.add_file(
        run.fake_slack.url, file_id=f"F07FAXDOC{n}", name="Rechnung 117.pdf", content=pdfs.pdf(1)
    )
    return _open_view(run, "/fax", FAX_NUMBER), upload


def _submit_fax_form(run: Run, prepared: tuple[dict[str, Any], dict[str, Any]], n: int) -> Any:
    view, upload = prepared
    return run.slack.view_submission(view, fax_form_values(FAX_NUMBER, upload))


def _live_call(run: Run, n: int) -> dict[str, Any]:
    if n == 1:
        return answered_call(run.sipgate_push, run.fake_slack, run.fake_sipgate)
    message = run.fake_slack.messages(CALLS)[0]
    return {"ts": message.ts, "text": message.text, "blocks": message.blocks}


def _click_hold(run: Run, message: dict[str, Any], n: int) -> requests.Response:
    return run.slack.block_action("call_hold", "L1", user=BOB, message=message)


CALL, SMS_NOW, SMS_FORM, SMS_DUE, FAX, LOOKUP, STATUS, HOLD = OPERATIONS = [
    Operation(
        "/call",
        "POST /sessions/calls",
        True,
        _nothing,
        _command("/call", "0211 5556667"),
        _replies("commands"),
    ),
    Operation(
        "/sms now",
        "POST /sessions/sms",
        True,
        _nothing,
        _command("/sms", NUMBER + " Are you there? ({n})"),
        _replies("commands"),
    ),
    Operation("/sms form", "POST /sessions/sms", True, _sms_form, _submit_sms_form, _ephemerals),
    Operation(
        "scheduled SMS",
        "POST /sessions/sms",
        True,
        _nothing,
        _command("/sms", NUMBER + " in 1 second: Soon ({n})"),
        _dms,
    ),
    Operation("/fax form", "POST /sessions/fax", True, _fax_form, _submit_fax_form, _ephemerals),
    Operation(
        "/lookup",
        "GET /contacts",
        False,
        _nothing,
        _command("/lookup", "Anna"),
        _replies("commands"),
    ),
    Operation(
        "/sipgate status",
        "* *",
        False,
        _nothing,
        _command("/sipgate", "status"),
        _replies("commands"),
    ),
    Operation(
        "Hold", "PUT /calls/{callId}/hold", True, _live_call, _click_hold, _replies("actions")
    ),
]
SMS_OPERATIONS = [SMS_NOW, SMS_FORM, SMS_DUE]


def attempt(
    run: Run, op: Operation, n: int = 1, outage: str | int | None = None
) -> tuple[float, list[str]]:
    """Do the operation once (sipgate broken by `outage` after the set-up); return how long the
    ack took and the messages it brought."""
    prepared = op.prepare(run, n)
    run.bot.wait_idle()
    if outage is not None:
        break_sipgate(run.fake_sipgate, op.route, outage)
    before = len(op.shown(run))
    started = time.monotonic()
    ack = op.start(run, prepared, n)
    acked_in = time.monotonic() - started
    assert ack.status_code == 200, ack.text
    wait_until(lambda: op.shown(run)[before:], timeout=10)
    settled(run.bot, run.fake_sipgate)
    return acked_in, op.shown(run)[before:]


def sent(fake_sipgate: FakeSipgate, op: Operation) -> dict[str, int]:
    """How many requests of the operation's kind reached sipgate, per path."""
    counts: dict[str, int] = {}
    for r in fake_sipgate.requests(*op.counted):
        counts[r.path] = counts.get(r.path, 0) + 1
    return counts


def sms_statuses(bot: RunningBot) -> list[str]:
    """The status of every SMS row, oldest first."""
    rows = bot.services.storage.query("select status from scheduled_sms order by id")
    return [row["status"] for row in rows]


def the_message(shown: list[str]) -> str:
    """The one message a person got, with Slack's JSON escaping undone for reading."""
    assert len(shown) == 1, shown
    text = json.loads(shown[0]).get("text", "")
    assert "Traceback" not in shown[0] and "Exception" not in shown[0], shown[0]
    return str(text)


# -- the matrix: every operation under every kind of outage -----------------------------------


@pytest.mark.parametrize("outage", OUTAGES)
@pytest.mark.parametrize("op", OPERATIONS, ids=lambda o: o.name)
def test_when_sipgate_is_late_or_failing_the_ack_is_fast_and_one_clear_message_follows(
    bot, slack, fake_slack, fake_sipgate, sipgate_push, op, outage
):
    run = Run(bot, slack, fake_slack, fake_sipgate, sipgate_push)
    acked_in, shown = attempt(run, op, outage=outage)
    assert acked_in < ACK_WITHIN
    text = the_message(shown)
    assert "sipgate" in text and ("try again" in text or "before resending" in text), text
    if outage == "late":
        assert "not answering" in text or "did not answer in time" in text, text
    elif outage == 504 and op in SMS_OPERATIONS:  # a gateway timeout: the SMS row's wording
        assert "did not answer in time" in text, text
    else:
        assert f"having trouble right now (HTTP {outage})" in text, text
    counts = sent(fake_sipgate, op)
    if op.writes:
        assert list(counts.values()) == [1], counts  # never retried
    else:
        assert counts and max(counts.values()) <= GET_ATTEMPTS, counts
    if op.writes and outage in ("late", 504):  # sipgate may have done it after all
        assert "cannot tell whether" in text or "may or may not have been sent" in text, text
    if op in SMS_OPERATIONS:
        assert sms_statuses(bot) == ["unknown" if outage in ("late", 504) else "failed"]
