"""What the page shows, read from the fakes' recorded state: messages, modals, the sipgate log."""

from __future__ import annotations

import base64
import json
import threading
import time
from typing import Any

from bot.simulator.sipgate_api import FakeSipgate, RecordedRequest
from bot.simulator.slack_api import FakeSlack

Json = dict[str, Any]
LOG_LIMIT = 200


def initials(name: str) -> str:
    """Up to two initials for an avatar."""
    parts = [p for p in name.replace(".", " ").split() if p]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


class ViewTracker:
    """Which modal each person has open: the latest view opened with their trigger, not closed."""

    def __init__(self, fake: FakeSlack, triggers: dict[str, str]) -> None:
        self.fake = fake
        self.triggers = triggers
        self.closed: set[str] = set()
        self.replaced: dict[str, Json] = {}  # view id -> a view the bot sent in response_action
        self._lock = threading.Lock()

    def open_view(self, user: str) -> Json | None:
        """The modal on top for `user`, or None."""
        owners: dict[str, str] = {}
        latest: dict[str, tuple[int, Json]] = {}
        for order, record in enumerate(list(self.fake.views)):
            view_id = record["view_id"]
            owner = self.triggers.get(record.get("trigger_id") or "", owners.get(view_id))
            if owner is None:
                continue
            owners[view_id] = owner
            latest[view_id] = (order, record["view"])
        with self._lock:
            for view_id, view in self.replaced.items():
                if view_id in latest:
                    latest[view_id] = (len(self.fake.views) + 1, view)
            mine = [
                (order, view)
                for view_id, (order, view) in latest.items()
                if owners.get(view_id) == user and view_id not in self.closed
            ]
        return max(mine, key=lambda item: item[0])[1] if mine else None

    def close(self, view_id: str) -> None:
        """The person closed (or successfully submitted) this modal."""
        with self._lock:
            self.closed.add(view_id)

    def replace(self, view_id: str, view: Json) -> None:
        """The bot answered a submission with `response_action: update`."""
        with self._lock:
            self.replaced[view_id] = {**view, "id": view_id}


class SipgateLog:
    """A readable log of what the bot asked sipgate to do (writes and fax status checks)."""

    def __init__(self, fake: FakeSipgate) -> None:
        self.fake = fake
        self._seen: list[float] = []
        self._lock = threading.Lock()

    def entries(self) -> list[Json]:
        """The log, newest first."""
        requests = self.fake.requests()
        with self._lock:
            now = time.time()
            self._seen.extend(now for _ in range(len(requests) - len(self._seen)))
            stamps = list(self._seen)
        out = []
        for stamp, request in zip(stamps, requests, strict=False):
            text = describe(request)
            if text is not None:
                ok = request.status < 300
                out.append({"at": stamp, "text": text, "status": request.status, "ok": ok})
        return out[::-1][:LOG_LIMIT]

    def faxes(self) -> list[Json]:
        """The faxes sent, with their current status at sipgate, newest first."""
        out = []
        for session_id, fax in list(self.fake.faxes.items()):
            request = fax["request"]
            out.append(
                {
                    "id": session_id,
                    "recipient": request.get("recipient", ""),
                    "filename": request.get("filename", ""),
                    "line": request.get("faxlineId", ""),
                    "status": fax["status"],
                    "polls": fax["polls"],
                }
            )
        return out[::-1]


def describe(request: RecordedRequest) -> str | None:
    """One line for a request that did something (None: a plain read we leave out)."""
    body = request.json if isinstance(request.json, dict) else {}
    path, method = request.path, request.method
    if method == "GET":
        if path.startswith("/history/"):
            return f"Fax status asked for {path.removeprefix('/history/')}"
        return None
    if path in ("/sessions/calls", "/calls") and method == "POST":
        device = body.get("deviceId") or body.get("caller", "")
        callee = body.get("callee") or body.get("targetNumber", "")
        return f"Call started: ring {device}, then dial {callee}"
    if path == "/sessions/sms":
        when = body.get("sendAt")
        scheduled = f", scheduled for {_utc(when)}" if isinstance(when, int) else ""
        text = json.dumps(str(body.get("message", "")), ensure_ascii=False)
        return f"SMS from {body.get('smsId', '')} to {body.get('recipient', '')}{scheduled}: {text}"
    if path == "/sessions/fax":
        size = _fax_size(body.get("base64Content"))
        return (
            f"Fax from {body.get('faxlineId', '')} to {body.get('recipient', '')}: "
            f"{body.get('filename', '')} ({size})"
        )
    return _describe_call_control(method, path, body)


def _describe_call_control(method: str, path: str, body: Json) -> str:
    """Hold, mute, record, hang up and the other RTCM requests (§10)."""
    parts = path.strip("/").split("/")
    if len(parts) >= 2 and parts[0] == "calls":
        call = parts[1]
        verb = parts[2] if len(parts) > 2 else ""
        value = body.get("value")
        if method == "DELETE" and not verb:
            return f"Hang up call {call}"
        if verb == "hold":
            return f"{'Hold' if value else 'Resume'} call {call}"
        if verb == "muted":
            return f"{'Mute' if value else 'Unmute'} call {call}"
        if verb == "recording":
            return f"{'Start' if value else 'Stop'} recording call {call}"
        return f"{method} {path}"
    return f"{method} {path}"


def _utc(stamp: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(stamp))


def _fax_size(content: Any) -> str:
    if not isinstance(content, str):
        return "no content"
    try:
        size = len(base64.b64decode(content))
    except ValueError:
        return "invalid content"
    return f"{size / 1024:.1f} KB"
