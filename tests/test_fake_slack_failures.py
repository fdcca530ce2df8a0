"""The fake Slack answers like Slack, over real HTTP: rate limits, errors, outages, hangs and
delays switched on by tests, and the fake's own assertion, wait and reset helpers."""

from __future__ import annotations

import threading
import time

import pytest
import requests
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.simulator.slack_seed import ALICE, BOB, CALLS_CHANNEL
from tests.fake_slack_api import PDF, bearer, raw_post, slack_error
from tests.fake_slack_api import client as client
from tests.fake_slack_api import fake as fake
from tests.fake_slack_api import served_fake as served_fake
from tests.fake_slack_api import url as url

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
