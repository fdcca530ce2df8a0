"""sipgate push events: verify the signature, parse the form, build the XML answer (§12)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from urllib.parse import parse_qs
from xml.sax.saxutils import quoteattr

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

SIGNATURE_HEADER = "X-Sipgate-Signature"
EVENTS = ("newCall", "answer", "hangup", "dtmf")
HANGUP_CAUSES = (
    "normalClearing",
    "busy",
    "cancel",
    "noAnswer",
    "congestion",
    "notFound",
    "forwarded",
)
MAX_BODY_BYTES = 64 * 1024


class WebhookRejected(Exception):
    """A push request we refuse; `status` is the HTTP status to answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def load_public_key(pem: str) -> rsa.RSAPublicKey:
    """Load sipgate's RSA public key from PEM text; raise ValueError if it is not one."""
    text = pem.strip()
    # sipgate's Java verifier ships the same key mislabelled as a certificate (data README).
    text = text.replace("BEGIN CERTIFICATE", "BEGIN PUBLIC KEY").replace(
        "END CERTIFICATE", "END PUBLIC KEY"
    )
    try:
        key = load_pem_public_key(text.encode("ascii"))
    except (ValueError, UnicodeEncodeError, TypeError) as exc:
        raise ValueError("not a PEM public key") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA key")
    return key


def verify_signature(raw_body: bytes, signature: str | None, key: rsa.RSAPublicKey) -> None:
    """Check the RSA-SHA256 signature over the exact raw bytes; raise WebhookRejected(403)."""
    # sipgate signs the raw body (PKCS#1 v1.5, SHA-256): verify before parsing (§12.7).
    if not signature:
        raise WebhookRejected(403, "missing X-Sipgate-Signature header")
    try:
        decoded = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise WebhookRejected(403, "signature is not base64") from exc
    try:
        key.verify(decoded, raw_body, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature as exc:
        raise WebhookRejected(403, "signature does not match the body") from exc


@dataclass(frozen=True)
class CallEvent:
    """Fields every call event carries; numbers get a '+' unless `anonymous` (§12.4)."""

    event: str
    call_id: str
    orig_call_id: str
    from_number: str
    to_number: str
    direction: str
    xcid: str
    diversion: str


@dataclass(frozen=True)
class NewCall(CallEvent):
    """`newCall`: a call starts ringing; `user_ids` are the ringing (or calling) users."""

    users: tuple[str, ...]
    user_ids: tuple[str, ...]
    full_user_ids: tuple[str, ...]


@dataclass(frozen=True)
class Answer(CallEvent):
    """`answer`: someone (or voicemail, with an empty user) picked up."""

    user: str
    user_id: str
    full_user_id: str
    answering_number: str


@dataclass(frozen=True)
class Hangup(CallEvent):
    """`hangup`: the call ended, with a cause."""

    cause: str
    answering_number: str
    user: str
    user_id: str


@dataclass(frozen=True)
class Dtmf(CallEvent):
    """`dtmf`: digits entered after a Gather (may be empty)."""

    digits: str


Event = NewCall | Answer | Hangup | Dtmf


def parse_event(raw_body: bytes) -> Event:
    """Parse a push form body into a typed event; raise WebhookRejected(400) if malformed."""
    if len(raw_body) > MAX_BODY_BYTES:
        raise WebhookRejected(413, "body too large")
    try:
        text = raw_body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WebhookRejected(400, "body is not UTF-8") from exc
    # keep_blank_values: an empty `user[]` is meaningful (real capture, §12.3).
    try:
        form = parse_qs(text, keep_blank_values=True, max_num_fields=200)
    except ValueError as exc:  # parse_qs refuses more than max_num_fields fields this way
        raise WebhookRejected(400, "too many form fields") from exc
    event = _one(form, "event")
    if event not in EVENTS:
        raise WebhookRejected(400, "unknown or missing event")
    call_id = _one(form, "callId")
    if not call_id:
        raise WebhookRejected(400, "missing callId")
    common = {
        "event": event,
        "call_id": call_id,
        "orig_call_id": _one(form, "origCallId") or call_id,
        "from_number": _number(_one(form, "from")),
        "to_number": _number(_one(form, "to")),
        "direction": _one(form, "direction") or ("in" if event == "dtmf" else ""),
        "xcid": _one(form, "xcid"),
        "diversion": _number(_one(form, "diversion")),
    }
    if event != "dtmf" and common["direction"] not in ("in", "out"):
        raise WebhookRejected(400, "direction must be in or out")
    if event == "newCall":
        return NewCall(
            **common,
            users=tuple(form.get("user[]", [])),
            user_ids=tuple(u for u in form.get("userId[]", []) if u),
            full_user_ids=tuple(u for u in form.get("fullUserId[]", []) if u),
        )
    if event == "answer":
        return Answer(
            **common,
            user=_one(form, "user"),
            user_id=_one(form, "userId"),
            full_user_id=_one(form, "fullUserId"),
            answering_number=_number(_one(form, "answeringNumber")),
        )
    if event == "hangup":
        return Hangup(
            **common,
            cause=_one(form, "cause"),
            answering_number=_number(_one(form, "answeringNumber")),
            user=_one(form, "user"),
            user_id=_one(form, "userId"),
        )
    return Dtmf(**common, digits=_one(form, "dtmf"))


def _one(form: dict[str, list[str]], name: str) -> str:
    values = form.get(name)
    return values[0].strip() if values else ""


def _number(value: str) -> str:
    if not value or value == "anonymous" or value.startswith("+"):
        return value
    return "+" + value if value.isdigit() else value


def response_xml(*, on_answer: str | None = None, on_hangup: str | None = None) -> str:
    """The `<Response>` to a push; subscribe to answer/hangup when URLs are given (§12.5)."""
    attrs = ""
    if on_answer:
        attrs += f" onAnswer={quoteattr(on_answer)}"
    if on_hangup:
        attrs += f" onHangup={quoteattr(on_hangup)}"
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<Response{attrs}/>'
