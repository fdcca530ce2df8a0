"""/lookup over signed HTTP: name and number matching, the cache, Block Kit limits, the buttons."""

from __future__ import annotations

import json
import time

import pytest

from bot.blocks.common import MAX_MESSAGE_BLOCKS
from bot.blocks.ids import ACTION_CALL_NUMBER, ACTION_SMS_NUMBER
from bot.simulator.blockkit import block_problems, view_problems
from tests.conftest import wait_until

BOB = "U07BOB12XY"


def _reply(fake_slack, bot):
    """The next message the bot sent to a response_url (waits for it: Bolt acks first)."""
    seen = getattr(bot, "replies_seen", 0)
    wait_until(lambda: len(fake_slack.response_posts()) > seen)
    bot.wait_idle()
    posts = fake_slack.response_posts()
    bot.replies_seen = len(posts)
    body = posts[-1].body
    assert body["response_type"] == "ephemeral"
    assert len(body["blocks"]) <= MAX_MESSAGE_BLOCKS
    assert block_problems(body["blocks"]) == []
    return body


def _names(message) -> list[str]:
    """The bold contact names of a lookup answer, in order."""
    names = []
    for block in message["blocks"]:
        text = block.get("text", {}).get("text", "")
        if block["type"] == "section" and text.startswith("*"):
            names.append(text.split("*")[1])
    return names


def _buttons(message) -> list[dict]:
    return [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]


def _lookup(slack, bot, fake_slack, text):
    ack = slack.command("/lookup", text)
    assert ack.status_code == 200 and ack.json()["response_type"] == "ephemeral"
    assert block_problems(ack.json()["blocks"]) == []
    return _reply(fake_slack, bot)


def test_lookup_without_text_shows_usage(slack, fake_sipgate):
    ack = json.dumps(slack.command("/lookup", "").json(), ensure_ascii=False)
    assert "/lookup müller gmbh" in ack and "/lookup 030 1234567" in ack
    assert not fake_sipgate.requests()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("zoe", ["Zoë Lefèvre"]),
        ("ZOË lef", ["Zoë Lefèvre"]),
        ("mull", ["Jürgen Müller", "Heike Krüger"]),
        ("müller gmbh", ["Jürgen Müller", "Heike Krüger"]),
        ("030 1234567", ["Anna Schmidt", "Helga Lange"]),
        ("+49301234567", ["Anna Schmidt", "Helga Lange"]),
        ("0049 (30) 123-4567", ["Anna Schmidt", "Helga Lange"]),
    ],
)
def test_lookup_matches_names_without_case_or_accents_and_numbers_however_typed(
    slack, bot, fake_slack, query, expected
):
    assert sorted(_names(_lookup(slack, bot, fake_slack, query))) == sorted(expected)


def test_lookup_shows_organisation_number_types_and_buttons_per_number(slack, bot, fake_slack):
    # a landline gets no SMS button: the SMS guard refuses numbers that cannot receive SMS
    reply = _lookup(slack, bot, fake_slack, "anna schmidt")
    text = json.dumps(reply["blocks"], ensure_ascii=False)
    assert "Schmidt &amp; Partner" in text
    assert "work: 030 1234567" in text and "cell: 0176 12345678" in text
    values = {(b["action_id"], json.loads(b["value"])["n"]) for b in _buttons(reply)}
    assert values == {
        (f"{ACTION_CALL_NUMBER}_0", "+49301234567"),
        (f"{ACTION_CALL_NUMBER}_1", "+4917612345678"),
        (f"{ACTION_SMS_NUMBER}_1", "+4917612345678"),
    }


def test_fax_numbers_are_listed_without_call_or_sms_buttons(slack, bot, fake_slack):
    reply = _lookup(slack, bot, fake_slack, "jürgen")
    assert "fax: 030 1234569" in json.dumps(reply["blocks"], ensure_ascii=False)
    assert [json.loads(b["value"])["n"] for b in _buttons(reply)] == ["+49301234568"]


def test_lookup_with_no_match_says_so(slack, bot, fake_slack):
    assert "No contact matches" in _lookup(slack, bot, fake_slack, "xylophon")["text"]


def test_injected_markup_in_contact_names_is_escaped(slack, bot, fake_slack):
    reply = _lookup(slack, bot, fake_slack, "evil")
    shown = [b for b in reply["blocks"] if b["type"] == "section"]  # button values aren't shown
    text = json.dumps(shown) + reply["text"]
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert "<http://evil.example" not in text


def test_many_matches_show_the_count_and_the_top_results_within_block_kit_limits(
    slack, bot, fake_slack, fake_sipgate
):
    fake_sipgate.add_contacts(
        [
            {
                "name": f"Anton Beispiel {i:03d}",
                "numbers": [
                    {"number": f"+4930555{i:04d}", "type": ["work"]},
                    {"number": f"+49170555{i:04d}", "type": ["cell"]},
                ],
            }
            for i in range(300)
        ]
    )
    reply = _lookup(slack, bot, fake_slack, "a")
    total = int(reply["text"].split()[0])
    assert total > 300 and reply["text"].endswith("here are the best 10.")
    assert 0 < len(_names(reply)) <= 10


