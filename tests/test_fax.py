"""/fax and "Send as fax" over HTTP: opening the modal and validation in it.

Sending, polling, retry and restart: test_fax_sending.py (which imports the helpers and the
autouse `fast_polling` fixture from here).
"""

from __future__ import annotations

import json

import pytest

from bot.services.fax import FaxService
from bot.simulator.blockkit import view_problems
from bot.storage import fax as fax_db
from tests import pdfs
from tests.conftest import SHARED, wait_until

ALICE, DORA = "U07ALICE9Z", "U07DORA0WB"
CHANNEL = "C07CALLS3K"
NUMBER = "+49 30 12345678"


@pytest.fixture(autouse=True)
def fast_polling(monkeypatch):
    """Poll every 50 ms instead of 10 s / 30 s / 1 min / 3 min, so tests finish quickly."""
    monkeypatch.setattr(FaxService, "POLL_DELAYS", (0.05, 0.05, 0.05))
    monkeypatch.setattr(FaxService, "POLL_EVERY", 0.05)


def _open_modal(slack, fake_slack, text=NUMBER, user=ALICE):
    before = len(fake_slack.views)
    ack = slack.command("/fax", text, user=user)
    assert ack.status_code == 200
    wait_until(lambda: len(fake_slack.views) > before)  # views.open runs right after the ack
    return fake_slack.views[-1]["view"]


def _upload(fake_slack, content=None, *, file_id="F07FAXDOC1", name="Rechnung 117.pdf", **kw):
    content = pdfs.pdf(2) if content is None else content
    return fake_slack.add_file(fake_slack.url, file_id=file_id, name=name, content=content, **kw)


def _values(number, files):
    return {
        "fax_recipient": {"number": {"type": "plain_text_input", "value": number}},
        "fax_document": {"document": {"type": "file_input", "files": files}},
    }


def _submit(slack, fake_slack, files, number=NUMBER, user=ALICE):
    view = _open_modal(slack, fake_slack, number, user)
    return slack.view_submission(view, _values(number, files), user=user)


def _fax_messages(fake_slack, channel=CHANNEL):
    return [m for m in fake_slack.messages(channel) if m.text.startswith("Fax to")]


def _wait_for_status(fake_slack, status_text, channel=CHANNEL):
    def done():
        found = _fax_messages(fake_slack, channel)
        return found if found and status_text in found[-1].text else None

    return wait_until(done)[-1]


def _versions(message):
    return [v["text"] for v in message.history] + [message.text]


def _ephemeral_text(fake_slack, user=ALICE):
    wait_until(lambda: fake_slack.ephemerals(user))
    return str(fake_slack.ephemerals(user)[-1])


def _job(bot, job_id=1):
    return fax_db.fax_job(bot.services.storage, job_id)


# -- opening the modal -------------------------------------------------------------------------


def test_fax_command_opens_the_modal_with_the_number_prefilled(slack, bot, fake_slack):
    view = _open_modal(slack, fake_slack)
    assert view_problems(view) == []
    assert view["callback_id"] == "fax_send"
    blocks = {b["block_id"]: b for b in view["blocks"]}
    assert blocks["fax_recipient"]["element"]["initial_value"] == NUMBER
    upload = blocks["fax_document"]["element"]
    assert upload["type"] == "file_input"
    assert (upload["filetypes"], upload["max_files"]) == (["pdf"], 1)
    assert "fax_line" not in blocks  # Alice has one line that can send (f1 only receives)
    assert json.loads(view["private_metadata"]) == {"channel_id": CHANNEL}
    wait_until(lambda: bot.services.fax.cached_lines(ALICE))  # the background check is done
    bot.wait_idle()
    assert not fake_slack.calls("views.update")


