"""The fake Slack answers like Slack, over real HTTP: authentication and request format,
chat.*, Block Kit validation and views.*.

users.*, files.* and response URLs: test_fake_slack_files.py; failure switches and the fake's
own helpers: test_fake_slack_failures.py.
"""

from __future__ import annotations

import json
import re

import pytest
import requests
from slack_sdk import WebClient

from bot.simulator.slack_api import Message
from bot.simulator.slack_seed import ALICE, BOB, BOT_USER_ID, CALLS_CHANNEL, TEAM_ID
from tests.fake_slack_api import (
    FAX_VIEW,
    SECTION,
    SHARED_SLACK,
    TOKEN,
    TRIGGER,
    bearer,
    raw_post,
    slack_error,
)
from tests.fake_slack_api import client as client
from tests.fake_slack_api import fake as fake
from tests.fake_slack_api import served_fake as served_fake
from tests.fake_slack_api import url as url

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
