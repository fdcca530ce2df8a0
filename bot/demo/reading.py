"""The demo page's reading routes: what the page is built from, and what a person sees now."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from flask import Response, jsonify, request

from bot.cli import MANIFEST_PATH
from bot.demo.phone import HANGUP_CAUSES, PhonePanel
from bot.demo.slack_side import Command, Posted, load_shortcuts, registered_routes
from bot.demo.state import SipgateLog, ViewTracker, initials

if TYPE_CHECKING:
    from bot.demo.runner import Demo

Json = dict[str, Any]


class PageReading:
    """DemoPage's /api/bootstrap and /api/state, with the timeline and counts they show."""

    demo: Demo
    phone: PhonePanel
    views: ViewTracker
    log: SipgateLog
    posted: list[Posted]
    commands: dict[str, Command]

    def bootstrap(self) -> Response:
        """People, channels, commands, shortcuts and phone lines: what the page is built from."""
        fake, sipgate = self.demo.fake_slack, self.demo.fake_sipgate
        admins = self.demo.services.config.admin_users if self.demo.services else frozenset()
        emails = {str(u.get("email", "")).lower() for u in sipgate.users}
        people = [
            {
                "id": u["id"],
                "name": u["real_name"],
                "handle": u["name"],
                "initials": initials(u["real_name"]),
                "tz": u.get("tz", "UTC"),
                "admin": u["id"] in admins,
                "linked": str(u["profile"].get("email", "")).lower() in emails,
                "dm": fake.dm_channel(u["id"]),
            }
            for u in list(fake.users.values())
            if not u.get("is_bot") and not u.get("deleted")
        ]
        channels = [
            {"id": c["id"], "name": c["name"], "calls": c["id"] == self._calls_channel()}
            for c in list(fake.channels.values())
            if c.get("is_channel")
        ]
        registered = set(registered_routes("commands"))
        commands = [
            {**asdict(c), "registered": c.name in registered} for c in self.commands.values()
        ]
        return jsonify(
            people=people,
            channels=channels,
            commands=commands,
            shortcuts=self._shortcuts(),
            lines=self.phone.lines(),
            sipgate_users=[
                {"id": u["id"], "name": self.phone.user_name(u["id"])} for u in sipgate.users
            ],
            causes=list(HANGUP_CAUSES),
            routes={kind: registered_routes(kind) for kind in ("commands", "actions", "views")},
            bot={"id": fake.seed.bot_user_id, "name": fake.seed.bot_name},
        )

    def _calls_channel(self) -> str | None:
        return self.demo.services.config.calls_channel if self.demo.services else None

    def _shortcuts(self) -> list[Json]:
        registered = set(registered_routes("shortcuts"))
        if not MANIFEST_PATH.is_file():
            return []
        return [s for s in load_shortcuts(str(MANIFEST_PATH)) if s["callback_id"] in registered]

    def state(self) -> Response:
        """Everything the current person sees now (the page polls this)."""
        user = request.args.get("user", "")
        channel = request.args.get("channel", "")
        return jsonify(
            messages=self._timeline(user, channel),
            counts=self._counts(user),
            view=self.views.open_view(user),
            calls=self.phone.snapshot(),
            log=self.log.entries(),
            faxes=self.log.faxes(),
        )

    def _timeline(self, user: str, channel: str) -> list[Json]:
        """Channel messages, this person's ephemerals and the demo's own posts, in time order."""
        fake = self.demo.fake_slack
        items: list[Json] = []
        for message in fake.messages(channel) if channel in fake.channels else []:
            items.append(
                {
                    "ts": message.ts,
                    "user": message.user,
                    "text": message.text,
                    "blocks": message.blocks,
                    "edited": message.edited,
                    "ephemeral": False,
                }
            )
        for eph in fake.ephemerals(user):
            if eph["channel"] == channel:
                items.append(
                    {
                        "ts": eph["ts"],
                        "user": fake.seed.bot_user_id,
                        "text": eph["text"],
                        "blocks": eph["blocks"],
                        "edited": bool(eph["history"]),
                        "ephemeral": True,
                    }
                )
        for post in list(self.posted):
            if post.channel == channel and post.only_for in (None, user):
                items.append({**asdict(post), "ephemeral": post.only_for is not None})
        return sorted(items, key=lambda item: float(item["ts"]))

    def _counts(self, user: str) -> dict[str, int]:
        """How many things each conversation shows the person (for the channel list)."""
        fake = self.demo.fake_slack
        counts = {cid: len(fake.messages(cid)) for cid in list(fake.channels)}
        for eph in fake.ephemerals(user):
            if eph["channel"] in counts:
                counts[eph["channel"]] += 1
        return counts
