"""Hand Flask requests to Bolt, working around Bolt 1.30.0's "payload" defect (slack-bolt.md §12).

Bolt's `parse_body` treats any form body containing the substring "payload" as an interactive
payload and returns `{}` when there is no `payload` field, so `/sms +49… the payload is ready`
would be dropped with a 404. We parse such slash-command bodies ourselves. The signature is still
verified by Bolt over the untouched raw body.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from flask import Request, Response
from slack_bolt import App, BoltRequest
from slack_bolt.adapter.flask.handler import to_flask_response
from slack_bolt.context import BoltContext
from slack_bolt.request.internals import build_context


def to_bolt_request(request: Request) -> BoltRequest:
    """Build the BoltRequest for a Flask request, fixing slash commands that mention "payload"."""
    raw = request.get_data(as_text=True)
    bolt_request = BoltRequest(
        body=raw, query=request.query_string.decode("utf-8"), headers=dict(request.headers)
    )
    if not bolt_request.body and raw and not raw.startswith("{"):
        params = dict(parse_qsl(raw, keep_blank_values=True))
        if params and "payload" not in params:
            bolt_request.body = params
            bolt_request.context = build_context(BoltContext({}), params)
    return bolt_request


def dispatch(bolt_app: App, request: Request) -> Response:
    """Run one Slack request through Bolt and return the Flask response."""
    return to_flask_response(bolt_app.dispatch(to_bolt_request(request)))
