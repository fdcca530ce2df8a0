"""Tests for the fake sipgate REST API itself, over real HTTP."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from bot.simulator.http import serve
from bot.simulator.sipgate_api import FakeSipgate
from bot.simulator.sipgate_seed import default_seed

TOKEN_ID = "token-TEST01"
TOKEN = "0b5c8b1e-3f6a-4c2d-9e7f-1a2b3c4d5e6f"
PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >> endobj\n"
    b"2 0 obj << /Type /Page >> endobj\n3 0 obj << /Type/Page >> endobj\n%%EOF\n"
)


class Api:
    """Thin authenticated client for the served fake."""

    def __init__(self, fake: FakeSipgate, base: str) -> None:
        self.fake = fake
        self.base = base
        self.session = requests.Session()
        self.session.auth = (TOKEN_ID, TOKEN)

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send one request to base + path."""
        kwargs.setdefault("timeout", 5)
        return self.session.request(method, self.base + path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        """GET base + path."""
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        """POST a JSON body."""
        return self.request("POST", path, json=body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        """PUT a JSON body."""
        return self.request("PUT", path, json=body, **kwargs)


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[FakeSipgate, str]]:
    """Serve one fake for the whole module and yield (fake, base_url)."""
    fake = FakeSipgate()
    app = serve(fake.app)
    yield fake, f"{app.url}/v2"
    app.shutdown()


@pytest.fixture
def api(served: tuple[FakeSipgate, str]) -> Iterator[Api]:
    """Reset the fake and give the test an authenticated client."""
    fake, base = served
    fake.reset()
    client = Api(fake, base)
    yield client
    client.session.close()


def sms(**overrides: Any) -> dict[str, Any]:
    """Build a valid SMS body with overrides."""
    return {"smsId": "s0", "recipient": "+4915112345678", "message": "Hallo"} | overrides


def fax(content: bytes = PDF, /, **overrides: Any) -> dict[str, Any]:
    """Build a valid fax body with overrides."""
    body = {
        "faxlineId": "f0",
        "recipient": "+4921198765432",
        "filename": "brief.pdf",
        "base64Content": base64.b64encode(content).decode(),
    }
    return body | overrides


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


# ----------------------------------------------------------------- click-to-call


def test_click_to_call_from_an_extension_returns_a_session_id(api: Api) -> None:
    response = api.post("/sessions/calls", {"caller": "e0", "callee": "+4915112345678"})
    assert response.status_code == 200
    session_id = response.json()["sessionId"]
    assert len(session_id) == 32 and session_id == session_id.upper()
    int(session_id, 16)
    assert api.fake.started_calls == [
        {
            "caller": "e0",
            "callee": "+4915112345678",
            "sessionId": session_id,
            "endpoint": "/sessions/calls",
        }
    ]


def test_click_to_call_from_a_number_with_device_is_accepted(api: Api) -> None:
    body = {"caller": "+4921112345670", "callee": "4915112345678", "deviceId": "p0"}
    assert api.post("/sessions/calls", body).status_code == 200


def test_click_to_call_from_a_number_without_device_is_rejected_with_400(api: Api) -> None:
    body = {"caller": "+4921112345670", "callee": "+4915112345678"}
    assert api.post("/sessions/calls", body).status_code == 400
    assert api.fake.started_calls == []


@pytest.mark.parametrize(
    "body",
    [
        {"callee": "+4915112345678"},
        {"caller": "e0"},
        {"caller": "e0", "callee": "+49 151 12345678"},
        {"caller": "e0", "callee": "0151 12345678"},
        {"caller": "e0", "callee": "+491"},
        {"caller": "e0", "callee": "+4915112345678", "callerId": "sipgate"},
        {"caller": "e01", "callee": "+4915112345678"},
    ],
    ids=[
        "no-caller",
        "no-callee",
        "spaces",
        "national",
        "too-short",
        "bad-caller-id",
        "bad-extension",
    ],
)
def test_click_to_call_with_invalid_fields_is_rejected_with_400(
    api: Api, body: dict[str, str]
) -> None:
    assert api.post("/sessions/calls", body).status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        {"caller": "e7", "callee": "+4915112345678"},
        {"caller": "g0", "callee": "+4915112345678"},
        {"caller": "+4921112345670", "callee": "+4915112345678", "deviceId": "e9"},
    ],
    ids=["unknown-device", "group-as-caller", "unknown-device-id"],
)
def test_click_to_call_with_unknown_extension_is_rejected_with_403(
    api: Api, body: dict[str, str]
) -> None:
    assert api.post("/sessions/calls", body).status_code == 403


