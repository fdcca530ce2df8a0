"""Last-resort handling of unexpected errors in Slack listeners."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltResponse

from bot import blocks

logger = logging.getLogger(__name__)


def register(app: App) -> None:
    """Log unexpected listener errors (never the request body) and tell the user."""

    @app.error
    def on_error(error: Exception, body: dict[str, Any], respond: Any) -> BoltResponse | None:
        kind = body.get("type") or body.get("command") or "request"
        logger.error("Unhandled error in a Slack listener for %s", kind, exc_info=error)
        if body.get("response_url"):
            try:
                respond(**blocks.something_went_wrong())
            except Exception:  # the user can't be told; the log has the cause
                logger.warning("Could not tell the user about the error")
        return None
