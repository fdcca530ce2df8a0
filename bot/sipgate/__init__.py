"""The sipgate REST client, its errors and models, and the push-event (webhook) helpers."""

from bot.sipgate.client import CLASSIC, NEO, SipgateClient
from bot.sipgate.errors import (
    AuthenticationFailed,
    Conflict,
    InsufficientFunds,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    RateLimited,
    SipgateConnectionError,
    SipgateError,
    SipgateHTTPError,
    SipgateTimeout,
    SipgateUnavailable,
    SipgateUnreachable,
    UnexpectedResponse,
    UnsupportedRequest,
)

__all__ = [
    "CLASSIC",
    "NEO",
    "AuthenticationFailed",
    "Conflict",
    "InsufficientFunds",
    "InvalidRequest",
    "NotFound",
    "PermissionDenied",
    "RateLimited",
    "SipgateClient",
    "SipgateConnectionError",
    "SipgateError",
    "SipgateHTTPError",
    "SipgateTimeout",
    "SipgateUnavailable",
    "SipgateUnreachable",
    "UnexpectedResponse",
    "UnsupportedRequest",
]
