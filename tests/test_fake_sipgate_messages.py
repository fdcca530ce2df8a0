"""Tests for the fake sipgate REST API itself, over real HTTP: sending SMS (now and scheduled)
and faxes, and the fax's history entry as it progresses."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.fake_sipgate_api import PDF, Api, fax, sms
from tests.fake_sipgate_api import api as api
from tests.fake_sipgate_api import served as served

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
