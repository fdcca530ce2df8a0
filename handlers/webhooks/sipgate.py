"""`POST /sipgate/webhook`: verify sipgate's signature on the raw body, then answer in XML."""

from __future__ import annotations

import logging

from flask import Request, Response

from bot.services import Services
from bot.sipgate import webhooks

logger = logging.getLogger(__name__)

XML = "application/xml; charset=utf-8"


def sipgate_webhook(request: Request, services: Services, key: object | None) -> Response:
    """Verify and parse one push event and answer sipgate at once."""
    if key is None:
        logger.error(
            "Refused a sipgate webhook: SIPGATE_WEBHOOK_PUBLIC_KEY is not configured, so its "
            "signature cannot be checked"
        )
        return Response("webhook signature key not configured\n", 403, mimetype="text/plain")
    # Raw bytes first: never touch request.form before the signature check (§12.7).
    raw = request.get_data(cache=True)
    try:
        webhooks.verify_signature(raw, request.headers.get(webhooks.SIGNATURE_HEADER), key)  # type: ignore[arg-type]
        event = webhooks.parse_event(raw)
    except webhooks.WebhookRejected as exc:
        logger.warning("Refused a sipgate webhook (%s): %s", exc.status, exc.reason)
        return Response(f"{exc.reason}\n", exc.status, mimetype="text/plain")
    logger.info("sipgate %s for call %s", event.event, event.call_id)
    services.call_inbox.receive(event, raw)
    return Response(_answer_xml(event, services), 200, content_type=XML)


_warned_no_public_url = False


def _answer_xml(event: webhooks.Event, services: Services) -> str:
    """Subscribe to answer/hangup on newCall (§12.2); every other answer is discarded."""
    global _warned_no_public_url
    if not isinstance(event, webhooks.NewCall):
        return webhooks.response_xml()
    url = services.config.webhook_url
    if url is None:
        if not _warned_no_public_url:
            _warned_no_public_url = True
            logger.warning(
                "PUBLIC_URL is not set: sipgate cannot be asked for answer/hangup events, so "
                "call messages stay at 'ringing'"
            )
        return webhooks.response_xml()
    return webhooks.response_xml(on_answer=url, on_hangup=url)
