"""Thin Slack listeners and HTTP endpoints; `register_all` is the one routing entry point."""

from __future__ import annotations

from flask import Flask
from slack_bolt import App

from bot.services import Services
from handlers import actions, commands, errors, health, shortcuts, views, webhooks
from handlers.slack_request import reject_malformed


def register_all(bolt_app: App, flask_app: Flask, services: Services) -> None:
    """Register every listener and route."""
    bolt_app.middleware(reject_malformed)
    commands.register(bolt_app, services)
    actions.register(bolt_app, services)
    views.register(bolt_app, services)
    shortcuts.register(bolt_app, services)
    errors.register(bolt_app)
    webhooks.register(flask_app, services)
    health.register(flask_app, services)
