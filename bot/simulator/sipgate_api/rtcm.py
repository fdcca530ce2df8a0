"""The fake sipgate API's live-call control (RTCM) and webhook settings endpoints."""

from __future__ import annotations

from typing import Any

from bot.simulator.sipgate_api.state import _SipgateState
from bot.simulator.sipgate_api.validation import (
    _DTMF,
    _Args,
    _flag,
    _obj,
    _plausible,
    _Reject,
    _url,
)


class _CallControlEndpoints(_SipgateState):
    """Hang up, hold, mute, record, DTMF, announce and transfer live calls; webhook settings."""

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
