"""Play sipgate's telephone side: ring a line, answer, hang up, as signed push events (§12).

sipgate sends `answer` and `hangup` only to the URLs the bot's XML answer to `newCall` names
(`onAnswer`/`onHangup`, sipgate-api.md §12.2), so the panel remembers them per call and sends
nothing the bot did not ask for. A call answered by a person becomes a live call in the fake
sipgate, so the bot's Hold/Mute/Hang up requests (RTCM, §10) work; when the bot hangs a call up,
the panel sends the `hangup` event real sipgate would send.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from bot.simulator.sipgate_api import FakeSipgate
from bot.simulator.sipgate_push import SipgatePusher

HANGUP_CAUSES = ("normalClearing", "busy", "cancel", "noAnswer", "congestion", "notFound")
_HANGUP_PATH = re.compile(r"/calls/([^/]+)")


class PhoneError(Exception):
    """Something the phone panel cannot do; the message is shown to the visitor."""


@dataclass
class SimulatedCall:
    """One call the panel rang, with what the bot answered."""

    call_id: str
    from_number: str
    to_number: str
    direction: str
    users: list[str]
    user_ids: list[str]
    state: str = "ringing"  # ringing → answered / voicemail → ended
    on_answer: str | None = None
    on_hangup: str | None = None
    answered_by: str = ""
    cause: str = ""
    events: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.time)


def wire_number(typed: str) -> str:
    """A typed number the way sipgate's pushes carry it: digits without '+' (§12.3)."""
    text = typed.strip()
    if text.lower() == "anonymous":
        return "anonymous"
    digits = re.sub(r"[^0-9]", "", text)
    if text.startswith("+"):
        return digits
    if digits.startswith("00"):
        return digits[2:]
    if digits.startswith("0"):
        return "49" + digits[1:]
    return digits


