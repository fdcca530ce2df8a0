"""Reading a fake Slack Web API request: the bearer token and the arguments (slack-bolt.md §6.2)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from flask import request


def _bearer(header: str | None) -> str | None:
    """Return the token from an `Authorization: Bearer …` header."""
    if header and header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


def _read_args() -> tuple[dict[str, Any], bool, dict[str, Any] | None]:
    """Read the request's arguments: (args, sent_as_json, error body or None)."""
    args: dict[str, Any] = dict(request.args.items())
    if request.method == "GET":
        return args, False, None
    if request.mimetype == "multipart/form-data":
        args.update(request.form.items())
        return args, False, None
    raw = request.get_data()
    if not request.headers.get("Content-Type"):
        return args, False, ({"ok": False, "error": "missing_post_type"} if raw else None)
    if request.mimetype == "application/x-www-form-urlencoded":
        args.update(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        return args, False, None
    if request.mimetype != "application/json":
        return args, False, {"ok": False, "error": "invalid_post_type"}
    if not raw.strip():
        return args, True, None
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return args, True, {"ok": False, "error": "invalid_json"}
    args.update(body)
    return args, True, None