def test_neo_account_rejects_sessions_calls_and_accepts_calls(api: Api) -> None:
    api.fake.account_type = "neo"
    legacy = api.post("/sessions/calls", {"caller": "e0", "callee": "+4915112345678"})
    assert legacy.status_code == 403
    response = api.post("/calls", {"deviceId": "e0", "targetNumber": "4915112345678"})
    assert response.status_code == 200
    call_id = response.json()["callId"]
    assert api.fake.started_calls[-1]["endpoint"] == "/calls"
    assert api.fake.started_calls[-1]["sessionId"] == call_id


def test_classic_account_rejects_post_calls_with_403(api: Api) -> None:
    response = api.post("/calls", {"deviceId": "e0", "targetNumber": "+4915112345678"})
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"targetNumber": "+4915112345678"}, 400),
        ({"deviceId": "e0"}, 400),
        ({"deviceId": "e0", "targetNumber": "12"}, 400),
        ({"deviceId": "e9", "targetNumber": "+4915112345678"}, 403),
    ],
)
def test_neo_call_with_invalid_fields_is_rejected(
    api: Api, body: dict[str, str], status: int
) -> None:
    api.fake.account_type = "neo"
    assert api.post("/calls", body).status_code == status


def test_reset_restores_the_classic_account_type(api: Api) -> None:
    api.fake.account_type = "neo"
    api.fake.reset()
    assert api.get("/groups").status_code == 200


# ----------------------------------------------------------------- SMS


def test_sms_is_accepted_with_204_and_recorded(api: Api) -> None:
    response = api.post("/sessions/sms", sms())
    assert response.status_code == 204
    assert response.content == b""
    [sent] = api.fake.sent_sms
    assert sent["message"] == "Hallo" and sent["smsId"] == "s0"
    assert api.get(f"/history/{sent['id']}").json()["smsContent"] == "Hallo"


def test_sms_with_whitespace_message_is_rejected_with_400(api: Api) -> None:
    assert api.post("/sessions/sms", sms(message=" \n\t ")).status_code == 400
    assert api.fake.sent_sms == []


@pytest.mark.parametrize(
    "body",
    [
        {"recipient": "+4915112345678", "message": "Hi"},
        {"smsId": "s0", "message": "Hi"},
        {"smsId": "s0", "recipient": "+4915112345678"},
        sms(smsId="S0"),
        sms(smsId="s01"),
        sms(smsId="f0"),
        sms(recipient="015112345678"),
        sms(message=""),
        sms(message="x" * 1601),
    ],
    ids=[
        "no-sms-id",
        "no-recipient",
        "no-message",
        "upper-case-id",
        "leading-zero-id",
        "fax-id",
        "national-recipient",
        "empty-message",
        "too-long",
    ],
)
def test_sms_with_missing_or_malformed_fields_is_rejected_with_400(
    api: Api, body: dict[str, Any]
) -> None:
    assert api.post("/sessions/sms", body).status_code == 400


def test_sms_of_maximum_length_is_accepted(api: Api) -> None:
    assert api.post("/sessions/sms", sms(message="x" * 1600)).status_code == 204


def test_sms_with_unknown_extension_is_rejected_with_403(api: Api) -> None:
    assert api.post("/sessions/sms", sms(smsId="s7")).status_code == 403


def test_scheduled_sms_with_integer_future_send_at_is_accepted(api: Api) -> None:
    send_at = int(time.time()) + 3600
    assert api.post("/sessions/sms", sms(sendAt=send_at)).status_code == 204
    assert api.fake.sent_sms[0]["sendAt"] == send_at


@pytest.mark.parametrize(
    "offset", [-60, 31 * 86400, "string", "float"], ids=["past", "too-far", "string", "float"]
)
def test_scheduled_sms_with_bad_send_at_is_rejected_with_400(api: Api, offset: Any) -> None:
    now = int(time.time())
    send_at: Any = {"string": str(now + 3600), "float": now + 3600.5}.get(offset)
    if send_at is None:
        send_at = now + offset
    assert api.post("/sessions/sms", sms(sendAt=send_at)).status_code == 400


