"""Sign requests the way Slack (HMAC v0) and sipgate (RSA-SHA256) do, for tests and the demo."""

from __future__ import annotations

import base64
import time

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from slack_sdk.signature import SignatureVerifier


def slack_headers(
    signing_secret: str, body: str, *, timestamp: int | None = None
) -> dict[str, str]:
    """The headers of a Slack request signed with `signing_secret` (slack-bolt.md §5)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(signing_secret).generate_signature(timestamp=ts, body=body) or ""
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature,
    }


def generate_key_pair(bits: int = 2048) -> tuple[rsa.RSAPrivateKey, str]:
    """A fresh RSA key pair: the private key and the public key as PEM text."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_key, public_pem.decode("ascii")


def sipgate_signature(private_key: rsa.RSAPrivateKey, body: bytes) -> str:
    """The `X-Sipgate-Signature` value for `body`: base64 RSA PKCS#1 v1.5 SHA-256 (§12.7)."""
    signature = private_key.sign(body, padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")
