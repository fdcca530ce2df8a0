"""`GET /healthz`: database and scheduler state; 200 when healthy, 503 when not."""

from __future__ import annotations

from flask import Flask, Response, jsonify

from bot import __version__
from bot.services import Services


def health(services: Services) -> tuple[Response, int]:
    """Report whether the database answers and the scheduler runs."""
    database_ok = services.storage.healthy()
    scheduler = services.scheduler.state()
    healthy = database_ok and bool(scheduler["running"])
    body = {
        "status": "ok" if healthy else "unhealthy",
        "version": __version__,
        "database": {
            "ok": database_ok,
            "migrations": len(services.storage.schema_version()) if database_ok else None,
        },
        "scheduler": scheduler,
    }
    return jsonify(body), 200 if healthy else 503


def register(flask_app: Flask, services: Services) -> None:
    """Mount `GET /healthz`."""

    @flask_app.get("/healthz")
    def healthz() -> tuple[Response, int]:
        return health(services)
