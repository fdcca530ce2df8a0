"""The fake sipgate account's state as its endpoint mixins see it, and lookups over it."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

from bot.simulator.sipgate_api.routing import RecordedRequest, _Handler, _Rule
from bot.simulator.sipgate_api.validation import _iso, _Reject
from bot.simulator.sipgate_seed import Json, SipgateSeed


class _SipgateState:
    """What FakeSipgate sets up in __init__ and reset(), and the lookups its endpoints share."""

    seed: SipgateSeed
    token_id: str
    token: str
    account_type: str
    clock: Callable[[], float]
    userinfo: Json
    users: list[Json]
    devices: dict[str, list[Json]]
    sms: dict[str, list[Json]]
    faxlines: dict[str, list[Json]]
    phonelines: dict[str, list[Json]]
    numbers: list[Json]
    groups: list[Json]
    contacts: list[Json]
    group_members: dict[str, list[str]]
    settings: Json
    sent_sms: list[Json]
    started_calls: list[Json]
    faxes: dict[str, Json]
    history: dict[str, Json]
    live_calls: dict[str, Json]
    fax_progression: list[str]
    _lock: threading.RLock
    _in_flight: int
    _generation: int
    _routes: list[tuple[str, re.Pattern[str], int, _Handler]]
    _log: list[RecordedRequest]
    _failures: list[_Rule]
    _delays: list[_Rule]
    _next_id: int

    # ----------------------------------------------------------------- lookups

    def _user(self, user_id: str) -> Json:
        """Return the user or reject with 404."""
        user = next((u for u in self.users if u["id"] == user_id), None)
        if user is None:
            raise _Reject(404, "User not found")
        return user

    def _is_endpoint(self, ext: str) -> bool:
        """Tell whether ext is a device or phoneline of some user (a valid caller/deviceId)."""
        owned = [*self.devices.values(), *self.phonelines.values()]
        return any(item["id"] == ext for items in owned for item in items)

    def _owner_number(self, owner: str) -> str:
        """Return the first number routed to one of the owner's phonelines (or "")."""
        lines = {line["id"] for line in self.phonelines.get(owner, [])}
        return next((n["number"] for n in self.numbers if n["endpointId"] in lines), "")

    def _new_entry(self, kind: str, ext: str, ext_type: str, owner: str, target: str) -> Json:
        """Create an outgoing history entry (§9.2) and return it."""
        entry_id, self._next_id = str(self._next_id), self._next_id + 1
        user = self._user(owner)
        stamp = _iso(self.clock())
        self.history[entry_id] = entry = {
            "id": entry_id,
            "source": self._owner_number(owner),
            "target": target,
            "sourceAlias": f"{user['firstname']} {user['lastname']}",
            "targetAlias": "",
            "type": kind,
            "created": stamp,
            "lastModified": stamp,
            "direction": "OUTGOING",
            "incoming": False,
            "status": "PICKUP",
            "connectionIds": [ext],
            "read": True,
            "archived": False,
            "starred": False,
            "note": "",
            "endpoints": [{"type": "ROUTED", "endpoint": {"extension": ext, "type": ext_type}}],
            "labels": [],
        }
        return entry

    def _live(self, call_id: str) -> Json:
        """Return the live call or reject with 404."""
        if call_id not in self.live_calls:
            raise _Reject(404, "Call not found")
        return self.live_calls[call_id]
