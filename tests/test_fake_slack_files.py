"""The fake Slack answers like Slack, over real HTTP: users.*, files.* and file downloads, and
response URLs."""

from __future__ import annotations

import pytest
import requests
from slack_sdk.webhook import WebhookClient

from bot.simulator.slack_seed import ALICE, BOB, CALLS_CHANNEL, CARL, TEAM_ID
from tests.fake_slack_api import PDF, SECTION, bearer, slack_error
from tests.fake_slack_api import client as client
from tests.fake_slack_api import fake as fake
from tests.fake_slack_api import served_fake as served_fake
from tests.fake_slack_api import url as url

# ----- users.*, files.* ------------------------------------------------------------------------


def test_users_info_returns_the_profile_with_email(client):
    user = client.users_info(user=ALICE)["user"]
    assert (user["name"], user["real_name"], user["tz"]) == (
        "alice.schmidt",
        "Alice Schmidt",
        "Europe/Berlin",
    )
    assert user["profile"]["email"] == "alice.schmidt@acme.example" and user["is_bot"] is False
    assert client.users_info(user="U07OTHERBT")["user"]["is_bot"] is True
    missing = slack_error(lambda: client.users_info(user="U0NOSUCH00"))
    assert missing.response["error"] == "user_not_found"


def test_lookup_by_email_finds_people_and_reports_users_not_found(fake, client):
    assert client.users_lookupByEmail(email="Carl@ACME.example")["user"]["id"] == CARL
    missing = slack_error(lambda: client.users_lookupByEmail(email="nobody@acme.example"))
    assert missing.response["error"] == "users_not_found"
    fake.add_user({**fake.users[BOB], "id": "U07NEWUSER", "profile": {"email": "new@acme.example"}})
    assert client.users_lookupByEmail(email="new@acme.example")["user"]["id"] == "U07NEWUSER"


def test_files_info_and_download_with_the_bot_token_give_the_pdf(fake, url, client):
    added = fake.add_file(url, file_id="F07INVOICE1", name="Rechnung 2024-117.pdf", content=PDF)
    info = client.files_info(file="F07INVOICE1")["file"]
    assert (
        info == added and info["size"] == len(PDF) and info["url_private_download"].startswith(url)
    )
    for link in (info["url_private_download"], info["url_private"]):
        response = requests.get(link, headers=bearer(), timeout=5)
        assert (response.status_code, response.content) == (200, PDF)
        assert response.headers["Content-Type"] == "application/pdf"
    missing = slack_error(lambda: client.files_info(file="F0NOSUCH00"))
    assert missing.response["error"] == "file_not_found"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer xoxb-wrong"}])
def test_download_without_the_bot_token_gets_the_html_login_page(fake, url, headers):
    info = fake.add_file(url, file_id="F07INVOICE1", name="invoice.pdf", content=PDF)
    response = requests.get(info["url_private_download"], headers=headers, timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert b"<html" in response.content and not response.content.startswith(b"%PDF-")
    assert fake.downloads[-1]["ok"] is False


def test_download_of_an_unknown_file_is_404(url):
    response = requests.get(
        f"{url}/files-pri/{TEAM_ID}-F0NOSUCH00/download/x.pdf", headers=bearer(), timeout=5
    )
    assert response.status_code == 404


# ----- response URLs ---------------------------------------------------------------------------


def test_response_url_post_is_recorded_and_shown_to_the_user(fake, url):
    response_url = fake.response_url(url, "commands", user=ALICE, channel=CALLS_CHANNEL)
    answer = WebhookClient(response_url).send(text="Calling Bob…", blocks=[SECTION])
    assert (answer.status_code, answer.body) == (200, "ok")
    [post] = fake.response_posts("commands")
    assert post.body["text"] == "Calling Bob…" and response_url.endswith(post.path)
    [shown] = fake.ephemerals(ALICE)
    assert (shown["source"], shown["channel"], shown["blocks"]) == (
        "response_url",
        CALLS_CHANNEL,
        [SECTION],
    )


def test_response_url_works_five_times_then_is_used(fake, url):
    hook = WebhookClient(fake.response_url(url))
    statuses = [hook.send(text=f"update {i}").status_code for i in range(6)]
    assert statuses == [200] * 5 + [404]
    assert hook.send(text="again").body == "used_url"


def test_response_url_refuses_invalid_json_and_invalid_blocks(fake, url):
    response_url = fake.response_url(url, "actions")
    broken = requests.post(
        response_url, data="{nope", headers={"Content-Type": "application/json"}, timeout=5
    )
    assert (broken.status_code, broken.text) == (400, "invalid_payload")
    bad_blocks = WebhookClient(response_url).send(text="x", blocks=[{"type": "sectoin"}])
    assert (bad_blocks.status_code, bad_blocks.body) == (400, "invalid_blocks")
    assert [p.status for p in fake.response_posts()] == [400, 400]


def test_in_channel_response_posts_to_the_channel(fake, url):
    hook = WebhookClient(fake.response_url(url, "commands", user=ALICE, channel=CALLS_CHANNEL))
    hook.send(text="Alice is calling +49 30 1234567", response_type="in_channel")
    assert [m.text for m in fake.messages(CALLS_CHANNEL)] == ["Alice is calling +49 30 1234567"]
    assert fake.ephemerals() == []


def test_replace_and_delete_original_change_the_clicked_message(fake, url, client):
    ts = client.chat_postMessage(channel=CALLS_CHANNEL, text="Ringing", blocks=[SECTION])["ts"]
    hook = WebhookClient(fake.response_url(url, "actions", message=(CALLS_CHANNEL, ts), user=ALICE))
    assert hook.send(text="On hold", replace_original=True).status_code == 200
    [message] = fake.messages(CALLS_CHANNEL)
    assert (message.text, message.blocks, message.edited) == ("On hold", [], True)
    assert hook.send(delete_original=True).status_code == 200
    assert fake.messages(CALLS_CHANNEL) == []


def test_replace_original_on_an_ephemeral_replaces_that_ephemeral(fake, url, client):
    ts = client.chat_postEphemeral(channel=CALLS_CHANNEL, user=ALICE, text="Choose")["message_ts"]
    hook = WebhookClient(fake.response_url(url, "actions", message=(CALLS_CHANNEL, ts), user=ALICE))
    hook.send(text="Chosen", replace_original=True)
    [shown] = fake.ephemerals(ALICE)
    assert (shown["text"], shown["history"][0]["text"]) == ("Chosen", "Choose")
