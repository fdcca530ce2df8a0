"""Call routing: which Slack channel a call's message goes to, and the sipgate numbers cache."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import phone
from bot.errors import UserError
from bot.sipgate import SipgateClient
from bot.storage import Storage, utc_now_iso
from bot.storage import live_calls as db
from bot.storage.settings import get_setting, put_setting

logger = logging.getLogger(__name__)

_SIPGATE_ID = re.compile(r"^[wg][0-9]+$", re.IGNORECASE)
_NUMBERS_KEY = "sipgate_numbers"
NUMBERS_FRESH_FOR = timedelta(hours=1)


class InvalidRouteTarget(UserError):
    """The route target is neither a phone number nor a sipgate user/group id."""


@dataclass(frozen=True)
class Line:
    """One of the account's numbers: who it rings (endpoint) and its alias (§8.3)."""

    number: str
    endpoint_id: str
    alias: str


class RoutesService:
    """Admins map called numbers and sipgate users/groups to channels; calls are matched here."""

    def __init__(
        self,
        *,
        storage: Storage,
        sipgate: SipgateClient,
        region: str,
        calls_channel: str | None,
        clock: Callable[[], datetime],
    ) -> None:
        self.storage = storage
        self.sipgate = sipgate
        self.region = region
        self.calls_channel = calls_channel
        self.clock = clock
        self._warned_unrouted = False

    # -- admin commands -------------------------------------------------------------------------

    def target(self, text: str) -> str:
        """Normalise a route target: `w0`/`g0` ids as they are, numbers to E.164."""
        cleaned = text.strip()
        if _SIPGATE_ID.fullmatch(cleaned):
            return cleaned.lower()
        number = phone.normalise(cleaned, self.region) if phone.looks_like_number(cleaned) else None
        if number is None:
            raise InvalidRouteTarget(
                "Name a called number (e.g. `+49 211 12345600`), a sipgate user id (`w0`) or a "
                "group id (`g0`)."
            )
        return number

    def add(self, admin_id: str, text: str, channel: str, *, outgoing: bool) -> db.RouteRow:
        """Route calls for a number, user or group to a channel (replacing an earlier route)."""
        row = db.RouteRow(
            target=self.target(text),
            channel=channel,
            outgoing=outgoing,
            created_by=admin_id,
            created_at=utc_now_iso(self.clock()),
        )
        db.save_route(self.storage, row)
        logger.info("Route %s -> %s set by %s", row.target, channel, admin_id)
        return row

    def remove(self, text: str) -> tuple[str, bool]:
        """Delete the route for a target; return (normalised target, whether one existed)."""
        target = self.target(text)
        return target, db.delete_route(self.storage, target)

    def all(self) -> list[db.RouteRow]:
        """Every route."""
        return db.routes(self.storage)

    # -- matching (webhook path: local data only) ---------------------------------------------

    def channel_for(self, direction: str, our_number: str, user_ids: Sequence[str]) -> str | None:
        """The channel for a call: called number, then each user, then the number's group."""
        rules = {r.target: r for r in db.routes(self.storage)}
        line = self.line(our_number)
        candidates = [phone.normalise(our_number, self.region) or our_number, *user_ids]
        if line is not None and line.endpoint_id.startswith("g"):
            candidates.append(line.endpoint_id)
        for candidate in candidates:
            rule = rules.get(candidate)
            if rule is not None and (direction == "in" or rule.outgoing):
                return rule.channel
        if direction != "in":
            return None  # outgoing calls are posted only where a route asks for them
        if self.calls_channel is None and not self._warned_unrouted:
            self._warned_unrouted = True
            logger.info("Incoming calls without a route are not posted: CALLS_CHANNEL is not set")
        return self.calls_channel

    def line(self, number: str) -> Line | None:
        """The cached account number for `number`, if known."""
        wanted = phone.normalise(number, self.region)
        return next((line for line in self._lines() if line.number == wanted), None)

    # -- numbers cache ------------------------------------------------------------------------

    def _lines(self) -> list[Line]:
        stored = get_setting(self.storage, _NUMBERS_KEY)
        return [Line(**item) for item in json.loads(stored[0])] if stored else []

    def refresh_numbers(self) -> None:
        """Reload the account's numbers from sipgate when the cache is missing or old."""
        stored = get_setting(self.storage, _NUMBERS_KEY)
        if stored and self.clock() - datetime.fromisoformat(stored[1]) < NUMBERS_FRESH_FOR:
            return
        lines = [
            Line(
                number=phone.normalise(n.number, self.region) or n.number,
                endpoint_id=n.endpoint_id,
                alias=n.endpoint_alias,
            )
            for n in self.sipgate.numbers()
        ]
        put_setting(self.storage, _NUMBERS_KEY, json.dumps([line.__dict__ for line in lines]))
        logger.info("Numbers cache refreshed: %d numbers", len(lines))
