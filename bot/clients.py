"""The Slack client and the clock, shared by the web app (bot.app) and the notifier process.

Kept apart from bot.app so the notifier does not import Flask and Bolt it never uses.
"""

from __future__ import annotations

import http.client
from datetime import UTC, datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler

from bot.config import Config

# What a Slack Web API call can raise: Slack's own errors (SlackApiError is a SlackClientError)
# and transport failures, after which the request may or may not have reached Slack
# (slack-bolt.md §7.2).
SLACK_FAILURES = (SlackClientError, OSError, http.client.HTTPException)


def utc_now() -> datetime:
    """The default clock."""
    return datetime.now(UTC)


def build_slack_client(config: Config) -> WebClient:
    """The bot's WebClient; 429s are handled by our own jobs, not by sleeping here."""
    return WebClient(
        token=config.slack_bot_token,
        base_url=config.slack_api_url,
        timeout=10,
        retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=2)],
    )


def without_retries(slack: WebClient) -> WebClient:
    """A client like `slack` that never resends a request by itself.

    slack-sdk's connection-error handler resends a request whose connection broke after it
    was sent, which can post a message twice; callers that post use this and decide
    themselves what to try again (after looking for the message first).
    """
    return WebClient(
        token=slack.token,
        base_url=slack.base_url,
        timeout=slack.timeout,
        retry_handlers=[],  # None would mean slack-sdk's default ConnectionErrorRetryHandler
    )
