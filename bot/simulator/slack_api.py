"""Fake Slack as a Flask app: Web API at /api/<method>, response URLs, private file downloads.

It rejects what Slack rejects (slack-bolt.md §6.2): missing or wrong tokens, unsupported content
types, unknown channels, invalid Block Kit, reused trigger ids and response URLs. It keeps an
in-memory workspace (channels, messages, ephemerals, DMs, views) that tests and the demo read,
logs every call, and has switches for rate limits, outages and slow answers.
"""

from __future__ import annotations

import copy
import json
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, request

from bot.simulator.slack_args import _bearer, _read_args
from bot.simulator.slack_records import ApiCall, ResponseUrlPost, _Failure, _ResponseTarget
from bot.simulator.slack_seed import SlackSeed, default_seed, file_object, file_slug
from bot.simulator.slack_workspace import Message, Workspace

__all__ = ["ApiCall", "FakeSlack", "Message", "ResponseUrlPost"]

JSON_TYPE = "application/json; charset=utf-8"
RESPONSE_URL_KINDS = ("commands", "actions", "app")
RESPONSE_URL_USES = 5  # "up to 5 times within 30 minutes" (slack-bolt.md §2.4)
RESPONSE_URL_LIFETIME = 30 * 60
# Slack answers an unauthorised file download with its sign-in page, not an error (§3.3).
_LOGIN_PAGE = (
    "<!DOCTYPE html><html><head><title>Slack</title></head><body>"
    '<form id="signin_form" method="post"><h1>Sign in to your workspace</h1>'
    '<input type="email" name="email"><input type="password" name="password"></form>'
    "</body></html>"
)


