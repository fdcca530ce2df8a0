"""Fake sipgate REST API v2 (Flask): auth, content type, validation, request log, failure switches.

Behaviour follows shared/reference/sipgate-api.md. Where the reference says UNVERIFIED, this fake
decides as follows (the bot must cope with the real service either way):

- SMS messages longer than 1600 characters get 400; the real limit is UNVERIFIED (§17.2).
- ``sendAt`` must be an integer, in the future and at most 30 days ahead, else 400 (§5.1).
- ``/sessions/sms`` and ``PUT /settings/sipgateio`` answer 204 with no body (§17.1).
- ``GET /contacts?phonenumbers=`` compares normalised numbers ("030 1…" equals "+4930…", §7.1,
  §17.8) and ignores pagination. A literal "+" sent unencoded decodes to a space and so matches
  nothing, which is the pitfall §7.1 warns about.
- Fax status: the n-th ``GET /history/{id}`` of a fax shows ``fax_progression[n-1]`` (then stays
  on the last step); content without ``%PDF-`` is accepted but ends FAILED (§6.1).
- ``account_type`` "neo": ``/groups``, ``/{userId}/phonelines`` and ``POST /sessions/calls`` answer
  403; "classic": ``POST /calls`` answers 403 (§18).
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import flask
import phonenumbers
from werkzeug.datastructures import MultiDict

from bot.simulator.sipgate_seed import Json, SipgateSeed, default_seed

MAX_SMS_LENGTH = 1600
MAX_FAX_BASE64 = 28_330_000
FAX_STATUSES = ("PENDING", "SENDING", "SENT", "FAILED", "SCHEDULED")
_SCHEDULE_LIMIT = 30 * 24 * 3600
_EXTENSION = re.compile(r"[a-z](0|[1-9][0-9]*)")
_SMS_ID = re.compile(r"s(0|[1-9][0-9]*)")
_DTMF = re.compile(r"[0-9A-D#*]+")
_E164 = re.compile(r"\+?[1-9][0-9]{1,14}")
_PAGE = re.compile(rb"/Type\s*/Page(?!s)")
_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
_Args = MultiDict[str, str]
_Handler = Callable[[dict[str, str], Any, _Args], tuple[int, Any]]


@dataclass
class RecordedRequest:
    """One request the fake received, with the status it answered."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    json: Any
    status: int


@dataclass
class _Rule:
    """A failure or delay switch for the requests matching method and path."""

    method: str
    path: re.Pattern[str]
    status: int = 0
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    times: int | None = None
    seconds: float = 0.0


class _Reject(Exception):
    """Abort the current request with a status and a short plain-text body."""

    def __init__(self, status: int, message: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _template(path: str, *, capture: bool = False) -> re.Pattern[str]:
    """Compile "/calls/{callId}/hold" (or "*") into a regex over request paths."""
    if path == "*":
        return re.compile(".*")
    parts = re.split(r"\{([^/{}]+)\}", path)
    regex = re.escape(parts[0])
    for name, literal in zip(parts[1::2], parts[2::2], strict=True):
        regex += (f"(?P<{name}>[^/]+)" if capture else "[^/]+") + re.escape(literal)
    return re.compile(regex)


def _parse_route(route: str) -> tuple[str, re.Pattern[str]]:
    """Split "PUT /calls/{callId}/hold" into the method and a path regex."""
    method, _, path = route.strip().partition(" ")
    if not path.strip():
        raise ValueError(f"route must look like 'POST /sessions/sms', got {route!r}")
    return method.upper(), _template(path.strip())


def _plausible(value: Any) -> bool:
    """Tell whether value is an E.164 number (leading + optional) that could exist."""
    if not isinstance(value, str) or not _E164.fullmatch(value):
        return False
    try:
        number = phonenumbers.parse("+" + value.lstrip("+"), None)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_possible_number(number))


def _normalise(raw: str) -> str:
    """Reduce a number to "+<digits>", reading "00…" as international and "0…" as German."""
    text = raw.strip()
    digits = re.sub(r"[^0-9]", "", text)
    if text.startswith("+"):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    if digits.startswith("0"):
        return "+49" + digits[1:]
    return digits


