"""Play Slack towards the bot: slash commands, button clicks, modal submissions and shortcuts.

Every request is signed with the bot's signing secret and shaped like Slack's (slack-bolt.md §2),
and every response URL is issued by the fake Slack tied to the person and conversation, so that
what the bot posts there lands in front of the right person.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import requests
import yaml

from bot.simulator.signing import slack_headers
from bot.simulator.slack_api import FakeSlack

Json = dict[str, Any]
_MENTION = re.compile(r"(?<![\w<|])@([A-Za-z0-9][\w.\-]*)")
_CHANNEL = re.compile(r"(?<![\w<|])#([a-z0-9][\w\-]*)")
# Slack says "/foo failed with the error …" when an app does not answer within 3 s (§2.1).
SLACK_TIMEOUT = 3.0


@dataclass
class Posted:
    """What the demo itself shows: a person's message, or Slack's own note about a command."""

    channel: str
    user: str
    text: str
    ts: str
    files: list[Json] = field(default_factory=list)
    blocks: list[Json] = field(default_factory=list)
    only_for: str | None = None  # an ephemeral note shown only to this person


@dataclass(frozen=True)
class Command:
    """A slash command from the manifest."""

    name: str
    description: str
    usage_hint: str
    should_escape: bool


def load_commands(manifest_path: str) -> dict[str, Command]:
    """Read the slash commands (with should_escape) from manifest.yml."""
    with open(manifest_path, encoding="utf-8") as fh:
        manifest = yaml.safe_load(fh)
    commands = manifest.get("features", {}).get("slash_commands", [])
    return {
        c["command"]: Command(
            c["command"],
            c.get("description", ""),
            c.get("usage_hint", ""),
            bool(c.get("should_escape", False)),
        )
        for c in commands
    }


def load_shortcuts(manifest_path: str) -> list[Json]:
    """Read the shortcuts (name, callback_id, type) from manifest.yml."""
    with open(manifest_path, encoding="utf-8") as fh:
        manifest = yaml.safe_load(fh)
    shortcuts = manifest.get("features", {}).get("shortcuts", [])
    return [
        {"name": s["name"], "callback_id": s["callback_id"], "type": s.get("type", "")}
        for s in shortcuts
    ]


def registered_routes(kind: str) -> list[str]:
    """The routes the bot has registered now (features light up as they are added)."""
    import handlers.actions
    import handlers.commands
    import handlers.shortcuts
    import handlers.views

    module = {
        "commands": handlers.commands,
        "actions": handlers.actions,
        "shortcuts": handlers.shortcuts,
        "views": handlers.views,
    }[kind]
    return [getattr(key, "pattern", key) for key in getattr(module, "ROUTES", {})]


def slack_escape(text: str) -> str:
    """Escape &, < and > the way Slack does in every command text (slack-bolt.md §2.1)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SlackSide:
    """Sends signed Slack requests to the bot and remembers which trigger belongs to whom."""

    def __init__(self, fake: FakeSlack, slack_url: str, bot_url: str, secret: str) -> None:
        self.fake = fake
        self.slack_url = slack_url
        self.events_url = f"{bot_url}/slack/events"
        self.secret = secret
        self.session = requests.Session()
        self.triggers: dict[str, str] = {}  # trigger id -> Slack user id
        self._lock = threading.Lock()
        self._counter = itertools.count(1)
        self._last_ts = 0

    # ----- helpers ------------------------------------------------------------------------------

    def new_ts(self) -> str:
        """A message ts in Slack's shape, strictly increasing."""
        with self._lock:
            self._last_ts = max(self._last_ts + 1, int(time.time() * 1_000_000))
            return f"{self._last_ts // 1_000_000}.{self._last_ts % 1_000_000:06d}"

    def new_trigger(self, user: str) -> str:
        """A trigger id tied to `user` (views opened with it belong to them)."""
        n = next(self._counter)
        trigger = f"{int(time.time())}{n:05d}.7412345678901.{n:032x}"
        with self._lock:
            self.triggers[trigger] = user
        return trigger

    def user_json(self, user: str) -> Json:
        """The `user` object of an interaction payload."""
        name = self.fake.users.get(user, {}).get("name", user)
        return {"id": user, "username": name, "name": name, "team_id": self.fake.seed.team_id}

    def channel_json(self, channel: str) -> Json:
        """The `channel` object of an interaction payload."""
        info = self.fake.channels.get(channel, {})
        return {"id": channel, "name": info.get("name", "directmessage")}

    def team_json(self) -> Json:
        """The `team` object of an interaction payload."""
        return {"id": self.fake.seed.team_id, "domain": self.fake.seed.team_domain}

    def escape_mentions(self, text: str) -> str:
        """Turn typed @name and #channel into Slack's <@U…|name> and <#C…|name> (should_escape)."""

        def user(match: re.Match[str]) -> str:
            found = self.find_user(match.group(1))
            return f"<@{found['id']}|{found['name']}>" if found else match.group(0)

        def channel(match: re.Match[str]) -> str:
            name = match.group(1).lower()
            for info in self.fake.channels.values():
                if info.get("name") == name:
                    return f"<#{info['id']}|{name}>"
            return match.group(0)

        return _CHANNEL.sub(channel, _MENTION.sub(user, text))

    def find_user(self, typed: str) -> Json | None:
        """The person a typed @name means: handle, display name, first name or full name."""
        wanted = typed.lower().rstrip(".")
        for info in self.fake.users.values():
            if info.get("deleted"):
                continue
            real = str(info.get("real_name", "")).lower()
            names = {str(info.get("name", "")).lower(), real.replace(" ", ""), real.split(" ")[0]}
            names.add(str(info.get("profile", {}).get("display_name", "")).lower())
            if wanted in names:
                return info
        return None

    def post(self, payload_or_form: str) -> requests.Response:
        """POST a signed body to the bot's /slack/events."""
        headers = slack_headers(self.secret, payload_or_form)
        return self.session.post(
            self.events_url, data=payload_or_form.encode("utf-8"), headers=headers, timeout=10
        )

    def interactive(self, payload: Json) -> requests.Response:
        """POST an interaction payload (`payload=<url-encoded JSON>`)."""
        return self.post("payload=" + quote(json.dumps(payload)))

    # ----- requests -----------------------------------------------------------------------------

    def command(self, user: str, channel: str, command: str, text: str) -> requests.Response:
        """Send a slash command typed by `user` in `channel`."""
        response_url = self.fake.response_url(
            self.slack_url, "commands", user=user, channel=channel
        )
        body = {
            "token": "dEpReCaTeDvErIfIcAtIoNtOk",
            "team_id": self.fake.seed.team_id,
            "team_domain": self.fake.seed.team_domain,
            "channel_id": channel,
            "channel_name": self.channel_json(channel)["name"],
            "user_id": user,
            "user_name": self.user_json(user)["name"],
            "command": command,
            "text": text,
            "api_app_id": self.fake.seed.app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": self.new_trigger(user),
        }
        return self.post(urlencode(body))

    def block_action(
        self,
        user: str,
        action: Json,
        *,
        channel: str | None,
        message: Json | None,
        view: Json | None,
    ) -> requests.Response:
        """Send a block_actions payload for a click in a message (or ephemeral) or in a modal."""
        payload: Json = {
            "type": "block_actions",
            "user": self.user_json(user),
            "api_app_id": self.fake.seed.app_id,
            "token": "dEpReCaTeDvErIfIcAtIoNtOk",
            "trigger_id": self.new_trigger(user),
            "team": self.team_json(),
            "state": {"values": {}},
            "actions": [{**action, "action_ts": f"{time.time():.6f}"}],
        }
        if view is not None:
            payload["container"] = {"type": "view", "view_id": view.get("id")}
            payload["view"] = view
            payload["state"] = view.get("state", {"values": {}})
        elif channel is not None and message is not None:
            ephemeral = bool(message.get("is_ephemeral"))
            ts = str(message["ts"])
            payload["container"] = {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel,
                "is_ephemeral": ephemeral,
            }
            payload["channel"] = self.channel_json(channel)
            if not ephemeral:  # Slack sends no `message` for clicks in ephemeral messages
                payload["message"] = {k: v for k, v in message.items() if k != "is_ephemeral"}
            payload["response_url"] = self.fake.response_url(
                self.slack_url, "actions", user=user, channel=channel, message=(channel, ts)
            )
        return self.interactive(payload)

    def view_submission(self, user: str, view: Json, values: Json) -> requests.Response:
        """Submit a modal with these state values."""
        submitted = copy.deepcopy(view)
        submitted["state"] = {"values": values}
        payload = {
            "type": "view_submission",
            "team": self.team_json(),
            "user": self.user_json(user),
            "api_app_id": self.fake.seed.app_id,
            "token": "dEpReCaTeDvErIfIcAtIoNtOk",
            "trigger_id": self.new_trigger(user),
            "view": submitted,
            "response_urls": [],
            "is_enterprise_install": False,
        }
        return self.interactive(payload)

    def message_shortcut(
        self, user: str, callback_id: str, channel: str, message: Json
    ) -> requests.Response:
        """Run a message shortcut (like "Send as fax") on a message."""
        payload = {
            "type": "message_action",
            "token": "dEpReCaTeDvErIfIcAtIoNtOk",
            "action_ts": f"{time.time():.6f}",
            "team": self.team_json(),
            "user": self.user_json(user),
            "channel": self.channel_json(channel),
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": self.new_trigger(user),
            "response_url": self.fake.response_url(
                self.slack_url, "app", user=user, channel=channel
            ),
            "message_ts": message["ts"],
            "message": message,
        }
        return self.interactive(payload)