class PhonePanel:
    """The simulated phone system: its calls, and the events it sends to the bot."""

    def __init__(self, fake: FakeSipgate, webhook_url: str, key: rsa.RSAPrivateKey) -> None:
        self.fake = fake
        self.webhook_url = webhook_url
        self.key = key
        self.calls: dict[str, SimulatedCall] = {}
        self._lock = threading.RLock()
        self._seen_requests = 0

    # ----- what the panel offers ----------------------------------------------------------------

    def user_name(self, user_id: str) -> str:
        """A sipgate user's name as sipgate sends it ("Alice Schmidt")."""
        user = next((u for u in self.fake.users if u["id"] == user_id), None)
        return f"{user['firstname']} {user['lastname']}" if user else user_id

    def rings(self, number: str) -> list[str]:
        """The sipgate users a number of the account rings (its phoneline's owner or group)."""
        entry = next((n for n in self.fake.numbers if n["number"] == number), None)
        if entry is None:
            return []
        endpoint = entry["endpointId"]
        if endpoint in self.fake.group_members:
            return list(self.fake.group_members[endpoint])
        return [
            user
            for user, lines in self.fake.phonelines.items()
            if any(line["id"] == endpoint for line in lines)
        ]

    def lines(self) -> list[dict[str, Any]]:
        """The account's numbers, with their alias and the users they ring."""
        return [
            {
                "number": n["number"],
                "localized": n.get("localized", n["number"]),
                "alias": n.get("endpointAlias", ""),
                "rings": [{"id": u, "name": self.user_name(u)} for u in self.rings(n["number"])],
            }
            for n in self.fake.numbers
        ]

    def snapshot(self) -> list[dict[str, Any]]:
        """The calls, newest first, with their live state (hold, mute) from the fake."""
        with self._lock:
            calls = sorted(self.calls.values(), key=lambda c: c.started, reverse=True)
            out = []
            for call in calls:
                live = self.fake.live_calls.get(call.call_id)
                item = asdict(call)
                item["hold"] = bool(live and live.get("hold"))
                item["muted"] = bool(live and live.get("muted"))
                out.append(item)
            return out

    # ----- events -------------------------------------------------------------------------------

    def ring(self, from_number: str, to_number: str) -> SimulatedCall:
        """Ring a number of the account from any number: send `newCall`."""
        to_wire, from_wire = wire_number(to_number), wire_number(from_number)
        if not from_wire or not to_wire:
            raise PhoneError("Give a calling number and the number that rings.")
        user_ids = self.rings("+" + to_wire)
        call = SimulatedCall(
            call_id=secrets.token_hex(8).upper(),
            from_number=from_wire,
            to_number=to_wire,
            direction="in",
            users=[self.user_name(u) for u in user_ids],
            user_ids=user_ids,
        )
        response = SipgatePusher(self.webhook_url, self.key).new_call(
            call.call_id,
            from_number=call.from_number,
            to_number=call.to_number,
            users=call.users,
            user_ids=call.user_ids,
        )
        call.events.append(f"newCall → {response.status_code}")
        if response.status_code == 200:
            call.on_answer, call.on_hangup = _subscriptions(response.text)
        with self._lock:
            self.calls[call.call_id] = call
        return call

    def answer(self, call_id: str, user_id: str) -> SimulatedCall:
        """Answer as a sipgate user, or by voicemail (empty user): send `answer`."""
        with self._lock:
            call = self._call(call_id)
            if call.state != "ringing":
                raise PhoneError(f"The call is {call.state}, it can no longer be answered.")
            call.state = "answered" if user_id else "voicemail"
            call.answered_by = self.user_name(user_id) if user_id else ""
        if user_id:
            self.fake.add_live_call(
                call_id,
                participants=[
                    {"participantId": "0", "phoneNumber": "+" + call.to_number, "owner": True},
                    {"participantId": "1", "phoneNumber": "+" + call.from_number, "owner": False},
                ],
            )
        if call.on_answer is None:
            call.events.append("answer: not sent (the bot did not subscribe with onAnswer)")
            return call
        response = SipgatePusher(call.on_answer, self.key).answer(
            call_id,
            user=call.answered_by,
            user_id=user_id,
            from_number=call.from_number,
            to_number=call.to_number,
            direction=call.direction,
            answering_number=call.to_number,
        )
        call.events.append(f"answer → {response.status_code}")
        return call

    def hangup(self, call_id: str, cause: str) -> SimulatedCall:
        """End the call with a cause: send `hangup`."""
        if cause not in HANGUP_CAUSES:
            raise PhoneError(f"Unknown hangup cause {cause!r}.")
        with self._lock:
            call = self._call(call_id)
            if call.state == "ended":
                raise PhoneError("The call has already ended.")
            answered = call.state in ("answered", "voicemail")
            call.state, call.cause = "ended", cause
        self.fake.live_calls.pop(call_id, None)
        if call.on_hangup is None:
            call.events.append("hangup: not sent (the bot did not subscribe with onHangup)")
            return call
        response = SipgatePusher(call.on_hangup, self.key).hangup(
            call_id,
            cause=cause,
            from_number=call.from_number,
            to_number=call.to_number,
            direction=call.direction,
            answering_number=call.to_number if answered else "",
        )
        call.events.append(f"hangup ({cause}) → {response.status_code}")
        return call

    def tick(self) -> None:
        """React to the bot's requests: a call it hung up (DELETE /calls/{id}) ends here too."""
        requests = self.fake.requests()
        fresh, self._seen_requests = requests[self._seen_requests :], len(requests)
        for request in fresh:
            match = _HANGUP_PATH.fullmatch(request.path)
            if request.method != "DELETE" or match is None or request.status >= 300:
                continue
            call = self.calls.get(match.group(1))
            if call is not None and call.state != "ended":
                self.hangup(call.call_id, "normalClearing")

    def _call(self, call_id: str) -> SimulatedCall:
        call = self.calls.get(call_id)
        if call is None:
            raise PhoneError(f"No call {call_id}.")
        return call


def _subscriptions(xml_text: str) -> tuple[str | None, str | None]:
    """The onAnswer and onHangup URLs of the bot's <Response> (§12.8)."""
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError:
        return None, None
    if root.tag != "Response":
        return None, None
    return root.get("onAnswer") or None, root.get("onHangup") or None
