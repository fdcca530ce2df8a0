"""Slack requests reach the bot only when signed and fresh; the "payload" Bolt defect is fixed."""

from __future__ import annotations

import time

import pytest

from tests.conftest import shared_file


def test_signed_slash_command_is_answered(slack):
    response = slack.command("/sipgate", "help")
    assert response.status_code == 200
    assert "sipgate for Slack" in response.text


def test_request_signed_with_another_secret_gets_401(slack):
    response = slack.post(slack.command_body("/sipgate", "help"), secret="not-the-secret")
    assert response.status_code == 401


@pytest.mark.parametrize("age", [301, 3600, -3600])
def test_request_outside_the_five_minute_window_gets_401(slack, age):
    body = slack.command_body("/sipgate", "help")
    response = slack.post(body, timestamp=int(time.time()) - age)
    assert response.status_code == 401


def test_request_just_inside_the_window_is_accepted(slack):
    body = slack.command_body("/sipgate", "help")
    assert slack.post(body, timestamp=int(time.time()) - 290).status_code == 200


def test_valid_signature_over_a_changed_body_gets_401(slack):
    from bot.simulator.signing import slack_headers

    body = slack.command_body("/sipgate", "help")
    headers = slack_headers(slack.signing_secret, body)
    changed = body.replace("help", "status")
    response = slack.session.post(f"{slack.bot_url}/slack/events", data=changed, headers=headers)
    assert response.status_code == 401


def test_unsigned_request_gets_401(slack):
    response = slack.session.post(
        f"{slack.bot_url}/slack/events",
        data=slack.command_body("/sipgate", "help"),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 401


def test_command_text_containing_payload_is_not_dropped(slack):
    # Bolt 1.30.0 parses any body containing "payload" as an interactive payload (§12).
    response = slack.command("/sipgate", "payload")
    assert response.status_code == 200
    assert "payload" in response.text  # the unknown-subcommand hint echoes it


def test_real_slack_form_sample_is_accepted_when_signed(slack):
    body = shared_file("data/slack/slash-command-call-mention.form").read_text()
    body = body.replace("command=%2Fcall", "command=%2Fsipgate").replace(
        "text=%3C%40U07BOB12XY%7Cbob.meyer%3E", "text=help"
    )
    response = slack.post(body)
    assert response.status_code == 200
