"""`sipgate-slack demo`: the real bot between the fakes, driven through the page's API."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from bot.demo.runner import Demo
from bot.demo.slack_side import slack_escape
from tests.conftest import ROOT, wait_until

ALICE, BOB = "U07ALICE9Z", "U07BOB12XY"
TELEFON, GENERAL = "C07CALLS3K", "C07GENERAL"
_EXTERNAL = re.compile(r"https?://(?!127\.0\.0\.1[:/])[^\s\"'<>]*")


@pytest.fixture(scope="module")
def demo() -> Iterator[Demo]:
    running = Demo()
    running.start()
    yield running
    running.stop()


def _state(demo: Demo, user: str, channel: str) -> dict[str, Any]:
    response = requests.get(
        f"{demo.url}api/state", params={"user": user, "channel": channel}, timeout=5
    )
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def _post(demo: Demo, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = requests.post(f"{demo.url}api/{path}", json=body, timeout=10)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def _texts(state: dict[str, Any]) -> str:
    return "\n".join(str(m["text"]) for m in state["messages"])


def test_the_page_and_its_assets_are_served_with_no_external_url(demo: Demo) -> None:
    for path in ("", "static/app.js", "static/app.css"):
        response = requests.get(demo.url + path, timeout=5)
        assert response.status_code == 200, path
        assert _EXTERNAL.findall(response.text) == [], path
    assert "<script" in requests.get(demo.url, timeout=5).text


def test_the_bot_runs_with_its_config_pointing_only_at_local_fakes(demo: Demo) -> None:
    environment = demo.environment()
    for name in ("SLACK_API_URL", "SLACK_FILES_URL", "SIPGATE_API_URL", "PUBLIC_URL"):
        assert environment[name].startswith("http://127.0.0.1:"), name
    assert "BEGIN PUBLIC KEY" in environment["SIPGATE_WEBHOOK_PUBLIC_KEY"]
    assert str(demo.data_dir) in environment["DATABASE_PATH"]
    assert requests.get(f"{demo.bot_url}/healthz", timeout=5).status_code == 200


def test_sipgate_help_typed_as_alice_shows_the_bots_reply_only_to_her(demo: Demo) -> None:
    answer = _post(demo, "command", {"user": ALICE, "channel": GENERAL, "text": "/sipgate help"})
    assert answer["status"] == 200
    state = wait_until(
        lambda: (s := _state(demo, ALICE, GENERAL)) and "/sipgate status" in str(s) and s
    )
    help_reply = [m for m in state["messages"] if "/sipgate status" in str(m["blocks"])]
    assert help_reply and all(m["ephemeral"] for m in help_reply)
    assert "/sipgate status" not in str(_state(demo, BOB, GENERAL)["messages"])


def test_the_bootstrap_lists_the_seeded_people_channels_and_commands(demo: Demo) -> None:
    boot = requests.get(f"{demo.url}api/bootstrap", timeout=5).json()
    people = {p["name"]: p for p in boot["people"]}
    assert set(people) == {"Alice Schmidt", "Bob Meyer", "Dora Weber", "Carl Nolink"}
    assert people["Alice Schmidt"]["admin"] and not people["Bob Meyer"]["admin"]
    assert not people["Carl Nolink"]["linked"] and people["Dora Weber"]["linked"]
    assert {"id": TELEFON, "name": "telefon", "calls": True} in boot["channels"]
    sipgate = next(c for c in boot["commands"] if c["name"] == "/sipgate")
    assert sipgate["registered"] and sipgate["should_escape"]
    assert any(line["number"] == "+4921112345670" for line in boot["lines"])


def test_a_mention_is_sent_escaped_only_for_commands_whose_manifest_says_should_escape(
    demo: Demo,
) -> None:
    page = demo.page
    assert page.slack.escape_mentions("@bob #telefon @nobody") == (
        "<@U07BOB12XY|bob.meyer> <#C07CALLS3K|telefon> @nobody"
    )
    assert slack_escape("a < b & c") == "a &lt; b &amp; c"
    escaped = _post(demo, "command", {"user": ALICE, "channel": GENERAL, "text": "/sipgate x @bob"})
    assert escaped["sent"] == "x <@U07BOB12XY|bob.meyer>"
    plain = [c for c in page.commands.values() if not c.should_escape]
    if not plain:
        pytest.skip("the manifest has no command with should_escape: false")
    sent = _post(
        demo, "command", {"user": ALICE, "channel": GENERAL, "text": f"{plain[0].name} @bob"}
    )
    assert sent["sent"] == "@bob"


def test_an_unknown_command_gets_slacks_own_note(demo: Demo) -> None:
    _post(demo, "command", {"user": BOB, "channel": GENERAL, "text": "/nosuch thing"})
    notes = [m for m in _state(demo, BOB, GENERAL)["messages"] if m["user"] == "USLACKBOT"]
    assert notes and "/nosuch" in notes[-1]["text"] and notes[-1]["ephemeral"]


def test_ringing_a_line_sends_a_signed_webhook_the_bot_answers_200_with_xml(demo: Demo) -> None:
    rung = _post(demo, "phone/ring", {"from": "+49 30 1234567", "to": "+4921112345670"})
    call = rung["call"]
    assert call["events"] == ["newCall → 200"]
    # The XML answer subscribed to answer and hangup at the bot's own webhook (§12.2).
    assert call["on_answer"] == f"{demo.bot_url}/sipgate/webhook"
    assert call["on_hangup"] == f"{demo.bot_url}/sipgate/webhook"
    assert call["users"] == ["Alice Schmidt"] and call["from_number"] == "49301234567"


def test_answering_makes_a_live_call_and_hanging_up_ends_it(demo: Demo) -> None:
    call_id = _post(demo, "phone/ring", {"from": "0151 12345678", "to": "+4921112345671"})["call"][
        "call_id"
    ]
    answered = _post(demo, "phone/answer", {"call_id": call_id, "user_id": "w1"})["call"]
    assert answered["state"] == "answered" and answered["answered_by"] == "Bob Meyer"
    assert answered["events"][-1] == "answer → 200"
    assert call_id in demo.fake_sipgate.live_calls
    ended = _post(demo, "phone/hangup", {"call_id": call_id, "cause": "normalClearing"})["call"]
    assert ended["state"] == "ended" and ended["events"][-1] == "hangup (normalClearing) → 200"
    assert call_id not in demo.fake_sipgate.live_calls
    again = _post(demo, "phone/hangup", {"call_id": call_id, "cause": "busy"})
    assert again == {"ok": False, "error": "The call has already ended."}


def test_a_call_answered_by_voicemail_is_no_live_call(demo: Demo) -> None:
    call_id = _post(demo, "phone/ring", {"from": "anonymous", "to": "+4921112345600"})["call"][
        "call_id"
    ]
    answered = _post(demo, "phone/answer", {"call_id": call_id, "user_id": ""})["call"]
    assert answered["state"] == "voicemail" and call_id not in demo.fake_sipgate.live_calls


def test_a_call_the_bot_hangs_up_at_sipgate_ends_in_the_phone_panel(demo: Demo) -> None:
    call_id = _post(demo, "phone/ring", {"from": "+49 30 1234567", "to": "+4921112345670"})["call"][
        "call_id"
    ]
    _post(demo, "phone/answer", {"call_id": call_id, "user_id": "w0"})
    fake = demo.fake_sipgate
    deleted = requests.delete(
        f"{demo.sipgate_url}/calls/{call_id}", auth=(fake.token_id, fake.token), timeout=5
    )
    assert deleted.status_code == 204
    call = wait_until(
        lambda: next(
            (
                c
                for c in demo.page.phone.snapshot()
                if c["call_id"] == call_id and c["events"][-1].startswith("hangup")
            ),
            None,
        )
    )
    assert call["state"] == "ended" and call["cause"] == "normalClearing"
    assert call["events"][-1] == "hangup (normalClearing) → 200"
    log = _state(demo, ALICE, TELEFON)["log"]
    assert any(e["text"] == f"Hang up call {call_id}" for e in log)


def test_an_uploaded_pdf_becomes_a_slack_file_the_bot_can_download(demo: Demo) -> None:
    response = requests.post(
        f"{demo.url}api/upload",
        files={"file": ("Rechnung.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
        data={"user": ALICE},
        timeout=5,
    )
    info = response.json()["file"]
    assert info["mimetype"] == "application/pdf" and info["size"] == 15
    download = requests.get(
        info["url_private_download"],
        headers={"Authorization": f"Bearer {demo.fake_slack.bot_token}"},
        timeout=5,
    )
    assert download.content == b"%PDF-1.4\n%%EOF\n"


def test_the_demo_command_prints_one_url_and_stops_cleanly_on_ctrl_c(tmp_path: Any) -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "bot", "demo", "--data", str(tmp_path / "data")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            urls = re.findall(r"http://127\.0\.0\.1:\d+/", line)
            assert len(urls) == 1, line
            assert requests.get(urls[0], timeout=5).status_code == 200
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=20) == 0
            assert (tmp_path / "data" / "sipgate-slack.db").is_file()
        finally:
            if process.poll() is None:
                process.kill()


def test_a_request_missing_a_field_is_answered_400_naming_it(demo: Demo) -> None:
    response = requests.post(f"{demo.url}api/phone/ring", json={"from": "0301234567"}, timeout=5)
    assert response.status_code == 400
    assert response.json() == {"ok": False, "error": "missing field 'to'"}


def test_buttons_in_a_commands_immediate_answer_work(demo: Demo) -> None:
    # `/sms list` answers in the ack itself; its Cancel buttons must be clickable in the demo.
    channel = "C07GENERAL"
    _post(
        demo,
        "command",
        {"user": ALICE, "channel": channel, "text": "/sms +49 151 12345678 in 2h: Call me back"},
    )
    wait_until(lambda: "Scheduled for" in str(_state(demo, ALICE, channel)))
    _post(demo, "command", {"user": ALICE, "channel": channel, "text": "/sms list"})

    def listing() -> Any:
        for message in _state(demo, ALICE, channel)["messages"]:
            for block in message["blocks"]:
                for element in [*block.get("elements", []), block.get("accessory") or {}]:
                    if element.get("action_id") == "sms_cancel" and "Your scheduled" in str(
                        message
                    ):
                        return message, element
        return None

    message, button = wait_until(listing)
    answer = _post(
        demo,
        "action",
        {
            "user": ALICE,
            "channel": channel,
            "ts": message["ts"],
            "action": {**button, "type": "button"},
        },
    )
    assert answer["ok"] is True
    wait_until(lambda: "Cancelled SMS" in str(_state(demo, ALICE, channel)), timeout=10)