def test_ten_thousand_contacts_are_cached_and_a_second_lookup_does_not_refetch(
    slack, bot, fake_slack, fake_sipgate
):
    fake_sipgate.add_contacts(
        [
            {"name": f"Kunde {i:05d}", "numbers": [{"number": f"+4940{i:07d}", "type": ["work"]}]}
            for i in range(10_000)
        ]
    )
    started = time.monotonic()
    assert _names(_lookup(slack, bot, fake_slack, "kunde 04711")) == ["Kunde 04711"]
    first = time.monotonic() - started
    pages = len(fake_sipgate.requests("GET", "/contacts"))
    assert pages == 3  # 10,030 contacts in pages of 5,000
    started = time.monotonic()
    assert _names(_lookup(slack, bot, fake_slack, "+49 40 0009999")) == ["Kunde 09999"]
    assert _names(_lookup(slack, bot, fake_slack, "zoe")) == ["Zoë Lefèvre"]
    assert len(fake_sipgate.requests("GET", "/contacts")) == pages
    assert time.monotonic() - started < max(first, 1.0)


def test_lookup_when_sipgate_is_down_and_nothing_is_cached_is_a_clear_error(
    slack, bot, fake_slack, fake_sipgate
):
    fake_sipgate.fail("GET /contacts", 503)
    reply = _lookup(slack, bot, fake_slack, "anna")
    assert "sipgate is having trouble" in json.dumps(reply["blocks"])


def test_call_button_starts_the_call_from_the_clickers_phone(slack, bot, fake_slack, fake_sipgate):
    reply = _lookup(slack, bot, fake_slack, "klaus")
    call = next(b for b in _buttons(reply) if b["action_id"].startswith(ACTION_CALL_NUMBER))
    assert slack.block_action(call["action_id"], call["value"], user=BOB).status_code == 200
    text = json.dumps(_reply(fake_slack, bot)["blocks"])
    assert "Klaus Wagner" in text and "Bob desk phone" in text
    calls = [r.json for r in fake_sipgate.requests("POST", "/sessions/calls")]
    assert calls == [{"caller": "e1", "callee": "+492115556667"}]


def test_sms_button_whose_trigger_slack_refuses_asks_to_click_again(slack, bot, fake_slack):
    reply = _lookup(slack, bot, fake_slack, "thomas becker")
    sms = next(b for b in _buttons(reply) if b["action_id"].startswith(ACTION_SMS_NUMBER))
    fake_slack.fail("views.open", error="expired_trigger_id")
    assert slack.block_action(sms["action_id"], sms["value"]).status_code == 200
    assert "would not open the SMS form; please click again" in json.dumps(_reply(fake_slack, bot))


def test_sms_button_opens_the_sms_dialog_prefilled(slack, bot, fake_slack):
    pytest.importorskip("bot.blocks.sms")
    reply = _lookup(slack, bot, fake_slack, "thomas becker")
    sms = next(b for b in _buttons(reply) if b["action_id"].startswith(ACTION_SMS_NUMBER))
    assert slack.block_action(sms["action_id"], sms["value"]).status_code == 200
    wait_until(lambda: fake_slack.calls("views.open"))  # Bolt acks before the listener ends
    opened = fake_slack.assert_called("views.open", count=1)[0]
    view = opened.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == "sms_send"
    assert view_problems(view) == []
    initial = [
        b["element"].get("initial_value")
        for b in view["blocks"]
        if b["type"] == "input" and isinstance(b.get("element"), dict)
    ]
    assert "+4916098765432" in initial


def test_a_number_not_in_the_cache_is_asked_from_sipgates_number_filter(
    slack, bot, fake_slack, fake_sipgate
):
    _lookup(slack, bot, fake_slack, "zoe")  # fills the cache
    fake_sipgate.add_contacts(
        [{"name": "Neu Kunde", "numbers": [{"number": "0211 7778889", "type": ["work"]}]}]
    )
    assert _names(_lookup(slack, bot, fake_slack, "+49 211 7778889")) == ["Neu Kunde"]
    asked = fake_sipgate.requests("GET", "/contacts")[-1]
    assert asked.query["phonenumbers"] == ["+492117778889"]
    assert "No contact matches" in _lookup(slack, bot, fake_slack, "0211 1111111")["text"]


def test_ampersand_as_slack_escapes_it_is_searched_and_shown_once_escaped(slack, bot, fake_slack):
    # Slack sends a typed "&" as "&amp;" in command text; the bot must not escape it twice.
    ack = slack.command("/lookup", "Schmidt &amp; Partner")
    assert "&amp;amp;" not in ack.text
    reply = _reply(fake_slack, bot)
    assert "Anna Schmidt" in _names(reply)
    assert "&amp;amp;" not in json.dumps(reply)
