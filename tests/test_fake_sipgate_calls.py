"""Tests for the fake sipgate REST API itself, over real HTTP: click-to-call (classic and neo
accounts) and real-time call control (hold, mute, record, DTMF, transfer, hang-up)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fake_sipgate_api import Api
from tests.fake_sipgate_api import api as api
from tests.fake_sipgate_api import served as served

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
