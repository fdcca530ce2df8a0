"""The fake Slack answers like Slack: Web API, response URLs and file downloads, over real HTTP."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from bot.simulator.http import serve
from bot.simulator.slack_api import FakeSlack, Message
from bot.simulator.slack_seed import ALICE, BOB, BOT_USER_ID, CALLS_CHANNEL, CARL, TEAM_ID

TOKEN = "xoxb-test-0000-token"
SHARED_SLACK = Path(__file__).resolve().parents[2] / "shared" / "data" / "slack"
SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*Incoming call*"}}
TRIGGER = "7712345678901.7412345678901.5c1f0e9a3b2d4c6e8f0a1b2c3d4e5f61"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
FAX_VIEW: dict[str, Any] = {
    "type": "modal",
    "callback_id": "fax_send",
    "title": {"type": "plain_text", "text": "Send a fax"},
    "submit": {"type": "plain_text", "text": "Send fax"},
    "close": {"type": "plain_text", "text": "Cancel"},
    "private_metadata": json.dumps({"channel_id": CALLS_CHANNEL}),
    "blocks": [
        {
            "type": "input",
            "block_id": "fax_recipient",
            "label": {"type": "plain_text", "text": "Fax number"},
            "element": {"type": "plain_text_input", "action_id": "number", "max_length": 40},
        },
        {
            "type": "input",
            "block_id": "fax_document",
            "label": {"type": "plain_text", "text": "PDF to send"},
            "element": {
                "type": "file_input",
                "action_id": "document",
                "filetypes": ["pdf"],
                "max_files": 1,
            },
        },
    ],
}


@pytest.fixture(scope="module")
def served_fake() -> Iterator[tuple[FakeSlack, str]]:
    """One fake served on 127.0.0.1:0 for this module."""
    fake = FakeSlack(TOKEN)
    served = serve(fake.app)
    yield fake, served.url
    served.shutdown()


@pytest.fixture(autouse=True)
def fake(served_fake: tuple[FakeSlack, str]) -> FakeSlack:
    """The fake, back at its seed for every test (autouse: no state leaks between tests)."""
    served_fake[0].reset()
    return served_fake[0]


@pytest.fixture
def url(served_fake: tuple[FakeSlack, str]) -> str:
    """Root URL of the served fake."""
    return served_fake[1]


@pytest.fixture
def client(url: str) -> WebClient:
    """A real slack_sdk WebClient pointed at the fake."""
    return WebClient(token=TOKEN, base_url=f"{url}/api/", timeout=5)


def raw_post(
    url: str,
    method: str,
    *,
    headers: dict[str, str] | None = None,
    timeout: float = 5.0,
    **kwargs: Any,
) -> requests.Response:
    """POST to a Web API method of the fake with plain requests."""
    return requests.post(f"{url}/api/{method}", headers=headers or {}, timeout=timeout, **kwargs)


def bearer(token: str = TOKEN) -> dict[str, str]:
    """An Authorization header with a bearer token."""
    return {"Authorization": f"Bearer {token}"}


def slack_error(call: Callable[[], Any]) -> SlackApiError:
    """Run a WebClient call that must fail and return the SlackApiError."""
    with pytest.raises(SlackApiError) as caught:
        call()
    return caught.value


# ----- authentication and request format -------------------------------------------------------


def test_call_without_token_is_not_authed_and_still_recorded(fake, url):
    response = raw_post(url, "chat.postMessage", json={"channel": CALLS_CHANNEL, "text": "hi"})
    assert response.status_code == 200
    assert response.json() == {"ok": False, "error": "not_authed"}
    assert fake.calls("chat.postMessage")[0].response["error"] == "not_authed"
    assert fake.messages(CALLS_CHANNEL) == []


def test_wrong_or_revoked_token_is_invalid_auth(fake, url, client):
    wrong = WebClient(token="xoxb-wrong", base_url=f"{url}/api/")
    assert slack_error(wrong.auth_test).response["error"] == "invalid_auth"
    fake.bot_token = "xoxb-rotated"
    try:
        assert slack_error(client.auth_test).response["error"] == "invalid_auth"
    finally:
        fake.bot_token = TOKEN


def test_token_may_be_a_form_argument_but_not_a_json_field(url):
    form = raw_post(url, "auth.test", data={"token": TOKEN})
    assert form.json()["ok"] is True
    as_json = raw_post(url, "auth.test", json={"token": TOKEN})
    assert as_json.json()["error"] == "not_authed"


@pytest.mark.parametrize(
    ("headers", "body", "error"),
    [
        ({"Content-Type": "text/plain"}, b"channel=C07CALLS3K", "invalid_post_type"),
        ({"Content-Type": "application/xml"}, b"<a/>", "invalid_post_type"),
        ({}, b"channel=C07CALLS3K&text=hi", "missing_post_type"),
        ({"Content-Type": "application/json"}, b"{not json", "invalid_json"),
    ],
)
def test_badly_typed_bodies_are_refused_like_slack(url, headers, body, error):
    response = raw_post(url, "chat.postMessage", headers={**bearer(), **headers}, data=body)
    assert response.status_code == 200
    assert response.json()["error"] == error


def test_form_and_multipart_bodies_are_accepted(fake, url):
    form = raw_post(
        url, "chat.postMessage", headers=bearer(), data={"channel": CALLS_CHANNEL, "text": "a"}
    )
    multipart = raw_post(
        url,
        "chat.postMessage",
        headers=bearer(),
        files={"channel": (None, CALLS_CHANNEL), "text": (None, "b")},
    )
    assert form.json()["ok"] and multipart.json()["ok"]
    assert [m.text for m in fake.messages(CALLS_CHANNEL)] == ["a", "b"]


def test_get_with_query_arguments_works_like_post(fake, url):
    response = requests.get(
        f"{url}/api/users.info", params={"token": TOKEN, "user": BOB}, timeout=5
    )
    assert response.json()["user"]["name"] == "bob.meyer"
    assert fake.assert_called("users.info", user=BOB)[0].content_type == ""


def test_unknown_method_is_unknown_method(url):
    response = raw_post(url, "chat.postMesage", headers=bearer(), json={})
    assert response.status_code == 200
    assert response.json()["error"] == "unknown_method"


def test_auth_test_returns_the_bot_identity_and_scopes(fake, client):
    response = client.auth_test()
    assert response.data == {
        "ok": True,
        "url": "https://acme-gmbh.slack.com/",
        "team": "Acme GmbH",
        "user": "sipgate",
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": "B07SIPGBOT",
        "is_enterprise_install": False,
    }
    assert "users:read.email" in response.headers["x-oauth-scopes"].split(",")
    call = fake.assert_called("auth.test", count=1)[0]
    assert call.content_type.startswith("application/json") and call.args == {}


# ----- chat.* ----------------------------------------------------------------------------------


def test_posted_message_can_be_updated_and_keeps_its_history(fake, client):
    posted = client.chat_postMessage(channel=CALLS_CHANNEL, text="Ringing", blocks=[SECTION])
    assert re.fullmatch(r"\d{10}\.\d{6}", posted["ts"])
    assert posted["message"]["bot_id"] == "B07SIPGBOT"
    answered = {"type": "section", "text": {"type": "mrkdwn", "text": "Answered by Alice"}}
    updated = client.chat_update(
        channel=CALLS_CHANNEL, ts=posted["ts"], text="Answered", blocks=[answered]
    )
    assert updated["ts"] == posted["ts"]
    [message] = fake.messages(CALLS_CHANNEL)
    assert (message.text, message.blocks, message.edited) == ("Answered", [answered], True)
    assert message.history == [{"text": "Ringing", "blocks": [SECTION]}]
    assert message.user == BOT_USER_ID


def test_update_keeps_omitted_blocks_and_an_empty_list_removes_them(fake, client):
    ts = client.chat_postMessage(channel=CALLS_CHANNEL, text="a", blocks=[SECTION])["ts"]
    client.chat_update(channel=CALLS_CHANNEL, ts=ts, text="b")
    assert fake.messages(CALLS_CHANNEL)[0].blocks == [SECTION]
    client.chat_update(channel=CALLS_CHANNEL, ts=ts, text="c", blocks=[])
    assert fake.messages(CALLS_CHANNEL)[0].blocks == []


def test_update_refuses_unknown_messages_user_ids_and_other_peoples_messages(fake, client):
    ts = client.chat_postMessage(channel=ALICE, text="hi")["ts"]
    missing = slack_error(
        lambda: client.chat_update(channel=CALLS_CHANNEL, ts="1.000001", text="x")
    )
    assert missing.response["error"] == "message_not_found"
    by_user_id = slack_error(lambda: client.chat_update(channel=ALICE, ts=ts, text="x"))
    assert by_user_id.response["error"] == "channel_not_found"
    fake.workspace.messages[CALLS_CHANNEL] = [Message(CALLS_CHANNEL, "1.000002", "mine", [], BOB)]
    foreign = slack_error(
        lambda: client.chat_update(channel=CALLS_CHANNEL, ts="1.000002", text="x")
    )
    assert foreign.response["error"] == "cant_update_message"


def test_message_timestamps_strictly_increase(fake, client):
    stamps = [client.chat_postMessage(channel=CALLS_CHANNEL, text=str(i))["ts"] for i in range(20)]
    assert stamps == sorted(stamps, key=float) and len(set(stamps)) == 20
    assert [m.ts for m in fake.messages(CALLS_CHANNEL)] == stamps


def test_message_to_a_user_id_lands_in_their_dm_channel(fake, client):
    posted = client.chat_postMessage(channel=ALICE, text="Missed call from +49 30 1234567")
    dm = fake.dm_channel(ALICE)
    assert posted["channel"] == dm and dm.startswith("D")
    assert [m.text for m in fake.messages(dm)] == ["Missed call from +49 30 1234567"]
    assert client.conversations_open(users=ALICE)["channel"]["id"] == dm
    assert client.conversations_info(channel=dm)["channel"]["user"] == ALICE


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ({"channel": "C0NOSUCH00", "text": "x"}, "channel_not_found"),
        ({"channel": "U0NOSUCH00", "text": "x"}, "channel_not_found"),
        ({"text": "x"}, "channel_not_found"),
        ({"channel": CALLS_CHANNEL}, "no_text"),
        ({"channel": CALLS_CHANNEL, "text": "", "blocks": []}, "no_text"),
    ],
)
def test_post_message_refuses_what_slack_refuses(url, args, error):
    response = raw_post(url, "chat.postMessage", headers=bearer(), json=args)
    assert response.json() == {"ok": False, "error": error}


def test_channel_names_resolve_and_long_text_is_truncated(fake, client):
    client.chat_postMessage(channel="#telefon", text="x" * 40_123)
    assert len(fake.messages(CALLS_CHANNEL)[0].text) == 40_000


def test_ephemeral_is_shown_only_to_its_user(fake, client):
    answer = client.chat_postEphemeral(channel=CALLS_CHANNEL, user=ALICE, text="Not your call")
    [shown] = fake.ephemerals(ALICE)
    assert shown["ts"] == answer["message_ts"]
    assert (shown["channel"], shown["text"], shown["source"]) == (
        CALLS_CHANNEL,
        "Not your call",
        "chat.postEphemeral",
    )
    assert fake.ephemerals(BOB) == [] and fake.messages(CALLS_CHANNEL) == []
    stranger = slack_error(
        lambda: client.chat_postEphemeral(channel=CALLS_CHANNEL, user="U0NOSUCH00", text="x")
    )
    assert stranger.response["error"] == "user_not_in_channel"


def test_delete_removes_the_message(fake, client):
    ts = client.chat_postMessage(channel=CALLS_CHANNEL, text="x")["ts"]
    client.chat_delete(channel=CALLS_CHANNEL, ts=ts)
    assert fake.messages(CALLS_CHANNEL) == []
    again = slack_error(lambda: client.chat_delete(channel=CALLS_CHANNEL, ts=ts))
    assert again.response["error"] == "message_not_found"


# ----- Block Kit -------------------------------------------------------------------------------

BUTTON = {
    "type": "button",
    "text": {"type": "plain_text", "text": "Hold"},
    "action_id": "call_hold",
}


@pytest.mark.parametrize(
    ("blocks", "expected"),
    [
        ([{"type": "section", "txt": {"type": "mrkdwn", "text": "x"}}], "additional property: txt"),
        ([{"type": "sectoin", "text": {"type": "mrkdwn", "text": "x"}}], "unsupported block type"),
        ([{"type": "section", "text": "plain string"}], "/blocks/0/text"),
        ([{"type": "section", "text": {"type": "mrkdwn", "text": ""}}], "must not be empty"),
        ([{"type": "actions", "elements": [{**BUTTON, "valeu": "1"}]}], "property: valeu"),
        ([{"type": "actions", "elements": [{**BUTTON, "style": "red"}]}], "style"),
        (
            [
                {
                    "type": "actions",
                    "elements": [{**BUTTON, "text": {"type": "plain_text", "text": "x" * 76}}],
                }
            ],
            "75",
        ),
        ([{**SECTION, "block_id": "a"}, {**SECTION, "block_id": "a"}], "duplicate block_id"),
        ([SECTION] * 51, "no more than 50 items"),
    ],
)
def test_invalid_blocks_are_refused_with_explanations(client, blocks, expected):
    error = slack_error(
        lambda: client.chat_postMessage(channel=CALLS_CHANNEL, text="x", blocks=blocks)
    )
    assert error.response["error"] == "invalid_blocks"
    messages = error.response["response_metadata"]["messages"]
    assert any(expected in m for m in messages), messages


def test_fifty_blocks_and_blocks_as_a_json_string_are_accepted(fake, url, client):
    client.chat_postMessage(channel=CALLS_CHANNEL, text="x", blocks=[SECTION] * 50)
    form = {"channel": CALLS_CHANNEL, "text": "y", "blocks": json.dumps([SECTION])}
    assert raw_post(url, "chat.postMessage", headers=bearer(), data=form).json()["ok"]
    assert fake.messages(CALLS_CHANNEL)[1].blocks == [SECTION]


def test_blocks_slack_itself_sent_in_the_shared_samples_are_valid(client):
    path = SHARED_SLACK / "block-actions-call-hangup.json"
    if not path.is_file():
        pytest.skip(f"shared sample {path} is not available")
    blocks = json.loads(path.read_text())["message"]["blocks"]
    assert client.chat_postMessage(channel=CALLS_CHANNEL, text="x", blocks=blocks)["ok"]


# ----- views.* ---------------------------------------------------------------------------------


def test_views_open_accepts_a_trigger_id_once(fake, client):
    opened = client.views_open(trigger_id=TRIGGER, view=FAX_VIEW)
    assert opened["view"]["id"].startswith("V") and opened["view"]["callback_id"] == "fax_send"
    assert (
        fake.views[0]["trigger_id"] == TRIGGER
        and fake.views[0]["view"]["blocks"] == FAX_VIEW["blocks"]
    )
    again = slack_error(lambda: client.views_open(trigger_id=TRIGGER, view=FAX_VIEW))
    assert again.response["error"] == "exchanged_trigger_id"


def test_views_open_with_a_malformed_trigger_id_is_invalid_arguments(client):
    error = slack_error(lambda: client.views_open(trigger_id="not-a-trigger", view=FAX_VIEW))
    assert error.response["error"] == "invalid_arguments"
    assert error.response["response_metadata"]["messages"] == ["[ERROR] invalid `trigger_id`"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"title": {"type": "plain_text", "text": "A fax title that is too long"}}, "title"),
        ({"submit": None}, "submit"),
        ({"titel": "x"}, "additional property: titel"),
        (
            {
                "blocks": [
                    {
                        **FAX_VIEW["blocks"][1],
                        "element": {"type": "file_input", "action_id": "d", "max_files": 11},
                    }
                ]
            },
            "max_files",
        ),
    ],
)
def test_invalid_views_are_invalid_arguments_and_keep_the_trigger(client, change, expected):
    view = {key: value for key, value in {**FAX_VIEW, **change}.items() if value is not None}
    error = slack_error(lambda: client.views_open(trigger_id=TRIGGER, view=view))
    assert error.response["error"] == "invalid_arguments"
    assert any(expected in m for m in error.response["response_metadata"]["messages"])
    assert client.views_open(trigger_id=TRIGGER, view=FAX_VIEW)["ok"]


def test_views_update_by_id_or_external_id_and_refuses_stale_hash(fake, client):
    opened = client.views_open(trigger_id=TRIGGER, view={**FAX_VIEW, "external_id": "fax-1"})[
        "view"
    ]
    sending = {**FAX_VIEW, "blocks": [SECTION], "submit": None}
    sending = {k: v for k, v in sending.items() if v is not None}
    by_id = client.views_update(view_id=opened["id"], view=sending, hash=opened["hash"])
    assert by_id["view"]["id"] == opened["id"] and by_id["view"]["blocks"] == [SECTION]
    assert client.views_update(external_id="fax-1", view=sending)["ok"]
    stale = slack_error(
        lambda: client.views_update(view_id=opened["id"], view=sending, hash=opened["hash"])
    )
    assert stale.response["error"] == "hash_conflict"
    missing = slack_error(lambda: client.views_update(view_id="V0NOSUCH", view=sending))
    assert missing.response["error"] == "not_found"
    assert [v["method"] for v in fake.views] == ["views.open", "views.update", "views.update"]


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


# ----- failure switches ------------------------------------------------------------------------


def test_rate_limit_is_http_429_with_an_integer_retry_after(fake, url, client):
    fake.fail("chat.postMessage", status=429, retry_after=7)
    error = slack_error(lambda: client.chat_postMessage(channel=CALLS_CHANNEL, text="x"))
    assert error.response.status_code == 429
    assert error.response.headers["Retry-After"] == "7"
    assert error.response["error"] == "ratelimited"
    raw = raw_post(
        url, "chat.postMessage", headers=bearer(), json={"channel": CALLS_CHANNEL, "text": "x"}
    )
    assert (raw.status_code, raw.headers["Retry-After"]) == (429, "7")
    assert fake.messages(CALLS_CHANNEL) == []


def test_sdk_rate_limit_handler_retries_after_the_pause(fake, client):
    fake.fail("chat.postMessage", status=429, retry_after=1, times=1)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    started = time.monotonic()
    assert client.chat_postMessage(channel=CALLS_CHANNEL, text="x")["ok"]
    assert time.monotonic() - started >= 1.0
    assert [c.status for c in fake.calls("chat.postMessage")] == [429, 200]


def test_failure_for_one_call_then_success(fake, client):
    fake.fail("chat.update", error="internal_error", times=1)
    fake.fail("chat.postMessage", error="restricted_action", times=1)
    first = slack_error(lambda: client.chat_postMessage(channel=CALLS_CHANNEL, text="x"))
    assert first.response["error"] == "restricted_action" and first.response.status_code == 200
    assert client.chat_postMessage(channel=CALLS_CHANNEL, text="x")["ok"]


def test_outage_is_http_503_for_every_method_until_cleared(fake, client):
    fake.fail("*", status=503)
    assert slack_error(client.auth_test).response.status_code == 503
    assert slack_error(lambda: client.users_info(user=ALICE)).response.status_code == 503
    fake.clear_failures()
    assert client.auth_test()["ok"]


def test_hang_makes_the_client_time_out_without_posting(fake, url):
    fake.fail("chat.postMessage", timeout=1.0, times=1)
    with pytest.raises(requests.Timeout):
        raw_post(
            url,
            "chat.postMessage",
            headers=bearer(),
            json={"channel": CALLS_CHANNEL, "text": "x"},
            timeout=0.3,
        )
    fake.wait_for(lambda: len(fake.calls("chat.postMessage")) == 1, timeout=3)
    assert fake.calls("chat.postMessage")[0].status == 504
    assert fake.messages(CALLS_CHANNEL) == []


def test_delay_answers_late_without_holding_up_other_calls(fake, client):
    fake.delay("chat.postMessage", 0.6)
    results: list[float] = []

    def slow_post() -> None:
        started = time.monotonic()
        client.chat_postMessage(channel=CALLS_CHANNEL, text="late")
        results.append(time.monotonic() - started)

    worker = threading.Thread(target=slow_post)
    worker.start()
    fake.wait_for(lambda: bool(fake.calls("chat.postMessage")))
    started = time.monotonic()
    assert client.auth_test()["ok"]
    assert time.monotonic() - started < 0.4
    worker.join(5)
    assert results and results[0] >= 0.6
    assert [m.text for m in fake.messages(CALLS_CHANNEL)] == ["late"]


# ----- helpers ---------------------------------------------------------------------------------


def test_assert_called_lists_every_call_when_nothing_matches(fake, client):
    client.chat_postMessage(channel=CALLS_CHANNEL, text="x")
    fake.assert_called("chat.postMessage", count=1, channel=CALLS_CHANNEL)
    fake.assert_called("chat.postMessage", text=lambda t: t == "x")
    with pytest.raises(
        AssertionError, match=r"(?s)chat\.update.*Calls received.*chat\.postMessage"
    ):
        fake.assert_called("chat.update")


def test_wait_for_gives_up_with_an_assertion(fake):
    with pytest.raises(AssertionError, match="not met"):
        fake.wait_for(lambda: False, timeout=0.05)


def test_reset_returns_to_the_seed(fake, url, client):
    fake.add_user({**fake.users[BOB], "id": "U07NEWUSER"})
    fake.add_file(url, file_id="F07X", name="x.pdf", content=PDF)
    client.chat_postMessage(channel=ALICE, text="x")
    fake.fail("*", status=503)
    fake.reset()
    assert "U07NEWUSER" not in fake.users and fake.calls() == [] and fake.views == []
    assert client.auth_test()["ok"]
    assert slack_error(lambda: client.files_info(file="F07X")).response["error"] == "file_not_found"
    assert not any(c.startswith("D") for c in fake.channels)
