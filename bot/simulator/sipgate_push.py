"""Send signed sipgate push events (webhooks) to the bot, shaped as sipgate sends them."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.simulator.signing import sipgate_signature

CONTENT_TYPE = "application/x-www-form-urlencoded; charset=UTF-8"


class SipgatePusher:
    """Plays sipgate's push API: form-encoded POSTs signed with a private key (§12)."""

    def __init__(self, webhook_url: str, private_key: rsa.RSAPrivateKey) -> None:
        self.webhook_url = webhook_url
        self.private_key = private_key
        self.session = requests.Session()

    def send(
        self, fields: Sequence[tuple[str, str]], *, url: str | None = None
    ) -> requests.Response:
        """Send these form fields (repeat a key for `user[]` etc.), signed."""
        body = urlencode(list(fields)).encode("utf-8")
        return self.send_raw(body, sipgate_signature(self.private_key, body), url=url)

    def send_raw(
        self,
        body: bytes,
        signature: str | None,
        *,
        url: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        """Send exact bytes with the given signature header (None: no header)."""
        sent = {
            "Content-Type": CONTENT_TYPE,
            "User-Agent": "sipgate.io",
            "Accept": "application/xml, text/plain, text/html",
        }
        if signature is not None:
            sent["X-Sipgate-Signature"] = signature
        sent.update(headers or {})
        return self.session.post(url or self.webhook_url, data=body, headers=sent, timeout=10)

    def new_call(
        self,
        call_id: str,
        *,
        from_number: str = "492111234567",
        to_number: str = "4921112345670",
        direction: str = "in",
        users: Sequence[str] = ("Alice Schmidt",),
        user_ids: Sequence[str] = ("w0",),
        master_sip_id: str = "1234567",
    ) -> requests.Response:
        """A `newCall` event."""
        fields = [
            ("event", "newCall"),
            ("from", from_number),
            ("to", to_number),
            ("direction", direction),
            ("callId", call_id),
            ("origCallId", call_id),
        ]
        fields += [("user[]", u) for u in users]
        fields += [("userId[]", u) for u in user_ids]
        fields += [("fullUserId[]", master_sip_id + u) for u in user_ids]
        fields += [("xcid", call_id[:16].lower())]
        return self.send(fields)

    def answer(
        self,
        call_id: str,
        *,
        user: str = "Alice Schmidt",
        user_id: str = "w0",
        from_number: str = "492111234567",
        to_number: str = "4921112345670",
        direction: str = "in",
        answering_number: str = "4921112345670",
        master_sip_id: str = "1234567",
    ) -> requests.Response:
        """An `answer` event (user empty: answered by voicemail)."""
        fields = [
            ("event", "answer"),
            ("callId", call_id),
            ("origCallId", call_id),
            ("user", user),
            ("userId", user_id),
            ("fullUserId", master_sip_id + user_id if user_id else ""),
            ("from", from_number),
            ("to", to_number),
            ("direction", direction),
            ("answeringNumber", answering_number),
        ]
        return self.send(fields)

    def hangup(
        self,
        call_id: str,
        *,
        cause: str = "normalClearing",
        from_number: str = "492111234567",
        to_number: str = "4921112345670",
        direction: str = "in",
        answering_number: str = "",
    ) -> requests.Response:
        """A `hangup` event."""
        fields = [
            ("event", "hangup"),
            ("cause", cause),
            ("callId", call_id),
            ("origCallId", call_id),
            ("from", from_number),
            ("to", to_number),
            ("direction", direction),
            ("answeringNumber", answering_number),
        ]
        return self.send(fields)
