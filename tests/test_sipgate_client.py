"""SipgateClient against the fake sipgate API: every endpoint, every status, retries, timeouts."""

from __future__ import annotations

import base64
import socket
import struct
import threading

import pytest

from bot.sipgate import (
    CLASSIC,
    NEO,
    AuthenticationFailed,
    Conflict,
    InsufficientFunds,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    RateLimited,
    SipgateClient,
    SipgateConnectionError,
    SipgateHTTPError,
    SipgateTimeout,
    SipgateUnavailable,
    UnsupportedRequest,
)

PDF = b"%PDF-1.4\n1 0 obj<</Type /Page>>endobj\n%%EOF\n"


@pytest.fixture
def client(fake_sipgate) -> SipgateClient:
    return SipgateClient(fake_sipgate.url, fake_sipgate.token_id, fake_sipgate.token, timeout=2)


def test_user_info_users_devices_sms_faxlines_and_numbers(client, fake_sipgate):
    assert client.user_info().sub == "w0"
    users = {u.id: u for u in client.users()}
    assert users["w0"].email == "alice.schmidt@acme.example" and users["w0"].admin
    assert [d.id for d in client.devices("w0")] == ["e0", "y0"]
    assert client.sms_extensions("w0")[0].id == "s0"
    assert [(f.id, f.can_send) for f in client.faxlines("w0")] == [("f0", True), ("f1", False)]
    assert any(n.number == "+4921112345600" and n.endpoint_id == "g0" for n in client.numbers())
    request = fake_sipgate.requests("GET", "/users")[0]
    assert request.headers["Authorization"].startswith("Basic ")
    assert request.headers["Accept"] == "application/json"


