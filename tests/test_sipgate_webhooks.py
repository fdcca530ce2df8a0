"""sipgate push events: signature checks with sipgate's real key and capture, parsing, the route."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlencode

import pytest

from bot.simulator.signing import generate_key_pair, sipgate_signature
from bot.sipgate.webhooks import (
    Answer,
    Hangup,
    NewCall,
    WebhookRejected,
    load_public_key,
    parse_event,
    response_xml,
    verify_signature,
)
from tests.conftest import shared_file


def _real_capture() -> tuple[bytes, str]:
    raw = shared_file("data/sipgate/push-newcall-real-2021.http").read_bytes()
    head, body = raw.split(b"\n\n", 1)
    match = re.search(rb"X-Sipgate-Signature: (\S+)", head)
    assert match
    return body, match.group(1).decode()


def _sipgate_key():
    return load_public_key(shared_file("data/sipgate/sipgate-push-public-key.pem").read_text())


def test_real_sipgate_request_verifies_with_sipgates_published_key():
    body, signature = _real_capture()
    verify_signature(body, signature, _sipgate_key())


def test_real_request_with_one_changed_digit_is_rejected():
    body, signature = _real_capture()
    forged = body.replace(b"from=491776249000", b"from=491776249001")
    with pytest.raises(WebhookRejected) as caught:
        verify_signature(forged, signature, _sipgate_key())
    assert caught.value.status == 403


def test_node_library_test_vector_verifies():
    body = shared_file("data/sipgate/push-testvector-nodelib.body").read_bytes()
    signature = shared_file("data/sipgate/push-testvector-nodelib.sig").read_text()
    verify_signature(body, signature, _sipgate_key())


@pytest.mark.parametrize("signature", [None, "", "not base64 !!", "AAAA"])
def test_missing_or_garbage_signatures_are_rejected(signature):
    body, _ = _real_capture()
    with pytest.raises(WebhookRejected):
        verify_signature(body, signature, _sipgate_key())


def test_real_capture_parses_with_empty_user_and_plus_numbers():
    body, _ = _real_capture()
    event = parse_event(body)
    assert isinstance(event, NewCall)
    assert event.from_number == "+491776249000"
    assert event.to_number == "+4928559389086"
    assert event.direction == "in"
    assert event.users == ("",)
    assert event.user_ids == ()
    assert event.xcid == "8419b3450b75cd19"
    assert len(event.call_id) == 76


def test_group_call_keeps_every_repeated_user():
    body = urlencode(
        [
            ("event", "newCall"),
            ("from", "492111234567"),
            ("to", "4915791234567"),
            ("direction", "in"),
            ("callId", "123456"),
            ("user[]", "Alice"),
            ("user[]", "Bob"),
            ("userId[]", "w0"),
            ("userId[]", "w1"),
            ("fullUserId[]", "1234567w0"),
            ("fullUserId[]", "1234567w1"),
        ]
    ).encode()
    event = parse_event(body)
    assert isinstance(event, NewCall)
    assert event.users == ("Alice", "Bob")
    assert event.user_ids == ("w0", "w1")


def test_answer_and_hangup_parse_singular_fields_and_anonymous():
    answer = parse_event(
        b"event=answer&callId=1&user=John+Doe&userId=w0&fullUserId=1234567w0"
        b"&from=anonymous&to=4915791234567&direction=in&answeringNumber=2119"
    )
    assert isinstance(answer, Answer)
    assert (answer.user, answer.user_id, answer.from_number) == ("John Doe", "w0", "anonymous")
    hangup = parse_event(
        b"event=hangup&cause=normalClearing&callId=1&from=49211&to=49157&direction=in"
    )
    assert isinstance(hangup, Hangup)
    assert hangup.cause == "normalClearing"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"event=party&callId=1&direction=in",
        b"event=newCall&direction=in",
        b"event=newCall&callId=1&direction=sideways",
        b"\xff\xfe",
        b"event=newCall&callId=1",
    ],
)
def test_malformed_events_are_rejected_with_400(body):
    with pytest.raises(WebhookRejected) as caught:
        parse_event(body)
    assert caught.value.status == 400


def test_response_subscribes_to_answer_and_hangup_with_escaped_urls():
    xml = response_xml(
        on_answer="https://b.example/sipgate/webhook?a=1&b=2",
        on_hangup="https://b.example/sipgate/webhook",
    )
    assert 'onAnswer="https://b.example/sipgate/webhook?a=1&amp;b=2"' in xml
    assert 'onHangup="https://b.example/sipgate/webhook"' in xml
    assert response_xml().endswith("<Response/>")


# -- the HTTP route ------------------------------------------------------------------------------


def test_signed_webhook_gets_xml_response(sipgate_push):
    response = sipgate_push.new_call("ABC123")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/xml")
    assert "<Response" in response.text


def test_unsigned_webhook_is_refused_with_403(sipgate_push):
    response = sipgate_push.send_raw(b"event=newCall&callId=1&direction=in", None)
    assert response.status_code == 403


def test_webhook_signed_by_another_key_is_refused(sipgate_push):
    other_key, _ = generate_key_pair()
    body = b"event=newCall&callId=1&direction=in&from=49211&to=49157"
    response = sipgate_push.send_raw(body, sipgate_signature(other_key, body))
    assert response.status_code == 403


def test_signed_but_changed_body_is_refused(sipgate_push, key_pair):
    body = b"event=newCall&callId=1&direction=in&from=49211&to=49157"
    signature = sipgate_signature(key_pair[0], body)
    response = sipgate_push.send_raw(body.replace(b"49211", b"49212"), signature)
    assert response.status_code == 403


def test_signed_garbage_is_a_400_not_a_crash(sipgate_push, key_pair):
    body = b"event=nonsense"
    response = sipgate_push.send_raw(body, sipgate_signature(key_pair[0], body))
    assert response.status_code == 400


def test_without_configured_key_every_webhook_is_refused_and_logged(
    make_bot, env, key_pair, caplog
):
    from bot.config import Config
    from bot.simulator.sipgate_push import SipgatePusher

    config = Config.from_mapping(
        {k: v for k, v in env.items() if k != "SIPGATE_WEBHOOK_PUBLIC_KEY"}
    )
    bot = make_bot(config)
    pusher = SipgatePusher(f"{bot.url}/sipgate/webhook", key_pair[0])
    with caplog.at_level(logging.ERROR):
        response = pusher.new_call("ABC")
    assert response.status_code == 403
    assert "SIPGATE_WEBHOOK_PUBLIC_KEY is not configured" in caplog.text
