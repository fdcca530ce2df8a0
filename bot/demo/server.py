"""The demo page and its JSON API: act as a Slack person or as sipgate, read what the bot did."""

from __future__ import annotations

import itertools
import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests
from flask import Flask, Response, jsonify, request, send_from_directory

from bot.cli import MANIFEST_PATH
from bot.demo.phone import PhoneError, PhonePanel
from bot.demo.reading import PageReading
from bot.demo.slack_side import (
    Command,
    Posted,
    SlackSide,
    load_commands,
    registered_routes,
    slack_escape,
)
from bot.demo.state import SipgateLog, ViewTracker

if TYPE_CHECKING:
    from bot.demo.runner import Demo

Json = dict[str, Any]
STATIC = Path(__file__).resolve().parent / "static"
_file_ids = itertools.count(1)


class DemoPage(PageReading):
    """The Flask app of the page; reads and drives the running Demo."""

    def __init__(self, demo: Demo) -> None:
        self.demo = demo
        self.slack = SlackSide(demo.fake_slack, demo.slack_url, demo.bot_url, demo.signing_secret)
        self.phone = PhonePanel(
            demo.fake_sipgate, f"{demo.bot_url}/sipgate/webhook", demo.private_key
        )
        self.views = ViewTracker(demo.fake_slack, self.slack.triggers)
        self.log = SipgateLog(demo.fake_sipgate)
        self.posted: list[Posted] = []
        self.commands = self._load_commands()
        self.app = self._build_app()

    @staticmethod
    def _load_commands() -> dict[str, Command]:
        if MANIFEST_PATH.is_file():
            return load_commands(str(MANIFEST_PATH))
        return {name: Command(name, "", "", False) for name in registered_routes("commands")}

    def _build_app(self) -> Flask:
        app = Flask("sipgate_slack_demo", static_folder=str(STATIC), static_url_path="/static")
        app.add_url_rule("/", "index", lambda: send_from_directory(STATIC, "index.html"))
        routes = {
            "/api/bootstrap": (self.bootstrap, ["GET"]),
            "/api/state": (self.state, ["GET"]),
            "/api/command": (self.command, ["POST"]),
            "/api/message": (self.message, ["POST"]),
            "/api/upload": (self.upload, ["POST"]),
            "/api/action": (self.action, ["POST"]),
            "/api/view/submit": (self.view_submit, ["POST"]),
            "/api/view/close": (self.view_close, ["POST"]),
            "/api/shortcut": (self.shortcut, ["POST"]),
            "/api/phone/ring": (self.phone_ring, ["POST"]),
            "/api/phone/answer": (self.phone_answer, ["POST"]),
            "/api/phone/hangup": (self.phone_hangup, ["POST"]),
        }
        for path, (view, methods) in routes.items():
            app.add_url_rule(path, path, view, methods=methods)
        app.register_error_handler(KeyError, _missing_field)
        return app

    # ----- acting as a Slack person -----------------------------------------------------------

    def command(self) -> Response:
        """Run a slash command typed in the composer, as Slack would send it."""
        body = _body()
        user, channel = str(body["user"]), str(body["channel"])
        name, _, rest = str(body["text"]).strip().partition(" ")
        command = self.commands.get(name)
        if command is None:
            self._note(
                user,
                channel,
                f"`{name}` is not a valid command. In Slack, messages that start "
                "with `/` are read as commands.",
            )
            return jsonify(ok=False, status=None)
        text = slack_escape(rest.strip())
        if command.should_escape:
            text = self.slack.escape_mentions(text)
        ts = self.slack.new_ts()  # the ack is shown where it was typed, before later replies
        try:
            response = self.slack.command(user, channel, name, text)
        except requests.RequestException:
            self._note(user, channel, f'`{name}` failed with the error "operation_timeout"')
            return jsonify(ok=False, status=None)
        if response.status_code != 200:
            self._note(user, channel, f'`{name}` failed with the error "dispatch_failed"')
        else:
            self._show_ack(user, channel, response, ts)
        return jsonify(ok=response.status_code == 200, status=response.status_code, sent=text)

    def _show_ack(self, user: str, channel: str, response: requests.Response, ts: str) -> None:
        """A command's immediate answer is shown to the person, as Slack does (§2.1)."""
        raw = response.text.strip()
        if not raw:
            return
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = {"text": raw}
        if isinstance(parsed, dict) and (parsed.get("text") or parsed.get("blocks")):
            post = Posted(
                channel,
                self.demo.fake_slack.seed.bot_user_id,
                str(parsed.get("text", "")),
                ts,
                blocks=list(parsed.get("blocks") or []),
                only_for=user,
            )
            self.posted.append(post)

    def _note(self, user: str, channel: str, text: str) -> None:
        """Slack's own ephemeral note ("Only visible to you") to the person."""
        bot = "USLACKBOT"
        self.posted.append(Posted(channel, bot, text, self.slack.new_ts(), only_for=user))

    def message(self) -> Response:
        """Post a plain message (optionally with uploaded files) as the person."""
        body = _body()
        files = [self.demo.fake_slack.workspace.files[f] for f in body.get("files", [])]
        post = Posted(
            str(body["channel"]),
            str(body["user"]),
            slack_escape(str(body.get("text", ""))),
            self.slack.new_ts(),
            files=[dict(f) for f in files],
        )
        self.posted.append(post)
        return jsonify(ok=True, ts=post.ts)

    def upload(self) -> Response:
        """Upload a file to the fake Slack (the file input and message attachments)."""
        uploaded = request.files.get("file")
        if uploaded is None:
            return jsonify(ok=False, error="no file"), 400  # type: ignore[return-value]
        name = uploaded.filename or "document.pdf"
        content = uploaded.read()
        pdf = name.lower().endswith(".pdf") or content.startswith(b"%PDF-")
        info = self.demo.fake_slack.add_file(
            self.demo.slack_url,
            file_id=f"F07DEMO{next(_file_ids):04d}",
            name=name,
            content=content,
            mimetype="application/pdf" if pdf else (uploaded.mimetype or "binary"),
            filetype="pdf" if pdf else name.rpartition(".")[2].lower() or "binary",
            user=request.form.get("user", "U07ALICE9Z"),
        )
        return jsonify(ok=True, file=info)

    def action(self) -> Response:
        """Click a button or pick an option in a message, an ephemeral message or a modal."""
        body = _body()
        user = str(body["user"])
        action = dict(body["action"])
        if body.get("in_view"):
            view = self.views.open_view(user)
            if view is None:
                return jsonify(ok=False, error="the modal is closed")
            view = {**view, "state": {"values": body.get("values", {})}}
            response = self.slack.block_action(user, action, channel=None, message=None, view=view)
            return jsonify(ok=response.status_code == 200, status=response.status_code)
        channel, ts = str(body["channel"]), str(body["ts"])
        message = self._message_json(user, channel, ts)
        if message is None:
            return jsonify(ok=False, error="that message is gone")
        response = self.slack.block_action(
            user, action, channel=channel, message=message, view=None
        )
        return jsonify(ok=response.status_code == 200, status=response.status_code)

    def _message_json(self, user: str, channel: str, ts: str) -> Json | None:
        """A message as Slack puts it in an interaction payload."""
        fake = self.demo.fake_slack
        for message in fake.messages(channel) if channel in fake.channels else []:
            if message.ts == ts:
                return fake.workspace.message_json(message)
        for eph in fake.ephemerals(user):
            if eph["channel"] == channel and eph["ts"] == ts:
                return {"type": "message", "ts": ts, "text": eph["text"], "is_ephemeral": True}
        for post in self.posted:  # a command's immediate (ack) answer, e.g. `/sms list`
            if post.channel == channel and post.ts == ts and post.only_for in (None, user):
                return {
                    "type": "message",
                    "ts": ts,
                    "text": post.text,
                    "blocks": post.blocks,
                    "is_ephemeral": post.only_for is not None,
                }
        return None

    def view_submit(self) -> Response:
        """Submit the open modal; show the bot's `response_action` (errors, update, clear)."""
        body = _body()
        user = str(body["user"])
        view = self.views.open_view(user)
        if view is None:
            return jsonify(ok=False, error="The form is no longer open.")
        response = self.slack.view_submission(user, view, dict(body.get("values", {})))
        if response.status_code != 200:
            return jsonify(ok=False, error="We had some trouble connecting. Try again?")
        answer = _json_or_empty(response.text)
        action = answer.get("response_action")
        if action == "errors":
            return jsonify(ok=False, errors=answer.get("errors", {}))
        if action in ("update", "push") and isinstance(answer.get("view"), dict):
            self.views.replace(str(view["id"]), answer["view"])
        elif action == "clear":
            self.close_all(user)
        else:
            self.views.close(str(view["id"]))
        return jsonify(ok=True)

    def view_close(self) -> Response:
        """The person closed the modal."""
        body = _body()
        self.views.close(str(body["view_id"]))
        return jsonify(ok=True)

    def close_all(self, user: str) -> None:
        """Close every modal the person has open (Slack's `response_action: clear`)."""
        while (view := self.views.open_view(user)) is not None:
            self.views.close(str(view["id"]))

    def shortcut(self) -> Response:
        """Run a message shortcut on one of the demo's own posts (a person's message)."""
        body = _body()
        user, channel, ts = str(body["user"]), str(body["channel"]), str(body["ts"])
        post = next((p for p in self.posted if p.channel == channel and p.ts == ts), None)
        if post is None:
            return jsonify(ok=False, error="that message is gone")
        message: Json = {
            "type": "message",
            "text": post.text,
            "user": post.user,
            "ts": post.ts,
            "team": self.demo.fake_slack.seed.team_id,
            "upload": False,
            "display_as_bot": False,
        }
        if post.files:
            message["files"] = post.files
        response = self.slack.message_shortcut(user, str(body["callback_id"]), channel, message)
        return jsonify(ok=response.status_code == 200, status=response.status_code)

    # ----- acting as sipgate ----------------------------------------------------------------

    def phone_ring(self) -> Response:
        """Ring a line of the account from any number."""
        body = _body()
        return self._phone(lambda: self.phone.ring(str(body["from"]), str(body["to"])))

    def phone_answer(self) -> Response:
        """Answer a ringing call as a sipgate user, or by voicemail."""
        body = _body()
        return self._phone(
            lambda: self.phone.answer(str(body["call_id"]), str(body.get("user_id", "")))
        )

    def phone_hangup(self) -> Response:
        """Hang a call up with a cause."""
        body = _body()
        return self._phone(lambda: self.phone.hangup(str(body["call_id"]), str(body["cause"])))

    @staticmethod
    def _phone(act: Any) -> Response:
        try:
            call = act()
        except PhoneError as exc:
            return jsonify(ok=False, error=str(exc))
        return jsonify(ok=True, call=asdict(call))


def _missing_field(exc: KeyError) -> tuple[Response, int]:
    """A request from the page without a field it needs: 400, naming the field."""
    return jsonify(ok=False, error=f"missing field {exc.args[0]!r}"), 400


def _body() -> Json:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _json_or_empty(text: str) -> Json:
    try:
        parsed = json.loads(text) if text.strip() else {}
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