def _iso(timestamp: float) -> str:
    """Format a Unix time the way sipgate does: ISO-8601 with Z."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _obj(body: Any) -> Json:
    """Return the JSON body as an object, or reject with 400."""
    if not isinstance(body, dict):
        raise _Reject(400, "JSON object body required")
    return body


def _text(body: Json, key: str) -> str:
    """Return a required non-empty string field, or reject with 400."""
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise _Reject(400, f"{key} is required")
    return value


def _flag(body: Json, key: str) -> bool:
    """Return a required boolean field, or reject with 400."""
    value = body.get(key)
    if not isinstance(value, bool):
        raise _Reject(400, f"{key} must be a boolean")
    return value


def _count(args: _Args, key: str, default: int) -> int:
    """Return a non-negative integer query parameter, or reject with 400."""
    raw = args.get(key)
    if raw is None:
        return default
    if not re.fullmatch(r"[0-9]{1,9}", raw):
        raise _Reject(400, f"invalid {key}")
    return int(raw)


def _url(value: Any, *, allow_empty: bool = False) -> bool:
    """Tell whether value is an http(s) URL (or "" where that switches a webhook off)."""
    if not isinstance(value, str):
        return False
    return (allow_empty and value == "") or value.startswith(("http://", "https://"))


class FakeSipgate:
    """In-memory sipgate account behind a Flask app mounted at /v2."""

    def __init__(
        self,
        token_id: str = "token-TEST01",
        token: str = "0b5c8b1e-3f6a-4c2d-9e7f-1a2b3c4d5e6f",
        *,
        account_type: str = "classic",
        seed: SipgateSeed | None = None,
    ) -> None:
        self._initial = (token_id, token, account_type)
        self.seed = seed if seed is not None else default_seed()
        self._lock = threading.RLock()
        self._in_flight = 0  # requests received but not yet answered (kept across reset())
        self._generation = 0  # bumped by reset(): a request from before it is not logged after
        # (method, regex, literal segment count, handler): "/sessions/sms" beats "/{userId}/sms"
        self._routes: list[tuple[str, re.Pattern[str], int, _Handler]] = [
            (method, _template(path, capture=True), path.count("/") - path.count("{"), handler)
            for method, path, handler in [
                ("GET", "/authorization/userinfo", self._get_userinfo),
                ("GET", "/users", self._get_users),
                ("GET", "/users/{userId}", self._get_user),
                ("GET", "/numbers", self._get_numbers),
                ("GET", "/groups", self._get_groups),
                ("GET", "/groups/{groupId}/users", self._get_group_users),
                ("GET", "/contacts", self._get_contacts),
                ("POST", "/sessions/calls", self._post_session_call),
                ("POST", "/sessions/sms", self._post_sms),
                ("POST", "/sessions/fax", self._post_fax),
                ("GET", "/history/{entryId}", self._get_history),
                ("GET", "/calls", self._get_calls),
                ("POST", "/calls", self._post_call),
                ("DELETE", "/calls/{callId}", self._hangup),
                ("PUT", "/calls/{callId}/hold", self._hold),
                ("PUT", "/calls/{callId}/muted", self._mute),
                ("PUT", "/calls/{callId}/recording", self._record),
                ("POST", "/calls/{callId}/dtmf", self._dtmf),
                ("POST", "/calls/{callId}/announcements", self._announce),
                ("POST", "/calls/{callId}/transfer", self._transfer),
                ("GET", "/settings/sipgateio", self._get_settings),
                ("PUT", "/settings/sipgateio", self._put_settings),
                ("GET", "/{userId}/devices", self._per_user("devices")),
                ("GET", "/{userId}/sms", self._per_user("sms")),
                ("GET", "/{userId}/faxlines", self._per_user("faxlines")),
                ("GET", "/{userId}/phonelines", self._per_user("phonelines")),
            ]
        ]
        self.app = flask.Flask(__name__)
        self.app.add_url_rule("/", "root", self._view, defaults={"path": ""}, methods=_METHODS)
        self.app.add_url_rule("/<path:path>", "any", self._view, methods=_METHODS)
        self.reset()

    # ----------------------------------------------------------------- test/demo helpers

    def reset(self) -> None:
        """Return to the seed state, the constructor's credentials and account type, real time."""
        with self._lock:
            self._generation += 1
            self.token_id, self.token, self.account_type = self._initial
            self.clock: Callable[[], float] = time.time
            state = copy.deepcopy(self.seed)
            self.userinfo, self.users, self.devices = state.userinfo, state.users, state.devices
            self.sms, self.faxlines, self.phonelines = state.sms, state.faxlines, state.phonelines
            self.numbers, self.groups, self.contacts = state.numbers, state.groups, state.contacts
            self.group_members, self.settings = state.group_members, state.settings
            self.sent_sms: list[Json] = []
            self.started_calls: list[Json] = []
            self.faxes: dict[str, Json] = {}
            self.history: dict[str, Json] = {}
            self.live_calls: dict[str, Json] = {}
            self.fax_progression: list[str] = ["PENDING", "SENDING", "SENT"]
            self._log: list[RecordedRequest] = []
            self._failures: list[_Rule] = []
            self._delays: list[_Rule] = []
            self._next_id = 100000001

    def requests(self, method: str | None = None, path: str | None = None) -> list[RecordedRequest]:
        """Return logged requests matching method and an exact or {templated} path."""
        with self._lock:
            log = list(self._log)
        wanted = method.upper() if method else "*"
        regex = _template(path) if path else None
        return [
            r
            for r in log
            if wanted in ("*", r.method) and (regex is None or regex.fullmatch(r.path))
        ]

    def assert_requested(
        self, method: str, path: str, count: int | None = None
    ) -> list[RecordedRequest]:
        """Return matching requests; else raise AssertionError listing every request received."""
        found = self.requests(method, path)
        if (count is None and found) or (count is not None and len(found) == count):
            return found
        expected = "at least 1" if count is None else str(count)
        received = [f"  {r.method} {r.path} -> {r.status}" for r in self.requests()]
        raise AssertionError(
            f"expected {expected} request(s) {method} {path}, got {len(found)}; received:\n"
            + ("\n".join(received) or "  (none)")
        )

    def fail(
        self,
        route: str,
        status: int,
        *,
        body: str = "",
        headers: dict[str, str] | None = None,
        times: int | None = None,
    ) -> None:
        """Answer requests matching route ("POST /sessions/sms", "* *") with status instead."""
        method, path = _parse_route(route)
        rule = _Rule(
            method, path, status=status, body=body, headers=dict(headers or {}), times=times
        )
        with self._lock:
            self._failures.insert(0, rule)

    def delay(self, route: str, seconds: float) -> None:
        """Sleep seconds before answering requests matching route."""
        method, path = _parse_route(route)
        with self._lock:
            self._delays.insert(0, _Rule(method, path, seconds=seconds))

    def clear_failures(self) -> None:
        """Remove every failure and delay switch."""
        with self._lock:
            self._failures.clear()
            self._delays.clear()

    def set_fax_status(self, session_id: str, status: str) -> None:
        """Pin a sent fax to status; it stops progressing."""
        if status not in FAX_STATUSES:
            raise ValueError(f"unknown fax status {status!r}")
        with self._lock:
            fax = self.faxes[session_id]
            fax["status"], fax["pinned"] = status, True
            self.history[session_id]["faxStatusType"] = status

    def add_live_call(self, call_id: str, *, participants: list[Json] | None = None) -> None:
        """Make call_id an established call that GET /calls lists and RTCM writes accept."""
        if participants is None:
            participants = [
                {"participantId": "0", "phoneNumber": "+4921112345670", "owner": True},
                {"participantId": "1", "phoneNumber": "+4915112345678", "owner": False},
            ]
        parts = [{"muted": False, "hold": False, "owner": False, **p} for p in participants]
        call = {"callId": call_id, "muted": False, "recording": False, "hold": False}
        with self._lock:
            self.live_calls[call_id] = {**call, "participants": parts}

    def add_contacts(self, contacts: list[Json]) -> None:
        """Append ContactResponse dicts (missing fields get empty defaults)."""
        defaults: Json = {"picture": None, "emails": [], "numbers": [], "addresses": []}
        with self._lock:
            for contact in contacts:
                item = {**defaults, "organization": [], "scope": "PRIVATE", **contact}
                item.setdefault("id", str(uuid.uuid4()))
                self.contacts.append(copy.deepcopy(item))

    # ----------------------------------------------------------------- request pipeline

    def in_flight(self) -> int:
        """How many requests are being answered right now (e.g. sleeping in a delay switch)."""
        with self._lock:
            return self._in_flight

    def _view(self, path: str) -> flask.Response:
        """Answer one request and log it, counting it as in flight meanwhile."""
        with self._lock:
            self._in_flight += 1
            flask.g.generation = self._generation
        try:
            return self._logged_answer(path)
        finally:
            with self._lock:
                self._in_flight -= 1

    def _logged_answer(self, path: str) -> flask.Response:
        """Answer one request and log it."""
        req = flask.request
        raw = req.get_data()
        full = "/" + path
        in_api = full == "/v2" or full.startswith("/v2/")
        rel = (full[3:] or "/") if in_api else full
        try:
            parsed: Any = json.loads(raw) if raw else None
            bad_json = False
        except ValueError:
            parsed, bad_json = None, True
        status, payload, headers = self._answer(req, rel, in_api, raw, bad_json, parsed)
        if isinstance(payload, dict | list):
            text, mimetype = json.dumps(payload), "application/json"
        else:
            text, mimetype = (
                ("" if payload is None or status == 204 else str(payload)),
                "text/plain",
            )
        record = RecordedRequest(
            method=req.method,
            path=rel,
            query=req.args.to_dict(flat=False),
            headers=dict(req.headers.items()),
            body=raw,
            json=parsed,
            status=status,
        )
        with self._lock:
            if flask.g.generation == self._generation:
                self._log.append(record)
        return flask.Response(text, status=status, mimetype=mimetype, headers=headers)

    def _answer(
        self, req: flask.Request, rel: str, in_api: bool, raw: bytes, bad_json: bool, body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        """Apply delay, failure switch, auth, routing, content type and handler, in that order."""
        method = req.method
        with self._lock:
            pause = next((d.seconds for d in self._delays if self._hit(d, method, rel)), 0.0)
        if pause > 0:
            time.sleep(pause)
            if flask.g.generation != self._generation:  # reset meanwhile: touch no new state
                return 503, "reset while delayed", {}
        with self._lock:
            failure = next((f for f in self._failures if self._hit(f, method, rel)), None)
            if failure is not None and failure.times is not None:
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
        if failure is not None:
            return failure.status, failure.body, failure.headers
        auth = req.authorization
        credentials = (auth.username, auth.password) if auth and auth.type == "basic" else None
        if credentials != (self.token_id, self.token):
            return 401, None, {}
        found = [(m, rx.fullmatch(rel), n, h) for m, rx, n, h in self._routes] if in_api else []
        best = max((n for _, match, n, _ in found if match), default=0)
        allowed = [(m, match, h) for m, match, n, h in found if match is not None and n == best]
        route = next(((match, h) for m, match, h in allowed if m == method), None)
        if route is None and allowed:
            return 405, "Method Not Allowed", {"Allow": ", ".join(m for m, _, _ in allowed)}
        if route is None:
            return 404, "Not Found", {}
        json_body = req.mimetype == "application/json"
        if method in ("POST", "PUT") and (raw or req.content_type) and not json_body:
            return 415, "Unsupported Media Type", {}
        if bad_json:
            return 400, "Invalid JSON", {}
        match, handler = route
        try:
            with self._lock:
                status, payload = handler(match.groupdict(), body, req.args)
                return status, copy.deepcopy(payload), {}
        except _Reject as reject:
            return reject.status, reject.message, {}

    @staticmethod
    def _hit(rule: _Rule, method: str, path: str) -> bool:
        """Tell whether a switch applies to this request."""
        return rule.method in ("*", method) and rule.path.fullmatch(path) is not None

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

    # ----------------------------------------------------------------- directory endpoints

    def _get_userinfo(self, p: dict[str, str], body: Any, args: _Args) -> tuple[int, Any]:
        return 200, self.userinfo

    def _get_users(self, p: dict[str, str], body: Any, args: _Args) -> tuple[int, Any]:
        return 200, {"items": self.users}

    def _get_user(self, p: dict[str, str], body: Any, args: _Args) -> tuple[int, Any]:
        return 200, self._user(p["userId"])

    def _per_user(self, kind: str) -> _Handler:
        """Build the GET /{userId}/<kind> handler (phonelines: 403 on neo, §18)."""

        def handler(p: dict[str, str], body: Any, args: _Args) -> tuple[int, Any]:
            if kind == "phonelines" and self.account_type == "neo":
                raise _Reject(403, "Forbidden")
            self._user(p["userId"])
            return 200, {"items": getattr(self, kind).get(p["userId"], [])}

        return handler

    def _get_numbers(self, p: dict[str, str], body: Any, args: _Args) -> tuple[int, Any]:
        offset = _count(args, "offset", 0)
        limit = _count(args, "limit", len(self.numbers))
        return 200, {
            "items": self.numbers[offset : offset + limit],
            "totalCount": len(self.numbers),
        }

    def _get_groups(self, p: dict[str, str], body: Any, args: _Args) -> tuple[int, Any]:
        if self.account_type == "neo":
            raise _Reject(403, "Forbidden")
        return 200, {"items": self.groups}

    def _get_group_users(self, p: dict[str, str], body: Any, args: _Args) -> tuple[int, Any]:
        if self.account_type == "neo":
            raise _Reject(403, "Forbidden")
        if p["groupId"] not in self.group_members:
            raise _Reject(404, "Group not found")
        return 200, {"items": [self._user(uid) for uid in self.group_members[p["groupId"]]]}

    def _get_contacts(self, p: dict[str, str], body: Any, args: _Args) -> tuple[int, Any]:
        limit, offset = _count(args, "limit", 5000), _count(args, "offset", 0)
        wanted = {_normalise(n) for n in args.getlist("phonenumbers") if n.strip()}
        if not wanted:
            return 200, {
                "items": self.contacts[offset : offset + limit],
                "totalCount": len(self.contacts),
            }
        items = [
            c for c in self.contacts if any(_normalise(n["number"]) in wanted for n in c["numbers"])
        ]
        return 200, {"items": items, "totalCount": len(items)}

    # ----------------------------------------------------------------- sessions

    def _check_device(self, device: Any) -> None:
        """Reject a deviceId that is not a string (400) or not an existing endpoint (403)."""
        if not isinstance(device, str) or not device:
            raise _Reject(400, "invalid deviceId")
        if not self._is_endpoint(device):
            raise _Reject(403, "User is not allowed to initiate call with given parameters")

    def _post_session_call(self, p: dict[str, str], body: Any, args: _Args) -> tuple[int, Any]:
        if self.account_type == "neo":
            raise _Reject(403, "Forbidden")
        b = _obj(body)
        caller, callee, device = _text(b, "caller"), _text(b, "callee"), b.get("deviceId")
        if not _plausible(callee):
            raise _Reject(400, "User supplied invalid callee number")
        if "callerId" in b and not _plausible(b["callerId"]):
            raise _Reject(400, "invalid callerId")
        if _EXTENSION.fullmatch(caller):
            if not self._is_endpoint(caller):
                raise _Reject(403, "User is not allowed to initiate call with given parameters")
        elif not _plausible(caller):
            raise _Reject(400, "User supplied invalid caller number")
        elif device is None:
            raise _Reject(400, "DeviceId is required if caller is a phone number")
        if device is not None:
            self._check_device(device)
        session_id = uuid.uuid4().hex.upper()
        self.started_calls.append({**b, "sessionId": session_id, "endpoint": "/sessions/calls"})
        return 200, {"sessionId": session_id}

    def _post_call(self, p: dict[str, str], body: Any, args: _Args) -> tuple[int, Any]:
        if self.account_type != "neo":
            raise _Reject(403, "Forbidden")
        b = _obj(body)
        device, target = _text(b, "deviceId"), _text(b, "targetNumber")
        if not _plausible(target):
            raise _Reject(400, "invalid targetNumber")
        if "callerId" in b and not _plausible(b["callerId"]):
            raise _Reject(400, "invalid callerId")
        if "channelId" in b and not isinstance(b["channelId"], str):
            raise _Reject(400, "invalid channelId")
        self._check_device(device)
        call_id = uuid.uuid4().hex.upper()
        self.started_calls.append(
            {**b, "sessionId": call_id, "callId": call_id, "endpoint": "/calls"}
        )
        return 200, {"callId": call_id}

    def _post_sms(self, p: dict[str, str], body: Any, args: _Args) -> tuple[int, Any]:
        b = _obj(body)
        sms_id = b.get("smsId")
        if not isinstance(sms_id, str) or not _SMS_ID.fullmatch(sms_id):
            raise _Reject(400, "invalid smsId")
        owner = next(
            (u for u, items in self.sms.items() if any(i["id"] == sms_id for i in items)), None
        )
        if owner is None:
            raise _Reject(403, "Invalid SMS extension")
        if not _plausible(b.get("recipient")):
            raise _Reject(400, "invalid recipient")
        message = b.get("message")
        if not isinstance(message, str) or not message.strip():
            raise _Reject(400, "message must not be empty")
        if len(message) > MAX_SMS_LENGTH:
            raise _Reject(400, "message too long")
        send_at = b.get("sendAt")
        if send_at is not None:
            if isinstance(send_at, bool) or not isinstance(send_at, int):
                raise _Reject(400, "sendAt must be an integer")
            now = self.clock()
            if not now < send_at <= now + _SCHEDULE_LIMIT:
                raise _Reject(400, "sendAt must be in the future and at most 30 days ahead")
        entry = self._new_entry("SMS", sms_id, "SMS", owner, b["recipient"])
        entry.update(smsContent=message, scheduled=None if send_at is None else _iso(send_at))
        self.sent_sms.append({**b, "id": entry["id"]})
        return 204, None

    def _post_fax(self, p: dict[str, str], body: Any, args: _Args) -> tuple[int, Any]:
        b = _obj(body)
        line_id, recipient = _text(b, "faxlineId"), _text(b, "recipient")
        _text(b, "filename")
        content = _text(b, "base64Content")
        if len(content) > MAX_FAX_BASE64:
            raise _Reject(400, "base64Content too large")
        try:
            data = base64.b64decode(content, validate=True)
        except (binascii.Error, ValueError):
            raise _Reject(400, "invalid base64Content") from None
        owner, line = next(
            ((u, i) for u, items in self.faxlines.items() for i in items if i["id"] == line_id),
            ("", None),
        )
        if line is None or not line["canSend"]:
            raise _Reject(403, "Forbidden")
        if not _plausible(recipient):
            raise _Reject(407, "invalid recipient")
        pdf = data.startswith(b"%PDF-")
        status = self._progression(pdf)[0]
        entry = self._new_entry("FAX", line_id, "FAX", owner, recipient)
        base = f"https://secure.live.sipgate.de/download/{uuid.uuid4().hex}"
        entry.update(
            faxStatusType=status,
            pageCount=max(1, len(_PAGE.findall(data))),
            documentUrl=f"{base}/fax-{entry['id']}.pdf",
            reportUrl=f"{base}/report.pdf",
            previewUrl=f"{base}/preview_small_1.jpg",
            scheduled=None,
        )
        request = {k: v for k, v in b.items() if k != "base64Content"} | {"size": len(data)}
        self.faxes[entry["id"]] = {
            "request": request,
            "status": status,
            "pdf": pdf,
            "polls": 0,
            "pinned": False,
        }
        return 200, {"sessionId": entry["id"]}

    def _progression(self, pdf: bool) -> list[str]:
        """Return the status steps a fax goes through; non-PDF content always ends FAILED."""
        steps = list(self.fax_progression) or ["PENDING"]
        return steps if pdf else [s for s in steps if s not in ("SENT", "FAILED")] + ["FAILED"]

    def _get_history(self, p: dict[str, str], body: Any, args: _Args) -> tuple[int, Any]:
        entry = self.history.get(p["entryId"])
        if entry is None:
            raise _Reject(404, "Not Found")
        fax = self.faxes.get(p["entryId"])
        if fax is not None and not fax["pinned"]:
            steps = self._progression(fax["pdf"])
            fax["status"] = steps[min(fax["polls"], len(steps) - 1)]
            fax["polls"] += 1
            if entry["faxStatusType"] != fax["status"]:
                entry.update(faxStatusType=fax["status"], lastModified=_iso(self.clock()))
        return 200, entry

    # ----------------------------------------------------------------- RTCM and settings

    def _get_calls(self, p: dict[str, str], body: Any, args: _Args) -> tuple[int, Any]:
        return 200, {"data": list(self.live_calls.values())}

    def _hangup(self, p: dict[str, str], body: Any, args: _Args) -> tuple[int, Any]:
        self._live(p["callId"])
        del self.live_calls[p["callId"]]
        return 204, None

    def _hold(self, p: dict[str, str], body: Any, args: _Args) -> tuple[int, Any]:
        value = _flag(_obj(body), "value")
        self._live(p["callId"])["hold"] = value
        return 204, None

    def _mute(self, p: dict[str, str], body: Any, args: _Args) -> tuple[int, Any]:
        value = _flag(_obj(body), "value")
        call = self._live(p["callId"])
        call["muted"] = value
        for participant in call["participants"]:
            if participant.get("owner"):
                participant["muted"] = value
        return 204, None

    def _record(self, p: dict[str, str], body: Any, args: _Args) -> tuple[int, Any]:
        b = _obj(body)
        value, _ = _flag(b, "value"), _flag(b, "announcement")
        self._live(p["callId"])["recording"] = value
        return 204, None

    def _dtmf(self, p: dict[str, str], body: Any, args: _Args) -> tuple[int, Any]:
        sequence = _obj(body).get("sequence")
        if not isinstance(sequence, str) or not _DTMF.fullmatch(sequence):
            raise _Reject(400, "invalid sequence")
        self._live(p["callId"])
        return 204, None

    def _announce(self, p: dict[str, str], body: Any, args: _Args) -> tuple[int, Any]:
        if not _url(_obj(body).get("url")):
            raise _Reject(400, "invalid url")
        self._live(p["callId"])
        return 204, None

    def _transfer(self, p: dict[str, str], body: Any, args: _Args) -> tuple[int, Any]:
        b = _obj(body)
        _flag(b, "attended")
        if not _plausible(b.get("phoneNumber")):
            raise _Reject(400, "invalid phoneNumber")
        if "callerId" in b and not _plausible(b["callerId"]):
            raise _Reject(400, "invalid callerId")
        self._live(p["callId"])
        return 204, None

    def _get_settings(self, p: dict[str, str], body: Any, args: _Args) -> tuple[int, Any]:
        return 200, self.settings

    def _put_settings(self, p: dict[str, str], body: Any, args: _Args) -> tuple[int, Any]:
        b = _obj(body)
        for key in ("incomingUrl", "outgoingUrl"):
            if not _url(b.get(key), allow_empty=True):
                raise _Reject(400, f"{key} must be an http(s) URL")
        if not isinstance(b.get("log", False), bool):
            raise _Reject(400, "log must be a boolean")
        whitelist = b.get("whitelist")
        if whitelist is not None and not (
            isinstance(whitelist, list) and all(isinstance(i, str) for i in whitelist)
        ):
            raise _Reject(400, "whitelist must be a list of ids")
        keep = {k: self.settings[k] for k in ("log", "whitelist") if k not in b}
        self.settings = {
            k: b[k] for k in ("incomingUrl", "outgoingUrl", "log", "whitelist") if k in b
        }
        self.settings.update(keep)
        return 204, None
