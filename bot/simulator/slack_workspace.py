"""The fake Slack's workspace: channels, messages, ephemerals, views, files, Web API methods.

Pure state and rules, no HTTP and no locking: bot.simulator.slack_api calls it with its lock held.
Method behaviour and error codes follow slack-bolt.md §4 and §6.2.
"""

from __future__ import annotations

import copy
import hashlib
import time
from collections.abc import Callable
from typing import Any

from bot.simulator import blockkit, slack_history
from bot.simulator.slack_model import ApiError, Args, Message, _json_arg, truthy
from bot.simulator.slack_seed import SlackSeed, im_object
from bot.simulator.slack_views import ViewMethods

__all__ = ["MAX_TEXT", "ApiError", "Args", "Message", "Workspace", "truthy"]

MAX_TEXT = 40_000  # longer message text is truncated, not rejected (slack-bolt.md §4.1)


class Workspace(ViewMethods):
    """State of the simulated workspace and the Web API methods that read and change it."""

    def __init__(self, seed: SlackSeed) -> None:
        self.seed = seed
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.views: list[dict[str, Any]] = []
        self.messages: dict[str, list[Message]] = {}
        self.ephemerals: list[dict[str, Any]] = []
        self.files: dict[str, dict[str, Any]] = {}
        self.file_bytes: dict[str, bytes] = {}
        self._used_triggers: set[str] = set()
        self._open_views: dict[str, dict[str, Any]] = {}
        self._last_ts = 0
        self.methods: dict[str, Callable[[Args], dict[str, Any]]] = {
            "auth.test": self.auth_test,
            "chat.postMessage": self.chat_post_message,
            "chat.update": self.chat_update,
            "chat.postEphemeral": self.chat_post_ephemeral,
            "chat.delete": self.chat_delete,
            "views.open": lambda args: self.views_open(args, "views.open"),
            "views.push": lambda args: self.views_open(args, "views.push"),
            "views.update": self.views_update,
            "users.info": self.users_info,
            "users.lookupByEmail": self.users_lookup_by_email,
            "files.info": self.files_info,
            "conversations.open": self.conversations_open,
            "conversations.info": self.conversations_info,
            "conversations.history": lambda args: slack_history.conversations_history(self, args),
        }
        self.reset()

    def reset(self) -> None:
        """Go back to the seed (dicts and lists are cleared in place, so references stay valid)."""
        self.users.clear()
        self.users.update({u["id"]: copy.deepcopy(u) for u in self.seed.users})
        self.channels.clear()
        self.channels.update({c["id"]: copy.deepcopy(c) for c in self.seed.channels})
        for collection in (self.views, self.messages, self.ephemerals, self.files):
            collection.clear()
        self.file_bytes.clear()
        self._used_triggers.clear()
        self._open_views.clear()

    def call(self, method: str, args: Args) -> dict[str, Any]:
        """Run a Web API method and return its answer body (ok or error)."""
        try:
            return self.methods[method](args)
        except ApiError as exc:
            return exc.body

    # ----- building blocks ----------------------------------------------------------------------

    def next_ts(self) -> str:
        """Return a message ts like "1732284131.000100", strictly increasing."""
        self._last_ts = max(self._last_ts + 1, int(time.time() * 1_000_000))
        return f"{self._last_ts // 1_000_000}.{self._last_ts % 1_000_000:06d}"

    def dm_channel(self, user_id: str) -> str:
        """Return the id of the bot's DM channel with a user, opening it if needed."""
        if user_id not in self.users:
            raise KeyError(f"no such user: {user_id}")
        channel_id = "D" + user_id[1:]
        if channel_id not in self.channels:
            self.channels[channel_id] = im_object(channel_id, user_id, int(time.time()))
        return channel_id

    def channel_arg(self, value: Any, *, for_posting: bool) -> str:
        """Resolve a channel argument: an id, or (for posting) a user id or a channel name."""
        name = str(value or "").strip()
        if name in self.channels:
            return name
        if for_posting and name.startswith(("U", "W")) and name in self.users:
            return self.dm_channel(name)
        for channel in self.channels.values() if for_posting else ():
            if channel.get("name") == name.removeprefix("#"):
                return str(channel["id"])
        raise ApiError("channel_not_found")

    def blocks_arg(self, value: Any) -> list[dict[str, Any]] | None:
        """Decode and validate a blocks argument; None when it was not given."""
        if value is None or value == "":
            return None
        blocks = _json_arg(value, ApiError("invalid_blocks_format"))
        if not isinstance(blocks, list):
            raise ApiError("invalid_blocks_format")
        problems = blockkit.block_problems(blocks)
        if problems:
            errors = [p.removeprefix("[ERROR] ") for p in problems]
            raise ApiError(
                "invalid_blocks", errors=errors, response_metadata={"messages": problems}
            )
        return blocks

    def content(self, args: Args) -> tuple[str, list[dict[str, Any]]]:
        """Return (text, blocks) of a new message; no_text when it has neither."""
        blocks = self.blocks_arg(args.get("blocks")) or []
        text = "" if args.get("text") is None else str(args["text"])
        if not text and not blocks and not args.get("attachments"):
            raise ApiError("no_text")
        return text[:MAX_TEXT], blocks

    def find(self, channel: str, ts: Any) -> Message:
        """Return the message at (channel, ts) or raise message_not_found."""
        for message in self.messages.get(channel, []):
            if message.ts == str(ts):
                return message
        raise ApiError("message_not_found")

    def message_json(self, message: Message) -> dict[str, Any]:
        """Render a message the way chat.postMessage and chat.update return it."""
        out: dict[str, Any] = {"type": "message", "user": message.user, "text": message.text}
        out.update(ts=message.ts, team=self.seed.team_id)
        if message.user == self.seed.bot_user_id:
            out.update(bot_id=self.seed.bot_id, app_id=self.seed.app_id)
        if message.blocks:
            out["blocks"] = copy.deepcopy(message.blocks)
        if message.thread_ts:
            out["thread_ts"] = message.thread_ts
        return out

    def post(self, channel: str, content: tuple[str, list[Any]], thread_ts: Any) -> Message:
        """Add a bot message to a channel."""
        text, blocks = content
        thread = str(thread_ts) if thread_ts else None
        message = Message(channel, self.next_ts(), text, blocks, self.seed.bot_user_id, thread)
        self.messages.setdefault(channel, []).append(message)
        return message

    def add_ephemeral(
        self, channel: str | None, user: str | None, content: tuple[str, list[Any]], source: str
    ) -> dict[str, Any]:
        """Show an ephemeral message to one user."""
        text, blocks = content
        ephemeral: dict[str, Any] = {"channel": channel, "user": user, "text": text}
        ephemeral.update(blocks=blocks, source=source, ts=self.next_ts(), history=[])
        ephemeral["deleted"] = False
        self.ephemerals.append(ephemeral)
        return ephemeral

    # ----- chat.* -------------------------------------------------------------------------------

    def auth_test(self, args: Args) -> dict[str, Any]:
        """auth.test: who the token belongs to (Bolt reads user_id and bot_id)."""
        seed = self.seed
        return {
            "ok": True,
            "url": f"https://{seed.team_domain}.slack.com/",
            "team": seed.team_name,
            "user": seed.bot_name,
            "team_id": seed.team_id,
            "user_id": seed.bot_user_id,
            "bot_id": seed.bot_id,
            "is_enterprise_install": False,
        }

    def chat_post_message(self, args: Args) -> dict[str, Any]:
        """chat.postMessage: a user id as channel posts into the DM with that user."""
        channel = self.channel_arg(args.get("channel"), for_posting=True)
        metadata = slack_history.metadata_arg(args.get("metadata"))
        message = self.post(channel, self.content(args), args.get("thread_ts"))
        message.metadata = metadata
        return {
            "ok": True,
            "channel": channel,
            "ts": message.ts,
            "message": self.message_json(message),
        }

    def chat_update(self, args: Args) -> dict[str, Any]:
        """chat.update: omitted text or blocks are kept; `blocks: []` removes them."""
        channel = self.channel_arg(args.get("channel"), for_posting=False)
        message = self.find(channel, args.get("ts"))
        if message.user != self.seed.bot_user_id:
            raise ApiError("cant_update_message")
        blocks = self.blocks_arg(args.get("blocks"))
        text = args.get("text")
        if text is None and blocks is None and not args.get("attachments"):
            raise ApiError("no_text")
        message.history.append({"text": message.text, "blocks": message.blocks})
        message.text = message.text if text is None else str(text)[:MAX_TEXT]
        message.blocks = message.blocks if blocks is None else blocks
        message.edited = True
        body = {"ok": True, "channel": channel, "ts": message.ts, "text": message.text}
        return {**body, "message": self.message_json(message)}

    def chat_post_ephemeral(self, args: Args) -> dict[str, Any]:
        """chat.postEphemeral: shown to one (existing) user; answers with message_ts."""
        channel = self.channel_arg(args.get("channel"), for_posting=True)
        user = str(args.get("user") or "")
        if user not in self.users or self.users[user].get("deleted"):
            raise ApiError("user_not_in_channel")
        ephemeral = self.add_ephemeral(channel, user, self.content(args), "chat.postEphemeral")
        return {"ok": True, "message_ts": ephemeral["ts"]}

    def chat_delete(self, args: Args) -> dict[str, Any]:
        """chat.delete: only the bot's own messages."""
        channel = self.channel_arg(args.get("channel"), for_posting=False)
        message = self.find(channel, args.get("ts"))
        if message.user != self.seed.bot_user_id:
            raise ApiError("cant_delete_message")
        self.messages[channel].remove(message)
        return {"ok": True, "channel": channel, "ts": message.ts}

    # ----- users.*, files.*, conversations.* ----------------------------------------------------

    def users_info(self, args: Args) -> dict[str, Any]:
        """users.info."""
        user = self.users.get(str(args.get("user") or ""))
        if user is None:
            raise ApiError("user_not_found")
        return {"ok": True, "user": copy.deepcopy(user)}

    def users_lookup_by_email(self, args: Args) -> dict[str, Any]:
        """users.lookupByEmail: compares addresses case-insensitively."""
        email = str(args.get("email") or "").strip().lower()
        for user in self.users.values():
            if email and str(user["profile"].get("email", "")).lower() == email:
                return {"ok": True, "user": copy.deepcopy(user)}
        raise ApiError("users_not_found")

    def files_info(self, args: Args) -> dict[str, Any]:
        """files.info."""
        info = self.files.get(str(args.get("file") or ""))
        if info is None:
            raise ApiError("file_not_found")
        body = {"ok": True, "file": copy.deepcopy(info), "comments": []}
        return {**body, "response_metadata": {"next_cursor": ""}}

    def conversations_open(self, args: Args) -> dict[str, Any]:
        """conversations.open: one user → their DM; several → a group DM."""
        if args.get("channel"):
            channel = self.channel_arg(args["channel"], for_posting=False)
            return {"ok": True, "no_op": True, "channel": {"id": channel}}
        users = args.get("users") or []
        ids = [u.strip() for u in (users.split(",") if isinstance(users, str) else users)]
        ids = [u for u in ids if u]
        if not ids:
            raise ApiError("users_list_not_supplied")
        if any(u not in self.users for u in ids):
            raise ApiError("user_not_found")
        if len(ids) == 1:
            channel_id = self.dm_channel(ids[0])
        else:
            members = sorted({*ids, self.seed.bot_user_id})
            channel_id = "G" + hashlib.sha1(",".join(members).encode()).hexdigest()[:10].upper()
            self.channels.setdefault(channel_id, {"id": channel_id, "is_mpim": True})
            self.channels[channel_id]["members"] = members
        if truthy(args.get("return_im")):
            return {"ok": True, "channel": copy.deepcopy(self.channels[channel_id])}
        return {"ok": True, "channel": {"id": channel_id}}

    def conversations_info(self, args: Args) -> dict[str, Any]:
        """conversations.info."""
        channel = self.channels.get(str(args.get("channel") or ""))
        if channel is None:
            raise ApiError("channel_not_found")
        return {"ok": True, "channel": copy.deepcopy(channel)}

    # ----- response URLs ------------------------------------------------------------------------

    def find_original(self, ref: tuple[str, str] | None) -> Message | dict[str, Any] | None:
        """Return the message or ephemeral a response URL's interaction came from."""
        if ref is None:
            return None
        channel, ts = ref
        try:
            return self.find(channel, ts)
        except ApiError:
            pass
        live = [e for e in self.ephemerals if not e["deleted"]]
        return next((e for e in live if e["channel"] == channel and e["ts"] == ts), None)

    def apply_response(
        self,
        body: dict[str, Any],
        *,
        channel: str | None,
        user: str | None,
        message: tuple[str, str] | None,
    ) -> str | None:
        """Apply a response-URL body to the workspace; return an error text when invalid."""
        original = self.find_original(message)
        if truthy(body.get("delete_original")):
            if isinstance(original, Message):
                self.messages[original.channel].remove(original)
            elif original is not None:
                original["deleted"] = True
            return None
        try:
            text, blocks = self.content(body)
        except ApiError as exc:
            return str(exc.body["error"])
        # Slack's default for an omitted replace_original is UNVERIFIED (§2.4): treat it as false.
        if truthy(body.get("replace_original")) and isinstance(original, Message):
            original.history.append({"text": original.text, "blocks": original.blocks})
            original.text, original.blocks, original.edited = text, blocks, True
        elif truthy(body.get("replace_original")) and isinstance(original, dict):
            original["history"].append({"text": original["text"], "blocks": original["blocks"]})
            original.update(text=text, blocks=blocks)
        elif body.get("response_type") == "in_channel":
            if channel in self.channels:
                self.post(channel, (text, blocks), body.get("thread_ts"))
        else:
            self.add_ephemeral(channel, user, (text, blocks), "response_url")
        return None
