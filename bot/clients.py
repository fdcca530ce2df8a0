"""The Slack client and the clock, shared by the web app (bot.app) and the notifier process.

Kept apart from bot.app so the notifier does not import Flask and Bolt it never uses.
"""

from __future__ import annotations

from datetime import UTC, datetime

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler

from bot.config import Config


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
