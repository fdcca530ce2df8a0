"""FakeSipgate: the in-memory account, its Flask app and the helpers tests and the demo use."""

from __future__ import annotations

import copy
import re
import threading
import time
import uuid
from collections.abc import Callable

import flask

from bot.simulator.sipgate_api.directory import _DirectoryEndpoints
from bot.simulator.sipgate_api.pipeline import _RequestPipeline
from bot.simulator.sipgate_api.routing import (
    _METHODS,
    RecordedRequest,
    _Handler,
    _parse_route,
    _Rule,
    _template,
)
from bot.simulator.sipgate_api.rtcm import _CallControlEndpoints
from bot.simulator.sipgate_api.sessions import _SessionEndpoints
from bot.simulator.sipgate_api.validation import FAX_STATUSES
from bot.simulator.sipgate_seed import Json, SipgateSeed, default_seed


class FakeSipgate(_RequestPipeline, _DirectoryEndpoints, _SessionEndpoints, _CallControlEndpoints):
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
        self.app = flask.Flask(__package__ or __name__)
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
