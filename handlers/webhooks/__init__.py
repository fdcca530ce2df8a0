"""Routing table for sipgate's push events."""

from __future__ import annotations

from flask import Flask, Response, request

from bot.services import Services
from bot.sipgate.webhooks import load_public_key
from handlers.webhooks.sipgate import sipgate_webhook


def register(flask_app: Flask, services: Services) -> None:
    """Mount `POST /sipgate/webhook`."""
    pem = services.config.sipgate_webhook_public_key
    key = load_public_key(pem) if pem else None

    @flask_app.post("/sipgate/webhook")
    def sipgate_webhook_route() -> Response:
        return sipgate_webhook(request, services, key)