def test_sms_send_at_is_checked_against_the_injected_clock(api: Api) -> None:
    api.fake.clock = lambda: 1_000_000.0
    assert api.post("/sessions/sms", sms(sendAt=1_000_060)).status_code == 204
    api.fake.reset()
    assert api.post("/sessions/sms", sms(sendAt=1_000_060)).status_code == 400


# ----------------------------------------------------------------- fax


def test_fax_is_queued_and_progresses_pending_sending_sent(api: Api) -> None:
    response = api.post("/sessions/fax", fax())
    assert response.status_code == 200
    session_id = response.json()["sessionId"]
    assert session_id.isdigit()
    record = api.fake.faxes[session_id]
    assert record["status"] == "PENDING"
    assert record["request"]["size"] == len(PDF)
    assert "base64Content" not in record["request"]
    statuses = [api.get(f"/history/{session_id}").json()["faxStatusType"] for _ in range(5)]
    assert statuses == ["PENDING", "SENDING", "SENT", "SENT", "SENT"]


def test_fax_history_entry_has_the_documented_fields(api: Api) -> None:
    session_id = api.post("/sessions/fax", fax()).json()["sessionId"]
    entry = api.get(f"/history/{session_id}").json()
    assert entry["id"] == session_id
    assert entry["type"] == "FAX"
    assert entry["direction"] == "OUTGOING" and entry["incoming"] is False
    assert entry["pageCount"] == 2
    assert entry["target"] == "+4921198765432"
    assert entry["source"] == "+4921112345670"
    assert entry["connectionIds"] == ["f0"]
    assert entry["created"].endswith("Z")
    for key in ("documentUrl", "reportUrl", "previewUrl", "endpoints", "labels", "scheduled"):
        assert key in entry


def test_fax_progression_can_be_changed_to_fail(api: Api) -> None:
    api.fake.fax_progression = ["PENDING", "FAILED"]
    session_id = api.post("/sessions/fax", fax()).json()["sessionId"]
    statuses = [api.get(f"/history/{session_id}").json()["faxStatusType"] for _ in range(3)]
    assert statuses == ["PENDING", "FAILED", "FAILED"]


def test_fax_that_is_not_a_pdf_is_accepted_but_ends_failed(api: Api) -> None:
    response = api.post("/sessions/fax", fax(b"hello, not a pdf"))
    assert response.status_code == 200
    session_id = response.json()["sessionId"]
    statuses = [api.get(f"/history/{session_id}").json()["faxStatusType"] for _ in range(4)]
    assert statuses == ["PENDING", "SENDING", "FAILED", "FAILED"]


def test_set_fax_status_pins_the_status(api: Api) -> None:
    session_id = api.post("/sessions/fax", fax()).json()["sessionId"]
    api.fake.set_fax_status(session_id, "SENDING")
    statuses = [api.get(f"/history/{session_id}").json()["faxStatusType"] for _ in range(3)]
    assert statuses == ["SENDING"] * 3
    with pytest.raises(ValueError):
        api.fake.set_fax_status(session_id, "DONE")


@pytest.mark.parametrize("missing", ["faxlineId", "recipient", "filename", "base64Content"])
def test_fax_with_a_missing_field_is_rejected_with_400(api: Api, missing: str) -> None:
    body = fax()
    del body[missing]
    assert api.post("/sessions/fax", body).status_code == 400


@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        ({"base64Content": "not base64!"}, 400),
        ({"base64Content": "A" * 28_330_004}, 400),
        ({"faxlineId": "f9"}, 403),
        ({"faxlineId": "f1"}, 403),
        ({"recipient": "12"}, 407),
        ({"recipient": "+49 211 98765432"}, 407),
    ],
    ids=["bad-base64", "too-large", "unknown-line", "receive-only-line", "short", "spaces"],
)
def test_fax_with_bad_input_is_rejected(api: Api, overrides: dict[str, str], status: int) -> None:
    assert api.post("/sessions/fax", fax(**overrides)).status_code == status
    assert api.fake.faxes == {}


def test_unknown_history_entry_is_404(api: Api) -> None:
    assert api.get("/history/999").status_code == 404


# ----------------------------------------------------------------- RTCM


