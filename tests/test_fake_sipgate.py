"""Tests for the fake sipgate REST API itself, over real HTTP: auth, content type and routing,
the directory, contacts and webhook settings.

Click-to-call and call control: test_fake_sipgate_calls.py; SMS and fax:
test_fake_sipgate_messages.py; failure switches and the request log: test_fake_sipgate_switches.py.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.fake_sipgate_api import TOKEN, TOKEN_ID, Api
from tests.fake_sipgate_api import api as api
from tests.fake_sipgate_api import served as served

# ----------------------------------------------------------------- auth, content type, routing


def test_userinfo_with_valid_token_returns_the_seeded_user(api: Api) -> None:
    response = api.get("/authorization/userinfo")
    assert response.status_code == 200
    assert response.json() == {
        "sub": "w0",
        "domain": "sipgate.de",
        "masterSipId": "1234567",
        "locale": "de_DE",
    }


@pytest.mark.parametrize(
    "auth",
    [None, (TOKEN_ID, "wrong"), ("token-OTHER1", TOKEN), ("", "")],
    ids=["missing", "wrong-token", "wrong-token-id", "empty"],
)
def test_request_with_bad_credentials_is_rejected_with_401_and_empty_body(
    api: Api, auth: tuple[str, str] | None
) -> None:
    response = requests.get(f"{api.base}/users", auth=auth, timeout=5)
    assert response.status_code == 401
    assert response.content == b""
    assert api.fake.requests("GET", "/users")[0].status == 401


def test_bearer_token_is_rejected_with_401(api: Api) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    assert requests.get(f"{api.base}/users", headers=headers, timeout=5).status_code == 401


def test_auth_is_checked_before_routing_and_content_type(api: Api) -> None:
    assert requests.get(f"{api.base}/nope", timeout=5).status_code == 401
    response = requests.post(f"{api.base}/sessions/sms", data="x", timeout=5)
    assert response.status_code == 401


def test_unknown_path_is_404_and_known_path_with_wrong_method_is_405(api: Api) -> None:
    assert api.get("/nope").status_code == 404
    assert api.get("/sessions/sms").status_code == 405
    assert api.request("DELETE", "/users").status_code == 405
    assert api.fake.requests(path="/nope")[0].status == 404


def test_paths_outside_v2_are_404(api: Api) -> None:
    root = api.base.removesuffix("/v2")
    response = requests.get(f"{root}/users", auth=(TOKEN_ID, TOKEN), timeout=5)
    assert response.status_code == 404


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
def test_post_without_json_content_type_is_rejected_with_415(api: Api, content_type: str) -> None:
    response = api.request(
        "POST", "/sessions/sms", data=b'{"smsId":"s0"}', headers={"Content-Type": content_type}
    )
    assert response.status_code == 415
    assert api.fake.sent_sms == []


def test_put_without_json_content_type_is_rejected_with_415(api: Api) -> None:
    api.fake.add_live_call("C1")
    response = api.request("PUT", "/calls/C1/hold", data=b'{"value":true}')
    assert response.status_code == 415


def test_json_content_type_with_charset_parameter_is_accepted(api: Api) -> None:
    response = api.request(
        "POST",
        "/sessions/sms",
        data=b'{"smsId":"s0","recipient":"+4915112345678","message":"Hi"}',
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 204


def test_invalid_json_body_is_rejected_with_400(api: Api) -> None:
    response = api.request(
        "POST", "/sessions/sms", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert api.fake.requests("POST", "/sessions/sms")[0].json is None


def test_json_body_that_is_not_an_object_is_rejected_with_400(api: Api) -> None:
    assert api.post("/sessions/sms", ["s0"]).status_code == 400


# ----------------------------------------------------------------- directory


def test_users_lists_the_three_seeded_users(api: Api) -> None:
    items = api.get("/users").json()["items"]
    assert [(u["id"], u["email"], u["defaultDevice"], u["admin"]) for u in items] == [
        ("w0", "alice.schmidt@acme.example", "e0", True),
        ("w1", "bob.meyer@acme.example", "e1", False),
        ("w2", "dora.weber@acme.example", "y2", False),
    ]


def test_single_user_is_returned_and_unknown_user_is_404(api: Api) -> None:
    assert api.get("/users/w1").json()["firstname"] == "Bob"
    assert api.get("/users/w9").status_code == 404


def test_devices_of_a_user_are_listed_with_phonelines_and_groups(api: Api) -> None:
    items = api.get("/w0/devices").json()["items"]
    assert [(d["id"], d["type"], d["online"]) for d in items] == [
        ("e0", "REGISTER", True),
        ("y0", "MOBILE", True),
    ]
    assert items[0]["activePhonelines"][0]["id"] == "p0"
    assert items[0]["activeGroups"] == [{"id": "g0", "alias": "Sales"}]


def test_dora_has_only_an_offline_mobile_device(api: Api) -> None:
    items = api.get("/w2/devices").json()["items"]
    assert [(d["id"], d["type"], d["online"]) for d in items] == [("y2", "MOBILE", False)]


@pytest.mark.parametrize("kind", ["devices", "sms", "faxlines", "phonelines"])
def test_per_user_lists_of_unknown_user_are_404(api: Api, kind: str) -> None:
    assert api.get(f"/w9/{kind}").status_code == 404


def test_sms_extensions_and_faxlines_are_listed_per_user(api: Api) -> None:
    assert api.get("/w0/sms").json()["items"][0] == {
        "id": "s0",
        "alias": "SMS Alice",
        "callerId": "+4915799912345",
    }
    lines = api.get("/w0/faxlines").json()["items"]
    assert [(f["id"], f["canSend"]) for f in lines] == [("f0", True), ("f1", False)]
    assert api.get("/w2/faxlines").json() == {"items": []}
    assert api.get("/w2/sms").json() == {"items": []}


def test_numbers_are_paginated_with_total_count(api: Api) -> None:
    everything = api.get("/numbers").json()
    assert everything["totalCount"] == 4
    assert {n["number"]: n["endpointId"] for n in everything["items"]} == {
        "+4921112345670": "p0",
        "+4921112345671": "p1",
        "+4921112345600": "g0",
        "+4915799912345": "p0",
    }
    page = api.get("/numbers", params={"offset": 1, "limit": 2}).json()
    assert [n["number"] for n in page["items"]] == ["+4921112345671", "+4921112345600"]


@pytest.mark.parametrize("params", [{"limit": -1}, {"offset": "x"}, {"limit": "1.5"}])
def test_numbers_with_bad_pagination_are_rejected_with_400(
    api: Api, params: dict[str, Any]
) -> None:
    assert api.get("/numbers", params=params).status_code == 400


def test_classic_account_lists_groups_and_phonelines(api: Api) -> None:
    assert api.get("/groups").json()["items"][0]["alias"] == "Sales"
    assert api.get("/w0/phonelines").json()["items"][0]["id"] == "p0"
    members = api.get("/groups/g0/users").json()["items"]
    assert [u["id"] for u in members] == ["w0", "w1"]


def test_neo_account_answers_403_on_groups_and_phonelines(api: Api) -> None:
    api.fake.account_type = "neo"
    assert api.get("/groups").status_code == 403
    assert api.get("/w0/phonelines").status_code == 403
    assert api.get("/w0/devices").status_code == 200


# ----------------------------------------------------------------- contacts


def test_contacts_are_listed_with_total_count_and_pagination(api: Api) -> None:
    everything = api.get("/contacts").json()
    assert everything["totalCount"] == len(everything["items"]) >= 30
    names = [c["name"] for c in everything["items"]]
    assert {"Anna Schmidt", "Anna Berger", "Zoë Lefèvre", "Jürgen Müller"} <= set(names)
    assert "<!channel> Evil <http://evil.example|click>" in names
    page = api.get("/contacts", params={"limit": 2, "offset": 1}).json()
    assert [c["name"] for c in page["items"]] == names[1:3]


def test_contact_filter_matches_national_number_given_in_international_form(api: Api) -> None:
    response = api.get("/contacts", params={"phonenumbers": "+4930 1234568"})
    assert [c["name"] for c in response.json()["items"]] == ["Jürgen Müller"]


def test_contact_filter_accepts_several_numbers_and_ignores_pagination(api: Api) -> None:
    params = {"phonenumbers": ["+4930 1234567", "+33142685300"], "limit": 1, "offset": 5}
    body = api.get("/contacts", params=params).json()
    assert sorted(c["name"] for c in body["items"]) == [
        "Anna Schmidt",
        "Helga Lange",
        "Zoë Lefèvre",
    ]
    assert body["totalCount"] == 3


def test_contact_filter_with_unencoded_plus_matches_nothing(api: Api) -> None:
    response = api.get("/contacts?phonenumbers=+4917612345678")
    assert response.json() == {"items": [], "totalCount": 0}
    encoded = api.get("/contacts?phonenumbers=%2B4917612345678").json()
    assert [c["name"] for c in encoded["items"]] == ["Anna Schmidt"]


def test_added_contacts_are_returned_with_defaults(api: Api) -> None:
    api.fake.add_contacts([{"name": "Neu Kunde", "numbers": [{"number": "+4940111", "type": []}]}])
    body = api.get("/contacts", params={"phonenumbers": "040111"}).json()
    assert body["items"][0]["name"] == "Neu Kunde"
    assert body["items"][0]["scope"] == "PRIVATE"
    assert body["items"][0]["id"]


# ----------------------------------------------------------------- settings


def test_webhook_settings_can_be_read_and_replaced(api: Api) -> None:
    assert api.get("/settings/sipgateio").json()["incomingUrl"] == ""
    body = {"incomingUrl": "https://bot.example/sipgate/webhook", "outgoingUrl": ""}
    assert api.put("/settings/sipgateio", body).status_code == 204
    settings = api.get("/settings/sipgateio").json()
    assert settings["incomingUrl"] == "https://bot.example/sipgate/webhook"
    assert settings["log"] is False and settings["whitelist"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"incomingUrl": "https://bot.example/in"},
        {"incomingUrl": "bot.example/in", "outgoingUrl": ""},
        {"incomingUrl": "https://bot.example/in", "outgoingUrl": "", "log": "yes"},
    ],
    ids=["missing-outgoing", "no-scheme", "log-not-bool"],
)
def test_webhook_settings_with_bad_body_are_rejected_with_400(
    api: Api, body: dict[str, Any]
) -> None:
    assert api.put("/settings/sipgateio", body).status_code == 400
