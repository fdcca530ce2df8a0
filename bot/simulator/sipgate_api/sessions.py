"""The fake sipgate API's session endpoints: calls, SMS, fax and the history they leave."""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Any

from bot.simulator.sipgate_api.state import _SipgateState
from bot.simulator.sipgate_api.validation import (
    _EXTENSION,
    _PAGE,
    _SCHEDULE_LIMIT,
    _SMS_ID,
    MAX_FAX_BASE64,
    MAX_SMS_LENGTH,
    _Args,
    _iso,
    _obj,
    _plausible,
    _Reject,
    _text,
)


class _SessionEndpoints(_SipgateState):
    """Start calls (both account types), send SMS and faxes, and read their history entries."""

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