def test_fax_command_offers_a_line_choice_to_people_with_two_sending_lines(
    slack, bot, fake_slack, fake_sipgate
):
    fake_sipgate.faxlines["w0"][1]["canSend"] = True
    _open_modal(slack, fake_slack, "")
    wait_until(lambda: fake_slack.calls("views.update"))
    updated = fake_slack.assert_called("views.update", 1)[0].args["view"]
    view = json.loads(updated) if isinstance(updated, str) else updated
    select = next(b for b in view["blocks"] if b["block_id"] == "fax_line")["element"]
    assert [o["value"] for o in select["options"]] == ["f0", "f1"]
    assert view_problems(view) == []
    opened_again = _open_modal(slack, fake_slack, "")  # lines are now cached: select at once
    assert any(b["block_id"] == "fax_line" for b in opened_again["blocks"])


def test_fax_command_without_a_sending_line_says_so(slack, bot, fake_slack):
    _open_modal(slack, fake_slack, "", user=DORA)
    wait_until(lambda: fake_slack.response_posts())
    reply = fake_slack.response_posts()[-1].body
    assert "no sipgate fax line that can send" in str(reply)
    updated = str(fake_slack.assert_called("views.update", 1)[0].args["view"])
    assert "no sipgate fax line" in updated and "submit" not in updated


def _shortcut_payload(slack, files):
    payload = json.loads((SHARED / "data/slack/message-action-fax-pdf.json").read_text())
    payload["trigger_id"] = slack.new_trigger_id()
    payload["response_url"] = slack.response_url("app")
    payload["message"]["files"] = files
    return payload


def test_shortcut_opens_the_modal_with_the_messages_pdf(slack, bot, fake_slack, fake_sipgate):
    pdf_file = _upload(fake_slack, file_id="F07CONTRACT", name="Vertrag-Meyer.pdf")
    picture = _upload(fake_slack, b"\x89PNG", file_id="F07PHOTO", name="a.png", filetype="png")
    other = _upload(fake_slack, file_id="F07OTHER", name="Anlage.pdf")
    assert (
        slack.interactive(_shortcut_payload(slack, [picture, pdf_file, other])).status_code == 200
    )
    wait_until(lambda: fake_slack.views)
    view = fake_slack.views[-1]["view"]
    assert view_problems(view) == []
    assert json.loads(view["private_metadata"])["file_id"] == "F07CONTRACT"
    text = json.dumps(view["blocks"])
    assert "Vertrag-Meyer.pdf" in text and "2 PDFs" in text and "file_input" not in text
    # Submitting it fetches the chosen file by id (files.info) and faxes it.
    values = {"fax_recipient": {"number": {"type": "plain_text_input", "value": NUMBER}}}
    assert slack.view_submission(view, values).status_code == 200
    _wait_for_status(fake_slack, "Sent")
    fake_slack.assert_called("files.info", 1, file="F07CONTRACT")
    assert [f["request"]["filename"] for f in fake_sipgate.faxes.values()] == ["Vertrag-Meyer.pdf"]


def test_shortcut_on_a_message_without_pdf_says_so(slack, bot, fake_slack):
    picture = _upload(fake_slack, b"\x89PNG", file_id="F07PHOTO", name="a.png", filetype="png")
    assert slack.interactive(_shortcut_payload(slack, [picture])).status_code == 200
    wait_until(lambda: fake_slack.response_posts())
    assert "That message has no PDF attached." in str(fake_slack.response_posts()[-1].body)
    assert not fake_slack.views


# -- validation in the modal -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "files", "block", "problem"),
    [
        (NUMBER, [], "fax_document", "Attach the PDF"),
        (NUMBER, ["a.pdf", "b.pdf"], "fax_document", "only one PDF"),
        (NUMBER, ["photo.png"], "fax_document", "not a PDF"),
        ("+49 1", ["a.pdf"], "fax_recipient", "is not a phone number"),
        ("Nobody Known", ["a.pdf"], "fax_recipient", "No contact matches"),
        ("+49 900 1234567", ["a.pdf"], "fax_recipient", "premium-rate"),
        ("+49 151 23456789", ["a.pdf"], "fax_recipient", "cannot receive faxes"),
    ],
)
def test_submission_errors_are_shown_in_the_modal(
    slack, bot, fake_slack, fake_sipgate, number, files, block, problem
):
    objects = [
        _upload(
            fake_slack,
            file_id=f"F07DOC{i}",
            name=name,
            **({"mimetype": "image/png", "filetype": "png"} if name.endswith(".png") else {}),
        )
        for i, name in enumerate(files)
    ]
    answer = _submit(slack, fake_slack, objects, number=number)
    assert answer.status_code == 200
    body = answer.json()
    assert body["response_action"] == "errors"
    assert problem in body["errors"][block]
    bot.wait_idle()
    assert not fake_sipgate.requests("POST", "/sessions/fax")