def test_live_calls_are_listed_under_data(api: Api) -> None:
    assert api.get("/calls").json() == {"data": []}
    api.fake.add_live_call("ABC123")
    [call] = api.get("/calls").json()["data"]
    assert call["callId"] == "ABC123"
    assert (call["muted"], call["hold"], call["recording"]) == (False, False, False)
    assert {p["owner"] for p in call["participants"]} == {True, False}


@pytest.mark.parametrize("action", ["hold", "muted"])
def test_hold_and_mute_update_the_live_call(api: Api, action: str) -> None:
    api.fake.add_live_call("C1")
    assert api.put(f"/calls/C1/{action}", {"value": True}).status_code == 204
    assert api.fake.live_calls["C1"][action] is True
    assert api.put(f"/calls/C1/{action}", {"value": False}).status_code == 204
    assert api.fake.live_calls["C1"][action] is False


@pytest.mark.parametrize("body", [{}, {"value": "true"}, {"value": 1}, None])
def test_hold_without_boolean_value_is_rejected_with_400(api: Api, body: Any) -> None:
    api.fake.add_live_call("C1")
    assert api.put("/calls/C1/hold", body).status_code == 400


def test_rtcm_on_unknown_call_is_404(api: Api) -> None:
    assert api.put("/calls/GONE/hold", {"value": True}).status_code == 404
    assert api.put("/calls/GONE/muted", {"value": True}).status_code == 404
    assert api.request("DELETE", "/calls/GONE").status_code == 404
    assert api.post("/calls/GONE/dtmf", {"sequence": "1"}).status_code == 404


def test_recording_needs_value_and_announcement(api: Api) -> None:
    api.fake.add_live_call("C1")
    assert api.put("/calls/C1/recording", {"value": True}).status_code == 400
    body = {"value": True, "announcement": False}
    assert api.put("/calls/C1/recording", body).status_code == 204
    assert api.fake.live_calls["C1"]["recording"] is True


@pytest.mark.parametrize(("sequence", "status"), [("*12#AD", 204), ("1 2", 400), ("a", 400)])
def test_dtmf_sequence_is_validated(api: Api, sequence: str, status: int) -> None:
    api.fake.add_live_call("C1")
    assert api.post("/calls/C1/dtmf", {"sequence": sequence}).status_code == status


def test_transfer_and_announcement_are_validated(api: Api) -> None:
    api.fake.add_live_call("C1")
    ok = {"attended": False, "phoneNumber": "+4915112345678"}
    assert api.post("/calls/C1/transfer", ok).status_code == 204
    assert api.post("/calls/C1/transfer", {"phoneNumber": "+4915112345678"}).status_code == 400
    assert (
        api.post("/calls/C1/announcements", {"url": "https://x.example/a.wav"}).status_code == 204
    )
    assert api.post("/calls/C1/announcements", {"url": "ftp://x"}).status_code == 400


def test_hangup_removes_the_call_and_a_second_hangup_is_404(api: Api) -> None:
    api.fake.add_live_call("C1")
    assert api.request("DELETE", "/calls/C1").status_code == 204
    assert api.get("/calls").json() == {"data": []}
    assert api.request("DELETE", "/calls/C1").status_code == 404


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


# ----------------------------------------------------------------- switches and request log


def test_fail_answers_the_given_status_body_and_headers(api: Api) -> None:
    api.fake.fail("POST /sessions/sms", 402, body="Insufficient funds", headers={"X-Test": "1"})
    response = api.post("/sessions/sms", sms())
    assert (response.status_code, response.text) == (402, "Insufficient funds")
    assert response.headers["X-Test"] == "1"
    assert api.fake.sent_sms == []
    assert api.fake.requests("POST", "/sessions/sms")[0].status == 402


def test_fail_with_times_stops_after_that_many_requests(api: Api) -> None:
    api.fake.fail("GET /users", 503, times=2)
    statuses = [api.get("/users").status_code for _ in range(3)]
    assert statuses == [503, 503, 200]


def test_fail_route_with_placeholder_matches_every_call_id(api: Api) -> None:
    api.fake.add_live_call("C1")
    api.fake.fail("PUT /calls/{callId}/hold", 409)
    assert api.put("/calls/C1/hold", {"value": True}).status_code == 409
    assert api.put("/calls/C1/muted", {"value": True}).status_code == 204


