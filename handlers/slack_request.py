"""Hand Flask requests to Bolt, working around Bolt 1.30.0's "payload" defect (slack-bolt.md §12).

Bolt's `parse_body` treats any form body containing the substring "payload" as an interactive
payload and returns `{}` when there is no `payload` field, so `/sms +49… the payload is ready`
would be dropped with a 404. We parse such slash-command bodies ourselves. The signature is still
verified by Bolt over the untouched raw body.

Bolt and our listeners also assume payloads shaped as Slack sends them; anything else (a list, a
block action without actions, a view without a type) would raise inside Bolt and answer 500. Such
requests reach Bolt marked malformed, so they are still signature-checked (401) and then get 400.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import parse_qsl

from flask import Request, Response
from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.flask.handler import to_flask_response
from slack_bolt.context import BoltContext
from slack_bolt.request.internals import build_context

logger = logging.getLogger(__name__)

# Marks a request whose payload is not shaped as Slack documents it (reject_malformed: 400).
MALFORMED = "sipgate_slack.malformed"
# What listeners and Bolt's own payload helpers rely on, per payload type (docs.slack.dev,
# "Interaction payloads"): a `user.id`, the routing key, and a trigger id where Slack sends one.
_REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    "block_actions": (("user", "id"), ("trigger_id",)),
    "view_submission": (("user", "id"), ("view", "callback_id"), ("view", "type")),
    "view_closed": (("user", "id"), ("view", "callback_id"), ("view", "type")),
    "shortcut": (("user", "id"), ("callback_id",), ("trigger_id",)),
    "message_action": (("user", "id"), ("callback_id",), ("trigger_id",), ("response_url",)),
    "event_callback": (("event", "type"),),
    "url_verification": (),
    "app_rate_limited": (),
}


def to_bolt_request(request: Request) -> BoltRequest:
    """Build the BoltRequest for a Flask request, fixing slash commands that mention "payload"."""
    raw = request.get_data(as_text=True)
    query = request.query_string.decode("utf-8")
    headers: dict[str, str | Sequence[str]] = dict(request.headers)
    if not _well_formed(_payload_of(raw)):
        return _malformed(raw, query, headers)
    try:
        bolt_request = BoltRequest(body=raw, query=query, headers=headers)
    except (AttributeError, TypeError, ValueError, KeyError):
        # Bolt's context extraction assumes Slack's shapes (a dict `team`, `channel`, …).
        return _malformed(raw, query, headers)
    if not bolt_request.body and raw and not raw.startswith("{"):
        params = dict(parse_qsl(raw, keep_blank_values=True))
        if params and "payload" not in params:
            bolt_request.body = params
            bolt_request.context = build_context(BoltContext({}), params)
    return bolt_request


def dispatch(bolt_app: App, request: Request) -> Response:
    """Run one Slack request through Bolt and return the Flask response."""
    return to_flask_response(bolt_app.dispatch(to_bolt_request(request)))


def reject_malformed(body: dict[str, Any], next: Callable[[], None]) -> BoltResponse | None:
    """Bolt middleware, after Bolt's signature check: 400 for a payload marked malformed."""
    if not body.get(MALFORMED):
        next()
        return None
    logger.warning("Refused a signed Slack request whose payload is not shaped as Slack sends it")
    return BoltResponse(status=400, body="malformed Slack payload")


def _malformed(raw: str, query: str, headers: dict[str, str | Sequence[str]]) -> BoltRequest:
    """A request Bolt can still verify (the raw body is kept) but no listener will parse."""
    bolt_request = BoltRequest(body="", query=query, headers=headers)
    bolt_request.raw_body = raw
    bolt_request.body = {MALFORMED: True}
    return bolt_request


def _payload_of(raw: str) -> Any:
    """The JSON body, the decoded `payload` field, or the form; None when undecodable."""
    try:
        if raw.startswith("{"):
            return json.loads(raw)
        form = dict(parse_qsl(raw, keep_blank_values=True))
        return json.loads(form["payload"]) if "payload" in form else form
    except ValueError:
        return None


def _well_formed(payload: Any) -> bool:
    if not isinstance(payload, dict):
        return False
    if "command" in payload:
        return all(payload.get(k) for k in ("user_id", "trigger_id", "response_url"))
    if not isinstance(payload.get("response_url", ""), str):
        return False
    if not isinstance(payload.get("view", {}), dict):  # Bolt's logging reads view.type
        return False
    kind = payload.get("type")
    if kind is None:  # a plain form such as ssl_check (all strings); no listener matches it
        return all(isinstance(v, str) for v in payload.values())
    required = _REQUIRED.get(kind) if isinstance(kind, str) else None
    if required is None:
        return False
    if kind == "block_actions":
        actions = payload.get("actions")
        if not isinstance(actions, list) or not actions:
            return False
        if not all(_well_formed_action(a) for a in actions):
            return False
    return all(_has_text(payload, path) for path in required)


def _well_formed_action(action: Any) -> bool:
    """An action has a string action_id, and a button's `value` is a string when present."""
    return (
        isinstance(action, dict)
        and isinstance(action.get("action_id"), str)
        and isinstance(action.get("value", ""), str)
    )


def _has_text(payload: dict[str, Any], path: tuple[str, ...]) -> bool:
    value: Any = payload
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return isinstance(value, str) and bool(value)