def test_pdf_over_ten_megabytes_is_refused_in_the_modal(slack, bot, fake_slack, fake_sipgate):
    upload = _upload(fake_slack)
    upload["size"] = 10_000_001  # Slack reports the size in the file object (slack-bolt.md §3.2)
    answer = _submit(slack, fake_slack, [upload]).json()
    assert "larger than 10 MB" in answer["errors"]["fax_document"]
    assert not fake_slack.downloads


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (pdfs.truncated_pdf(), "incomplete or damaged"),
        (b"%PDF-1.7\n" + b"garbage " * 50 + b"\n%%EOF\n", "damaged and cannot be read"),
        (pdfs.encrypted_pdf(), "password-protected"),
        (pdfs.html_page(), "could not read that file from Slack"),
        (b"PK\x03\x04 a zip file", "not a PDF"),
    ],
    ids=["truncated", "corrupt", "encrypted", "html", "zip"],
)
def test_unusable_files_are_refused_privately_and_never_sent(
    slack, bot, fake_slack, fake_sipgate, content, problem
):
    assert _submit(slack, fake_slack, [_upload(fake_slack, content)]).text == ""
    assert problem in _ephemeral_text(fake_slack)
    assert not fake_sipgate.requests("POST", "/sessions/fax")
    assert not _fax_messages(fake_slack)
    assert fake_slack.downloads[-1]["ok"]


def test_file_behind_slacks_sign_in_page_is_explained(slack, bot, fake_slack, fake_sipgate):
    upload = _upload(fake_slack)
    view = _open_modal(slack, fake_slack)
    wait_until(lambda: bot.services.fax.cached_lines(ALICE))  # Alice linked, lines checked
    bot.wait_idle()
    fake_slack.bot_token = "xoxb-another-workspace"  # the bot's token no longer opens the file
    try:
        slack.view_submission(view, _values(NUMBER, [upload]))
        wait_until(lambda: fake_slack.calls("chat.postMessage"))
    finally:
        fake_slack.bot_token = "xoxb-test-0000-token"
    assert fake_slack.downloads[-1]["ok"] is False
    told = str(fake_slack.calls("chat.postEphemeral")[-1].args)
    assert "could not read that file from Slack" in told and "files:read" in told
    assert not fake_sipgate.requests("POST", "/sessions/fax")


def test_files_outside_slacks_file_host_are_never_fetched(slack, bot, fake_slack, fake_sipgate):
    upload = _upload(fake_slack)
    upload["url_private_download"] = "http://127.0.0.1:9/files-pri/evil.pdf"
    _submit(slack, fake_slack, [upload])
    assert "not stored on Slack" in _ephemeral_text(fake_slack)
    assert not fake_slack.downloads
    assert not fake_sipgate.requests("POST", "/sessions/fax")


@pytest.mark.parametrize(
    ("status", "problem"),
    [
        (402, "balance is too low to send the fax"),
        (403, "does not allow this token to send the fax with fax line f0"),
        (407, "the fax number is not valid"),
    ],
)
def test_sipgate_refusing_the_fax_gives_a_clear_private_message(
    slack, bot, fake_slack, fake_sipgate, status, problem
):
    fake_sipgate.fail("POST /sessions/fax", status)
    _submit(slack, fake_slack, [_upload(fake_slack)])
    assert problem in _ephemeral_text(fake_slack)
    assert not _fax_messages(fake_slack)
    assert _job(bot) is None