class FakeSlack:
    """A Slack workspace behind a fake Web API; serve `app` with bot.simulator.http.serve."""

    def __init__(
        self, bot_token: str = "xoxb-test-0000-token", *, seed: SlackSeed | None = None
    ) -> None:
        self.bot_token = bot_token
        self.seed = seed or default_seed()
        self.downloads: list[dict[str, Any]] = []
        self._lock = threading.RLock()
        self._serial = 0
        self._generation = 0  # bumped by reset(): calls begun before it are not recorded
        self._calls: list[ApiCall] = []
        self._posts: list[ResponseUrlPost] = []
        self._targets: dict[str, _ResponseTarget] = {}
        self._failures: list[_Failure] = []
        self._delays: dict[str, float] = {}
        self.workspace = Workspace(self.seed)
        self.users = self.workspace.users
        self.channels = self.workspace.channels
        self.views = self.workspace.views
        self.reset()
        self.app = self._build_app()

    # ----- test and demo API -------------------------------------------------------------------

    def reset(self) -> None:
        """Return to the seed: clear messages, logs, switches, views and files added by tests."""
        with self._lock:
            self._generation += 1
            self.workspace.reset()
            for collection in (self.downloads, self._calls, self._posts, self._failures):
                collection.clear()
            self._delays.clear()
            self._targets.clear()

    def calls(self, method: str | None = None) -> list[ApiCall]:
        """Return the Web API calls received (all, or those of one method), oldest first."""
        with self._lock:
            return [copy.deepcopy(c) for c in self._calls if method in (None, c.method)]

    def assert_called(
        self, method: str, count: int | None = None, **arg_filters: Any
    ) -> list[ApiCall]:
        """Return the calls of `method` whose args match; fail listing every call otherwise."""
        matches = [
            call
            for call in self.calls(method)
            if all(
                value(call.args.get(key)) if callable(value) else call.args.get(key) == value
                for key, value in arg_filters.items()
            )
        ]
        if (count is None and matches) or len(matches) == count:
            return matches
        received = [
            f"  {c.method} {json.dumps(c.args, default=str)[:300]} -> {c.status} "
            f"{c.response.get('error', 'ok')}"
            for c in self.calls()
        ]
        wanted = "at least one" if count is None else str(count)
        raise AssertionError(
            f"expected {wanted} {method} call(s) matching {arg_filters!r}, got {len(matches)}."
            " Calls received:\n" + ("\n".join(received) or "  (none)")
        )

    def response_posts(self, kind: str | None = None) -> list[ResponseUrlPost]:
        """Return the POSTs to response URLs (all, or of one kind), oldest first."""
        with self._lock:
            return [copy.deepcopy(p) for p in self._posts if kind in (None, p.kind)]

    def response_url(
        self,
        base_url: str,
        kind: str = "commands",
        *,
        message: tuple[str, str] | None = None,
        user: str | None = None,
        channel: str | None = None,
    ) -> str:
        """Issue a fresh response URL on this fake, optionally tied to a message and user."""
        if kind not in RESPONSE_URL_KINDS:
            raise ValueError(f"kind must be one of {RESPONSE_URL_KINDS}, not {kind!r}")
        with self._lock:
            self._serial += 1
            path = f"/{kind}/{self.seed.team_id}/{7712345600000 + self._serial}/"
            path += secrets.token_hex(12)
            channel = channel or (message[0] if message else None)
            self._targets[path] = _ResponseTarget(kind, channel, user, message)
        return base_url.rstrip("/") + path

    def messages(self, channel: str) -> list[Message]:
        """Return the messages in a channel (or in the DM with a user id) in ts order."""
        with self._lock:
            if channel in self.users:
                channel = self.workspace.dm_channel(channel)
            return copy.deepcopy(self.workspace.messages.get(channel, []))

    def ephemerals(self, user: str | None = None) -> list[dict[str, Any]]:
        """Return the ephemeral messages shown (to one user, or to anyone), oldest first."""
        with self._lock:
            shown = [e for e in self.workspace.ephemerals if not e["deleted"]]
            return [copy.deepcopy(e) for e in shown if user in (None, e["user"])]

    def dm_channel(self, user_id: str) -> str:
        """Return the id of the bot's DM channel with a user ("D…"), opening it if needed."""
        with self._lock:
            return self.workspace.dm_channel(user_id)

    def fail(
        self,
        method: str,
        *,
        error: str | None = None,
        status: int = 200,
        retry_after: int | None = None,
        times: int | None = None,
        timeout: float | None = None,
    ) -> None:
        """Make calls to `method` ("*" for all) fail: an error, an HTTP status, a 429, a hang."""
        with self._lock:
            self._failures.insert(0, _Failure(method, error, status, retry_after, times, timeout))

    def delay(self, method: str, seconds: float) -> None:
        """Answer calls to `method` ("*" for all) normally, but `seconds` late."""
        with self._lock:
            self._delays[method] = seconds

    def clear_failures(self) -> None:
        """Switch off every failure and delay set by fail() and delay()."""
        with self._lock:
            self._failures.clear()
            self._delays.clear()

    def add_file(
        self,
        base_url: str,
        *,
        file_id: str,
        name: str,
        content: bytes,
        mimetype: str = "application/pdf",
        filetype: str = "pdf",
        user: str = "U07ALICE9Z",
    ) -> dict[str, Any]:
        """Store a file and return its Slack file object, with URLs on this fake."""
        info = file_object(
            base_url,
            file_id=file_id,
            name=name,
            size=len(content),
            mimetype=mimetype,
            filetype=filetype,
            user=user,
            created=int(time.time()),
            team_id=self.seed.team_id,
            team_domain=self.seed.team_domain,
        )
        with self._lock:
            self.workspace.files[file_id] = info
            self.workspace.file_bytes[file_id] = content
        return copy.deepcopy(info)

    def add_user(self, user: dict[str, Any]) -> None:
        """Add (or replace) a user, given in the users.info shape."""
        with self._lock:
            self.users[user["id"]] = copy.deepcopy(user)

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Poll `predicate` until it is true; fail with the calls received after `timeout`."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() >= deadline:
                methods = [f"{c.method} -> {c.response.get('error', 'ok')}" for c in self.calls()]
                raise AssertionError(f"condition not met within {timeout}s; calls: {methods}")
            time.sleep(0.01)

    # ----- HTTP ---------------------------------------------------------------------------------

    def _build_app(self) -> Flask:
        """Create the Flask app with the Web API, response-URL and file routes."""
        app = Flask(__name__)
        app.add_url_rule("/api/<method>", "api", self._handle_api, methods=["GET", "POST"])
        app.add_url_rule(
            "/<any(commands, actions, app):kind>/<path:rest>",
            "response_url",
            self._handle_response_url,
            methods=["POST"],
        )
        app.add_url_rule(
            "/files-pri/<team_file>/download/<name>",
            "download",
            self._handle_download,
            defaults={"attachment": True},
        )
        app.add_url_rule(
            "/files-pri/<team_file>/<name>",
            "file",
            self._handle_download,
            defaults={"attachment": False},
        )
        return app

    def _handle_api(self, method: str) -> Response:
        """Answer one Web API call; sleeps for delays and hangs happen outside the lock."""
        args, as_json, problem = _read_args()
        generation = self._generation
        token = _bearer(request.headers.get("Authorization"))
        if token is None and not as_json:  # Slack ignores a token inside a JSON body
            token = args.get("token") or None
        failure, delay, headers = None, 0.0, {}
        if problem is None and method not in self.workspace.methods:
            problem = {"ok": False, "error": "unknown_method", "req_method": method}
        elif problem is None and token is None:
            problem = {"ok": False, "error": "not_authed"}
        elif problem is None and token != self.bot_token:
            problem = {"ok": False, "error": "invalid_auth"}
        elif problem is None:
            failure, delay = self._take_failure(method)
            headers = {"x-oauth-scopes": ",".join(self.seed.scopes)}
        if failure is not None and failure.timeout:
            time.sleep(failure.timeout)
        status, body = 200, problem
        answer = failure.answer() if failure is not None else None
        if answer is not None:
            status, body, extra = answer
            headers.update(extra)
        with self._lock:
            if generation != self._generation:
                # Begun before a reset (a hang outliving its test): it belongs to no one now,
                # so it neither changes the fresh workspace nor shows up in its call log.
                body = body or {"ok": False, "error": "fatal_error"}
                return Response(json.dumps(body), 500, headers, content_type=JSON_TYPE)
            if body is None:
                body = self.workspace.call(method, args)
            self._calls.append(
                ApiCall(
                    method,
                    args,
                    dict(request.headers.items()),
                    request.headers.get("Content-Type", ""),
                    copy.deepcopy(body),
                    status,
                )
            )
        if delay:
            time.sleep(delay)
        return Response(json.dumps(body), status, headers, content_type=JSON_TYPE)

    def _take_failure(self, method: str) -> tuple[_Failure | None, float]:
        """Return the failure switch that applies to this call (using up one of its times)."""
        with self._lock:
            delay = self._delays.get(method, self._delays.get("*", 0.0))
            for failure in self._failures:
                if failure.method in (method, "*"):
                    if failure.times is not None:
                        failure.times -= 1
                        if failure.times <= 0:
                            self._failures.remove(failure)
                    return failure, delay
            return None, delay

    def _handle_response_url(self, kind: str, rest: str) -> Response:
        """Accept a POST to a response URL: validate, record, apply to the workspace."""
        path = f"/{kind}/{rest}"
        try:
            body = json.loads(request.get_data() or b"null")
        except ValueError:
            body = None
        with self._lock:
            target = self._targets.setdefault(path, _ResponseTarget(kind))
            if not isinstance(body, dict):
                status, answer, body = 400, "invalid_payload", {}
            elif target.uses >= RESPONSE_URL_USES:
                status, answer = 404, "used_url"
            elif time.monotonic() - target.created > RESPONSE_URL_LIFETIME:
                status, answer = 404, "expired_url"
            else:
                problem = self.workspace.apply_response(
                    body, channel=target.channel, user=target.user, message=target.message
                )
                status, answer = (400, problem) if problem else (200, "ok")
                target.uses += 0 if problem else 1
            self._posts.append(ResponseUrlPost(kind, path, copy.deepcopy(body), status))
        return Response(answer, status, content_type="text/plain; charset=utf-8")

    def _handle_download(self, team_file: str, name: str, attachment: bool) -> Response:
        """Serve a private file to the bot token; anyone else gets the sign-in page."""
        team_id, _, file_id = team_file.partition("-")
        with self._lock:
            info = self.workspace.files.get(file_id)
            content = self.workspace.file_bytes.get(file_id, b"")
            if team_id != self.seed.team_id or info is None or name != file_slug(info["name"]):
                return Response("Not Found", 404, content_type="text/plain")
            authorized = _bearer(request.headers.get("Authorization")) == self.bot_token
            self.downloads.append({"file_id": file_id, "path": request.path, "ok": authorized})
        if not authorized:
            return Response(_LOGIN_PAGE, 200, content_type="text/html; charset=utf-8")
        headers = {"Content-Disposition": f'attachment; filename="{name}"'} if attachment else {}
        return Response(content, 200, headers, content_type=info["mimetype"])
