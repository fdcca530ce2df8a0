"""Tests for the fake sipgate REST API itself, over real HTTP: the failure and delay switches,
reset, the request log and its assertions, concurrency and custom credentials."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from bot.simulator.http import serve
from bot.simulator.sipgate_api import FakeSipgate
from bot.simulator.sipgate_seed import default_seed
from tests.fake_sipgate_api import TOKEN, TOKEN_ID, Api, sms
from tests.fake_sipgate_api import api as api
from tests.fake_sipgate_api import served as served

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
