"""How the fake sipgate API answers and logs a request (the Flask views of FakeSipgate)."""

from __future__ import annotations

import copy
import json
import time
from typing import Any

import flask

from bot.simulator.sipgate_api.routing import RecordedRequest, _Rule
from bot.simulator.sipgate_api.state import _SipgateState
from bot.simulator.sipgate_api.validation import _Reject


class _RequestPipeline(_SipgateState):
    """Delay, failure switch, auth, routing, content type, handler and log, for every request."""

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
