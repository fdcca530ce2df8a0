"""Send signed Slack requests to the bot: slash commands, button clicks, modal submissions."""

from __future__ import annotations

import itertools
import json
from typing import Any
from urllib.parse import quote, urlencode

import requests

from bot.simulator.signing import slack_headers

TEAM_ID = "T07ACME42Q"
TEAM_DOMAIN = "acme-gmbh"
APP_ID = "A07SIPG8TE"
_counter = itertools.count(1)


class SlackRequester:
    """Plays Slack: builds and signs the requests Slack would send to `bot_url`/slack/events."""

    def __init__(self, bot_url: str, signing_secret: str, fake_slack_url: str) -> None:
        self.bot_url = bot_url.rstrip("/")
        self.signing_secret = signing_secret
        self.fake_slack_url = fake_slack_url.rstrip("/")
        self.session = requests.Session()

    def post(
        self,
        body: str,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 10,
    ) -> requests.Response:
        """POST a raw body to /slack/events, signed (optionally with another secret or time)."""
        signed = slack_headers(secret or self.signing_secret, body, timestamp=timestamp)
        signed.update(headers or {})
        return self.session.post(
            f"{self.bot_url}/slack/events",
            data=body.encode("utf-8"),
            headers=signed,
            timeout=timeout,
        )

    def new_trigger_id(self) -> str:
        """A trigger id in Slack's shape."""
        n = next(_counter)
        return f"77123456{n:05d}.7412345678901.{n:032x}"

    def response_url(self, kind: str = "commands") -> str:
        """A fresh response URL on the fake Slack."""
        n = next(_counter)
        return f"{self.fake_slack_url}/{kind}/{TEAM_ID}/{7712345600000 + n}/r{n:08d}"

    def command_body(
        self,
        command: str,
        text: str = "",
        *,
        user: str = "U07ALICE9Z",
        channel: str = "C07CALLS3K",
        user_name: str = "alice.schmidt",
        response_url: str | None = None,
        trigger_id: str | None = None,
    ) -> str:
        """The form body of a slash command."""
        return urlencode(
            {
                "token": "dEpReCaTeDvErIfIcAtIoNtOk",
                "team_id": TEAM_ID,
                "team_domain": TEAM_DOMAIN,
                "channel_id": channel,
                "channel_name": "telefon",
                "user_id": user,
                "user_name": user_name,
                "command": command,
                "text": text,
                "api_app_id": APP_ID,
                "is_enterprise_install": "false",
                "response_url": response_url or self.response_url("commands"),
                "trigger_id": trigger_id or self.new_trigger_id(),
            }
        )

    def command(self, command: str, text: str = "", **kwargs: Any) -> requests.Response:
        """Send a signed slash command."""
        return self.post(self.command_body(command, text, **kwargs))

    def interactive(self, payload: dict[str, Any], **kwargs: Any) -> requests.Response:
        """Send a signed interactive payload (`payload=<url-encoded JSON>`)."""
        return self.post("payload=" + quote(json.dumps(payload)), **kwargs)

    def block_action(
        self,
        action_id: str,
        value: str,
        *,
        user: str = "U07ALICE9Z",
        channel: str = "C07CALLS3K",
        message: dict[str, Any] | None = None,
        block_id: str = "b",
        response_url: str | None = None,
    ) -> requests.Response:
        """Click a button."""
        message = message or {"ts": "1732284131.004200", "text": "", "blocks": []}
        payload = {
            "type": "block_actions",
            "user": {"id": user, "username": user, "name": user, "team_id": TEAM_ID},
            "api_app_id": APP_ID,
            "token": "dEpReCaTeDvErIfIcAtIoNtOk",
            "container": {
                "type": "message",
                "message_ts": message["ts"],
                "channel_id": channel,
                "is_ephemeral": False,
            },
            "trigger_id": self.new_trigger_id(),
            "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
            "channel": {"id": channel, "name": "telefon"},
            "message": message,
            "state": {"values": {}},
            "response_url": response_url or self.response_url("actions"),
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": block_id,
                    "value": value,
                    "type": "button",
                    "action_ts": "1732284168.551203",
                }
            ],
        }
        return self.interactive(payload)

    def view_submission(
        self, view: dict[str, Any], values: dict[str, Any], *, user: str = "U07ALICE9Z"
    ) -> requests.Response:
        """Submit a modal built by the bot, with `values` as its state."""
        submitted = dict(view)
        submitted.setdefault("id", f"V{next(_counter):010d}")
        submitted["state"] = {"values": values}
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
            "user": {"id": user, "username": user, "name": user, "team_id": TEAM_ID},
            "api_app_id": APP_ID,
            "token": "dEpReCaTeDvErIfIcAtIoNtOk",
            "trigger_id": self.new_trigger_id(),
            "view": submitted,
        }
        return self.interactive(payload)