def test_fail_everything_applies_before_auth_until_cleared(api: Api) -> None:
    api.fake.fail("* *", 500)
    assert requests.get(f"{api.base}/users", timeout=5).status_code == 500
    assert api.get("/authorization/userinfo").status_code == 500
    api.fake.clear_failures()
    assert api.get("/authorization/userinfo").status_code == 200


def test_fail_with_retry_after_for_rate_limiting(api: Api) -> None:
    api.fake.fail("GET /contacts", 429, headers={"Retry-After": "3"})
    response = api.get("/contacts")
    assert response.status_code == 429 and response.headers["Retry-After"] == "3"


def test_fail_rejects_a_route_without_a_path() -> None:
    with pytest.raises(ValueError):
        FakeSipgate().fail("POST", 500)


def test_delay_slows_down_matching_requests_only(api: Api) -> None:
    api.fake.delay("GET /users", 0.3)
    started = time.monotonic()
    assert api.get("/users").status_code == 200
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    api.get("/numbers")
    assert time.monotonic() - started < 0.3


def test_reset_clears_log_failures_and_state(api: Api) -> None:
    api.get("/users")
    api.fake.fail("* *", 500)
    api.fake.delay("* *", 5)
    api.fake.add_live_call("C1")
    api.fake.reset()
    assert api.fake.requests() == []
    assert api.fake.live_calls == {}
    assert api.get("/users").status_code == 200


def test_request_log_records_method_path_query_headers_and_body(api: Api) -> None:
    api.get("/contacts", params={"phonenumbers": ["+49301234567", "+4940111"]})
    api.post("/sessions/sms", sms())
    [lookup] = api.fake.requests("GET", "/contacts")
    assert lookup.query == {"phonenumbers": ["+49301234567", "+4940111"]}
    assert lookup.headers["Authorization"].startswith("Basic ")
    [sent] = api.fake.requests("POST", "/sessions/sms")
    assert sent.json == sms() and sent.body.startswith(b"{") and sent.status == 204


def test_request_log_matches_path_templates(api: Api) -> None:
    api.fake.add_live_call("C1")
    api.put("/calls/C1/hold", {"value": True})
    api.put("/calls/C2/hold", {"value": True})
    assert [r.status for r in api.fake.requests("PUT", "/calls/{callId}/hold")] == [204, 404]
    assert api.fake.requests("PUT", "/calls/C1/hold")[0].path == "/calls/C1/hold"
    assert len(api.fake.requests()) == 2


def test_assert_requested_lists_received_requests_when_nothing_matches(api: Api) -> None:
    api.get("/users")
    api.post("/sessions/sms", sms(message=" "))
    with pytest.raises(AssertionError) as error:
        api.fake.assert_requested("POST", "/sessions/calls")
    message = str(error.value)
    assert "POST /sessions/calls" in message
    assert "GET /users -> 200" in message
    assert "POST /sessions/sms -> 400" in message


def test_assert_requested_checks_the_count(api: Api) -> None:
    api.get("/users")
    api.get("/users")
    assert len(api.fake.assert_requested("GET", "/users", count=2)) == 2
    with pytest.raises(AssertionError, match="expected 1"):
        api.fake.assert_requested("GET", "/users", count=1)
    assert api.fake.assert_requested("GET", "/numbers", count=0) == []


def test_concurrent_requests_are_all_logged_and_recorded(api: Api) -> None:
    def send() -> None:
        with requests.Session() as session:
            session.auth = (TOKEN_ID, TOKEN)
            session.post(f"{api.base}/sessions/sms", json=sms(), timeout=5)

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(api.fake.sent_sms) == 20
    assert len({s["id"] for s in api.fake.sent_sms}) == 20
    api.fake.assert_requested("POST", "/sessions/sms", count=20)


def test_custom_credentials_and_seed_are_honoured() -> None:
    fake = FakeSipgate("token-ABCDEF", "secret", account_type="neo", seed=default_seed())
    app = serve(fake.app)
    try:
        url = f"{app.url}/v2/groups"
        assert requests.get(url, auth=("token-ABCDEF", "secret"), timeout=5).status_code == 403
        assert requests.get(url, auth=(TOKEN_ID, TOKEN), timeout=5).status_code == 401
    finally:
        app.shutdown()