def test_contacts_are_read_page_by_page(client, fake_sipgate):
    contacts = list(client.contacts(page_size=7))
    assert len(contacts) == len(fake_sipgate.contacts)
    assert len(fake_sipgate.requests("GET", "/contacts")) == -(-len(contacts) // 7)
    names = {c.name for c in contacts}
    assert "Zoë Lefèvre" in names


def test_contacts_by_number_encodes_the_plus(client, fake_sipgate):
    found = client.contacts_by_number("+49301234567")
    assert {c.name for c in found} >= {"Anna Schmidt"}
    assert fake_sipgate.requests("GET", "/contacts")[-1].query["phonenumbers"] == ["+49301234567"]


def test_click_to_call_sends_the_documented_body(client, fake_sipgate):
    session = client.start_call(caller="e0", callee="+4930123456", caller_id="+4921112345670")
    assert session.endpoint == "/sessions/calls" and session.id
    body = fake_sipgate.requests("POST", "/sessions/calls")[0].json
    assert body == {"caller": "e0", "callee": "+4930123456", "callerId": "+4921112345670"}


def test_account_type_is_detected_and_neo_calls_use_post_calls(client, fake_sipgate):
    assert client.account_type() == CLASSIC
    fake_sipgate.account_type = "neo"
    assert client.account_type() == NEO
    session = client.start_neo_call(device_id="e0", target="+4930123456")
    assert session.endpoint == "/calls"
    assert fake_sipgate.requests("POST", "/calls")[0].json == {
        "deviceId": "e0",
        "targetNumber": "4930123456",
    }
    with pytest.raises(PermissionDenied):
        client.start_call(caller="e0", callee="+4930123456")


def test_sms_with_integer_send_at_and_fax_then_history(client, fake_sipgate):
    client.send_sms(sms_id="s0", recipient="+4915112345678", message="Hallo")
    assert fake_sipgate.sent_sms[0]["message"] == "Hallo"
    fax_id = client.send_fax(
        faxline_id="f0",
        recipient="+4930123456",
        filename="a.pdf",
        base64_content=base64.b64encode(PDF).decode(),
    )
    entry = client.history_entry(fax_id)
    assert entry.type == "FAX" and entry.fax_status == "PENDING" and entry.page_count == 1


def test_live_call_hold_mute_and_hang_up(client, fake_sipgate):
    fake_sipgate.add_live_call("CALL1")
    assert [c.call_id for c in client.live_calls()] == ["CALL1"]
    client.hold("CALL1", True)
    client.mute("CALL1", True)
    assert fake_sipgate.live_calls["CALL1"]["hold"] is True
    assert fake_sipgate.requests("PUT", "/calls/{callId}/muted")[0].json == {"value": True}
    client.hang_up("CALL1")
    with pytest.raises(NotFound) as caught:
        client.hang_up("CALL1")
    assert caught.value.user_message == "This call was not found at sipgate."


def test_webhook_settings_round_trip(client, fake_sipgate):
    client.set_webhook_urls(
        "https://b.example/sipgate/webhook", "https://b.example/sipgate/webhook"
    )
    assert client.webhook_settings()["incomingUrl"] == "https://b.example/sipgate/webhook"


@pytest.mark.parametrize(
    ("status", "error", "words"),
    [
        (400, InvalidRequest, "sipgate rejected the request to send the SMS"),
        (401, AuthenticationFailed, "SIPGATE_TOKEN_ID"),
        (402, InsufficientFunds, "balance is too low to send the SMS"),
        (403, PermissionDenied, "SMS extension s0"),
        (404, NotFound, "not found"),
        (405, UnsupportedRequest, "Internal error"),
        (409, Conflict, "not connected yet"),
        (415, UnsupportedRequest, "Internal error"),
        (418, SipgateHTTPError, "HTTP 418"),
        (429, RateLimited, "try again in 7 seconds"),
        (500, SipgateUnavailable, "HTTP 500"),
        (503, SipgateUnavailable, "HTTP 503"),
    ],
)
def test_each_status_maps_to_its_error_and_message(client, fake_sipgate, status, error, words):
    fake_sipgate.fail("POST /sessions/sms", status, headers={"Retry-After": "7"})
    with pytest.raises(error) as caught:
        client.send_sms(sms_id="s0", recipient="+4915112345678", message="Hi")
    assert words in caught.value.user_message
    assert "e68ead46" not in str(caught.value)
    assert len(fake_sipgate.requests("POST", "/sessions/sms")) == 1  # POSTs never retry


def test_get_retries_on_503_then_succeeds(client, fake_sipgate):
    fake_sipgate.fail("GET /users", 503, times=2)
    assert client.users()
    assert len(fake_sipgate.requests("GET", "/users")) == 3


def test_put_and_delete_are_not_retried(client, fake_sipgate):
    fake_sipgate.add_live_call("CALL2")
    fake_sipgate.fail("PUT /calls/{callId}/hold", 503)
    fake_sipgate.fail("DELETE /calls/{callId}", 503)
    with pytest.raises(SipgateUnavailable):
        client.hold("CALL2", True)
    with pytest.raises(SipgateUnavailable):
        client.hang_up("CALL2")
    assert len(fake_sipgate.requests("PUT", "/calls/{callId}/hold")) == 1
    assert len(fake_sipgate.requests("DELETE", "/calls/{callId}")) == 1


def test_slow_sipgate_raises_timeout_with_try_again_message(fake_sipgate):
    client = SipgateClient(fake_sipgate.url, fake_sipgate.token_id, fake_sipgate.token, timeout=0.3)
    fake_sipgate.delay("POST /sessions/calls", 1.0)
    with pytest.raises(SipgateTimeout) as caught:
        client.start_call(caller="e0", callee="+4930123456")
    assert "try again" in caught.value.user_message


def test_unreachable_sipgate_raises_connection_error():
    client = SipgateClient("http://127.0.0.1:9/v2", "token-AB12CD", "x", timeout=1)
    with pytest.raises(SipgateConnectionError) as caught:
        client.user_info()
    assert "not answering" in caught.value.user_message


def test_wrong_credentials_give_401(fake_sipgate):
    client = SipgateClient(fake_sipgate.url, fake_sipgate.token_id, "wrong", timeout=2)
    with pytest.raises(AuthenticationFailed):
        client.user_info()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_write_that_never_connected_is_known_not_sent():
    client = SipgateClient(f"http://127.0.0.1:{_closed_port()}/v2", "token-id", "token", timeout=1)
    with pytest.raises(SipgateConnectionError) as caught:
        client.send_sms(sms_id="s0", recipient="+4915112345678", message="hi")
    assert not caught.value.outcome_unknown
    assert "try again" in caught.value.user_message.lower()


def test_a_write_whose_connection_broke_after_sending_may_have_happened():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def read_then_reset() -> None:
        conn, _ = server.accept()
        conn.recv(65536)  # sipgate got the whole request...
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()  # ...and the connection breaks before any answer

    threading.Thread(target=read_then_reset, daemon=True).start()
    url = f"http://127.0.0.1:{server.getsockname()[1]}/v2"
    client = SipgateClient(url, "token-id", "token", timeout=2)
    with pytest.raises(SipgateTimeout) as caught:
        client.send_sms(sms_id="s0", recipient="+4915112345678", message="hi")
    server.close()
    assert caught.value.outcome_unknown
    assert "cannot tell whether" in caught.value.user_message
