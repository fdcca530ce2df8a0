"""Security: mrkdwn injection through contact names, caller names, SMS text, typed text, forged
button values, sipgate names and PDF names: user- and contact-supplied text is shown, never obeyed.

Walks every text the fake Slack received to prove user-supplied markup is shown as text and
never as a ping. Replays, forged signatures, call control and the logs: test_security.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests import pdfs
from tests.conftest import wait_until
from tests.test_call_notifications import only_message
from tests.test_fax import _open_modal as _open_fax_modal
from tests.test_fax import _values as _fax_values
from tests.test_security import ALICE, BOB, NUMBER
from tests.test_sms import _open_form, _values

FAX_NUMBER = "+49 30 12345678"
EVIL_NAME = "<!channel> Evil <http://evil.example|click>"
EVIL_NUMBER = "+4930666666"
INJECTION = "<!channel> <@U07BOB12XY> <http://evil.example|click> *bold*"
# What must never reach a mrkdwn field raw: a broadcast, a mention, a disguised link.
RAW_MARKUP = ("<!channel>", "<!here>", "<!everyone>", "<@U07BOB12XY>", "<http://evil.example")


# -- walking Block Kit ----------------------------------------------------------------------------

_NOT_SHOWN = {"value", "initial_value", "private_metadata", "action_id", "block_id", "callback_id"}


def slack_texts(payload: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """Yield (kind, text) for every text Slack would render in a message, reply or view payload.

    kind is "mrkdwn" (mrkdwn objects and a message's fallback `text`, which notifications and
    clients without blocks render as mrkdwn), "plain_text", "rich_text" (literal rich-text runs)
    or "url" (anything Slack turns into a link). Button values, input values and metadata are
    not shown, so they are skipped.
    """
    if isinstance(payload, str) and key in ("blocks", "view") and payload[:1] in "[{":
        payload = json.loads(payload)  # form-encoded Web API calls carry blocks as JSON text
    if isinstance(payload, list):
        for item in payload:
            yield from slack_texts(item)
    elif isinstance(payload, dict):
        kind = payload.get("type")
        text = payload.get("text")
        if kind in ("mrkdwn", "plain_text") and isinstance(text, str):
            yield kind, text
            return
        if kind == "text" and isinstance(text, str):
            yield "rich_text", text
            return
        for name, value in payload.items():
            if name in _NOT_SHOWN:
                continue
            if name == "text" and isinstance(value, str):
                yield "mrkdwn", value
            elif name == "url" and isinstance(value, str):
                yield "url", value
            else:
                yield from slack_texts(value, name)


def assert_shown_as_text(payloads: list[Any], *, must_show: str = "&lt;!channel&gt;") -> None:
    """Every mrkdwn text in `payloads` is free of raw markup, and the markup shows escaped once."""
    texts = [t for p in payloads for t in slack_texts(p)]
    assert texts, "nothing was shown"
    for kind, text in texts:
        assert "&amp;lt;" not in text and "&amp;gt;" not in text, f"escaped twice: {text!r}"
        if kind == "mrkdwn":
            for raw in RAW_MARKUP:
                assert raw not in text, f"raw {raw!r} in mrkdwn: {text!r}"
        if kind == "url":
            assert "evil.example" not in text, f"user text became a link: {text!r}"
    shown = [t for kind, t in texts if kind == "mrkdwn"]
    shown += [t.replace("<", "&lt;").replace(">", "&gt;") for k, t in texts if k != "mrkdwn"]
    assert any(must_show in t for t in shown), f"{must_show!r} is not shown at all"


def everything_slack_received(fake_slack) -> list[Any]:
    """Every message, update, ephemeral, view and response_url post the fake Slack received."""
    calls = [c.args for c in fake_slack.calls() if c.method.startswith(("chat.", "views."))]
    return calls + [p.body for p in fake_slack.response_posts()]


def test_the_walker_finds_raw_markup_in_every_kind_of_field():
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "<!channel>"}}
    for bad in (
        [{"text": "hi <@U07BOB12XY>", "blocks": []}],
        [{"blocks": json.dumps([section])}],
        [{"type": "context", "elements": [{"type": "mrkdwn", "text": "<!here> x"}]}],
        [{"type": "section", "fields": [{"type": "mrkdwn", "text": "<http://evil.example|a>"}]}],
        [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "x"},
                "url": "http://evil.example",
            }
        ],
        [{"text": "&amp;lt;!channel&amp;gt;"}],
    ):
        with pytest.raises(AssertionError):
            assert_shown_as_text(bad)
    plain = {"type": "header", "text": {"type": "plain_text", "text": "<!channel> Evil"}}
    assert_shown_as_text([plain, {"type": "button", "value": "<!channel>", "text": plain["text"]}])
    assert_shown_as_text([{"text": "&lt;!channel&gt; Evil"}])


# -- mrkdwn injection: user- and contact-supplied text is shown, never obeyed --------------------


def _ack(response) -> dict:
    assert response.status_code == 200
    return response.json()


def test_a_contact_named_with_markup_is_text_in_lookup_call_and_button_replies(
    slack, bot, fake_slack, fake_sipgate
):
    acks = [_ack(slack.command("/lookup", "evil"))]
    wait_until(lambda: fake_slack.response_posts())
    bot.wait_idle()
    lookup = fake_slack.response_posts()[-1].body
    call = next(
        e for b in lookup["blocks"] if b["type"] == "actions" for e in b["elements"]
    )  # the Call button of the evil contact's number
    slack.block_action(call["action_id"], call["value"])
    acks.append(_ack(slack.command("/call", "evil")))
    wait_until(lambda: len(fake_sipgate.requests("POST", "/sessions/calls")) == 2)
    bot.wait_idle()
    assert len(fake_slack.response_posts()) == 3
    escaped = EVIL_NAME.replace("<", "&lt;").replace(">", "&gt;")
    assert_shown_as_text(acks + everything_slack_received(fake_slack), must_show=escaped)


def test_caller_and_user_names_from_sipgate_are_text_in_every_version_of_the_call_message(
    bot, sipgate_push, fake_slack
):
    bot.services.contacts.refresh()  # the caller's name comes from the contacts cache
    caller = EVIL_NUMBER[1:]
    sipgate_push.new_call("I1", from_number=caller, users=("<!here> Mallory",), user_ids=("w0",))
    only_message(fake_slack, contains="Ringing")
    sipgate_push.answer("I1", from_number=caller, user="<@U07BOB12XY> Eve")
    only_message(fake_slack, contains="Answered by")
    sipgate_push.hangup("I1", from_number=caller, cause="<!everyone>")
    ended = only_message(fake_slack, contains="Call ended")
    bot.wait_idle()
    versions = [{"text": v["text"], "blocks": v["blocks"]} for v in ended.history]
    versions.append({"text": ended.text, "blocks": ended.blocks})
    assert len(versions) == 3
    assert_shown_as_text(versions + everything_slack_received(fake_slack))
    assert_shown_as_text(versions, must_show="&lt;!here&gt; Mallory")
    assert_shown_as_text(versions, must_show="&lt;@U07BOB12XY&gt; Eve")


def test_sms_text_with_markup_is_text_in_confirmations_the_list_the_form_and_the_dm(
    slack, bot, fake_slack, fake_sipgate
):
    # Different endings: the same text to the same number within a minute is sent only once.
    acks = [_ack(slack.command("/sms", f"{NUMBER} {INJECTION} now"))]
    acks.append(_ack(slack.command("/sms", f"{NUMBER} in 2h: {INJECTION} later")))
    acks.append(_ack(slack.command("/sms", f"{NUMBER} in 1 second: {INJECTION} soon")))
    view = _open_form(slack, fake_slack)
    slack.view_submission(view, _values(NUMBER, f"{INJECTION} form"))
    wait_until(lambda: len(fake_sipgate.sent_sms) == 3, timeout=5)
    wait_until(lambda: fake_slack.messages(ALICE))  # the DM about the scheduled one
    bot.wait_idle()
    acks.append(_ack(slack.command("/sms", "list")))
    sent = sorted(s["message"] for s in fake_sipgate.sent_sms)
    assert sent == [f"{INJECTION} {end}" for end in ("form", "now", "soon")]  # sent as typed
    shown = acks + everything_slack_received(fake_slack)
    assert_shown_as_text(shown)
    for piece in ("&lt;@U07BOB12XY&gt;", "&lt;http://evil.example|click&gt;"):
        assert_shown_as_text(shown, must_show=piece)
    assert "&lt;!channel&gt;" in json.dumps(acks[-1])  # the pending one in /sms list


@pytest.mark.parametrize(
    ("command", "text", "echoed"),
    [
        ("/call", "<!channel> <http://evil.example|click>", "&lt;!channel&gt;"),
        ("/call", "Mallory <!here>", "Mallory &lt;!here&gt;"),
        ("/sms", "Mallory<!here> Hello there", "&lt;!here&gt;"),
        ("/sms", f"{NUMBER} tomorrow <!channel>: Hi", "&lt;!channel&gt;"),
        ("/lookup", "<!here> <http://evil.example|click> nobody", "&lt;!here&gt;"),
        ("/sipgate", "<!channel>", "&lt;!channel&gt;"),
        ("/sipgate", "device <!channel>", "&lt;!channel&gt;"),
        ("/sipgate", "link <@U07BOB12XY|bob> <!channel>", "&lt;!channel&gt;"),
        ("/fax", "<!channel>", None),  # only prefills the number field of the modal
    ],
)
def test_typed_text_echoed_in_answers_and_errors_is_text(
    slack, bot, fake_slack, fake_sipgate, command, text, echoed
):
    ack = slack.command(command, text)
    assert ack.status_code == 200
    bot.wait_idle()
    shown = ([ack.json()] if ack.content else []) + everything_slack_received(fake_slack)
    if echoed:
        assert_shown_as_text(shown, must_show=echoed)  # fails too when nothing was echoed
    else:
        assert_shown_as_text(shown, must_show="")


BUTTONS = ["contact_call", "contact_call_0", "call_pick_1", "contact_sms_0", "sms_pick_0"]


@pytest.mark.parametrize("action_id", BUTTONS)
@pytest.mark.parametrize("value", [INJECTION, json.dumps({"n": INJECTION})])
def test_forged_button_values_are_refused_as_text_and_reach_nobody(
    slack, bot, fake_slack, fake_sipgate, action_id, value
):
    assert slack.block_action(action_id, value, user=BOB).status_code == 200
    bot.wait_idle()
    assert_shown_as_text(everything_slack_received(fake_slack), must_show="")
    assert fake_sipgate.requests("POST") == []


def test_a_forged_label_on_a_call_button_is_shown_as_text(slack, bot, fake_slack, fake_sipgate):
    value = json.dumps({"n": "+4930666666", "l": INJECTION})
    slack.block_action("contact_call_0", value, user=BOB)
    wait_until(lambda: fake_slack.response_posts())
    bot.wait_idle()
    assert_shown_as_text(everything_slack_received(fake_slack), must_show="")
    calls = [r.json for r in fake_sipgate.requests("POST", "/sessions/calls")]
    assert calls == [{"caller": "e1", "callee": "+4930666666"}]  # a number /call would dial too


def test_names_and_aliases_set_in_sipgate_are_shown_as_text(slack, bot, fake_slack, fake_sipgate):
    alice = next(u for u in fake_sipgate.users if u["id"] == "w0")
    alice["firstname"] = "<!channel>"
    fake_sipgate.devices["w1"][0]["alias"] = "<!here> desk <http://evil.example|click>"
    acks = [_ack(slack.command("/call", f"<@{ALICE}|alice>", user=BOB))]
    acks.append(_ack(slack.command("/sipgate", "status", user=BOB)))
    acks.append(_ack(slack.command("/sipgate", "device zz", user=BOB)))
    acks.append(_ack(slack.command("/call", NUMBER, user=BOB)))
    wait_until(lambda: len(fake_slack.response_posts()) == 4)
    bot.wait_idle()
    shown = acks + everything_slack_received(fake_slack)
    for name in (
        "&lt;!channel&gt; Schmidt",
        "&lt;!here&gt; desk &lt;http://evil.example|click&gt;",
    ):
        assert_shown_as_text(shown, must_show=name)


def test_a_pdf_name_and_a_forged_fax_line_are_shown_as_text(slack, bot, fake_slack, fake_sipgate):
    pdf = pdfs.pdf(1)
    named = fake_slack.add_file(
        fake_slack.url, file_id="F07EVIL001", name=f"{INJECTION}.pdf", content=pdf
    )
    view = _open_fax_modal(slack, fake_slack, FAX_NUMBER)
    assert slack.view_submission(view, _fax_values(FAX_NUMBER, [named])).text == ""
    wait_until(lambda: fake_sipgate.faxes)
    forged = _fax_values(FAX_NUMBER, [named])
    forged["fax_line"] = {
        "faxline": {"type": "static_select", "selected_option": {"value": INJECTION}}
    }
    slack.view_submission(_open_fax_modal(slack, fake_slack, FAX_NUMBER), forged)
    wait_until(lambda: fake_slack.ephemerals(ALICE))
    bot.wait_idle()
    assert len(fake_sipgate.faxes) == 1
    shown = everything_slack_received(fake_slack)
    assert_shown_as_text(shown, must_show="&lt;http://evil.example|click&gt; *bold*.pdf")
    assert_shown_as_text(fake_slack.ephemerals(ALICE), must_show="Fax line `&lt;!channel&gt;")
