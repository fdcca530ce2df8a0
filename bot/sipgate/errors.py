"""Errors from talking to sipgate, each carrying a message a Slack user can act on.

The tree (status codes from sipgate-api.md §3.1)::

    SipgateError                      base: operation, status, method, path, user_message
    ├── SipgateUnreachable            no HTTP answer
    │   ├── SipgateTimeout            timed out (connect or read)
    │   └── SipgateConnectionError    DNS/TCP/TLS failure
    ├── UnexpectedResponse            2xx but the body is not what the reference documents
    └── SipgateHTTPError              any non-2xx answer
        ├── InvalidRequest            400 (and 407, fax: invalid recipient)
        ├── AuthenticationFailed      401
        ├── InsufficientFunds         402
        ├── PermissionDenied          403
        ├── NotFound                  404
        ├── Conflict                  409 (RTCM on a call not yet established; UNVERIFIED)
        ├── UnsupportedRequest        405, 415 (a bug on our side)
        ├── RateLimited               429 (Retry-After kept; UNVERIFIED that sipgate sends it)
        └── SipgateUnavailable        5xx
"""

from __future__ import annotations

import requests

from bot.errors import UserError

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class SipgateError(UserError):
    """Base of every sipgate failure."""

    template = "Something went wrong while trying to {operation} with sipgate; it has been logged."

    def __init__(
        self,
        operation: str,
        *,
        status: int | None = None,
        method: str = "",
        path: str = "",
        body: str = "",
        detail: str = "",
        resource: str = "",
    ) -> None:
        self.operation = operation
        self.status = status
        self.method = method
        self.path = path
        self.body_excerpt = body[:300]
        self.detail = detail
        self.resource = resource or "this extension"
        super().__init__(self.render())

    def render(self) -> str:
        """Build the Slack-facing message from the class template."""
        return self.template.format(
            operation=self.operation,
            status=self.status,
            detail=self.detail,
            resource=self.resource,
        )

    def __str__(self) -> str:
        where = f"{self.method} {self.path}".strip()
        status = f" -> HTTP {self.status}" if self.status is not None else ""
        return f"sipgate: could not {self.operation} ({where}{status}){self._extra()}"

    def _extra(self) -> str:
        return f": {self.detail}" if self.detail else ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, operation={self.operation!r})"

    @property
    def outcome_unknown(self) -> bool:
        """True when sipgate may have done it anyway: a write that got no clear answer."""
        return False


class SipgateUnreachable(SipgateError):
    """sipgate gave no HTTP answer."""

    template = (
        "sipgate is not answering right now, so the bot could not {operation}. "
        "Please try again in a minute."
    )


class SipgateTimeout(SipgateUnreachable):
    """The request timed out (a write may still have been carried out)."""

    # A write that timed out may have reached sipgate (no idempotency keys, house style §4.6):
    # "try again" alone would invite a second call, fax or hold.
    unknown_template = (
        "sipgate is not answering right now, so the bot cannot tell whether it managed to "
        "{operation}. It has not retried, so nothing happens twice: check first (your phone, "
        "or the sipgate app), then try again if needed."
    )

    @property
    def outcome_unknown(self) -> bool:
        """A timed-out write may have been carried out."""
        return self.method in WRITE_METHODS

    def render(self) -> str:
        """The usual message for a read; the "may have happened" one for a write."""
        if self.outcome_unknown:
            return self.unknown_template.format(operation=self.operation)
        return super().render()


class SipgateConnectionError(SipgateUnreachable):
    """The connection could not be made."""


class UnexpectedResponse(SipgateError):
    """A 2xx answer whose body is not what the reference documents."""

    template = (
        "sipgate answered in an unexpected way while trying to {operation}; it has been logged."
    )


class SipgateHTTPError(SipgateError):
    """Any non-2xx answer without a more specific class."""

    template = "sipgate refused to {operation} (HTTP {status})."


class InvalidRequest(SipgateHTTPError):
    """400 (and the fax API's 407 for an invalid recipient)."""

    template = "sipgate rejected the request to {operation}: {detail}."

    def render(self) -> str:
        if not self.detail:
            self.detail = "check the number and the text"
        return super().render()


class AuthenticationFailed(SipgateHTTPError):
    """401: token id or token wrong."""

    template = (
        "The bot's sipgate token was refused. An admin should check SIPGATE_TOKEN_ID and "
        "SIPGATE_TOKEN (run `sipgate-slack check`)."
    )


class InsufficientFunds(SipgateHTTPError):
    """402: the account balance is too low."""

    template = "Your sipgate balance is too low to {operation}. Top up in the sipgate app."


class PermissionDenied(SipgateHTTPError):
    """403: feature not booked, extension not usable, or scope missing."""

    template = (
        "sipgate does not allow this token to {operation} with {resource} (feature not booked, "
        "device or extension not yours, or a missing token scope)."
    )


class NotFound(SipgateHTTPError):
    """404: unknown entity (or endpoint)."""

    template = "{resource} was not found at sipgate."

    def render(self) -> str:
        return self.template.format(resource=self.resource[:1].upper() + self.resource[1:])


class Conflict(SipgateHTTPError):
    """409: RTCM on a call that is not established yet."""

    template = "The call is not connected yet; try again once it is answered."


class UnsupportedRequest(SipgateHTTPError):
    """405/415: the bot sent something sipgate does not support (a bug on our side)."""

    template = "Internal error while talking to sipgate; it has been logged."


class RateLimited(SipgateHTTPError):
    """429: too many requests."""

    template = "sipgate is busy right now; please try again in {detail} seconds."

    def __init__(self, operation: str, *, retry_after: int = 30, **kwargs: object) -> None:
        self.retry_after = retry_after
        kwargs.setdefault("detail", str(retry_after))
        super().__init__(operation, **kwargs)  # type: ignore[arg-type]


class SipgateUnavailable(SipgateHTTPError):
    """5xx: sipgate has a problem."""

    template = "sipgate is having trouble right now (HTTP {status}). Please try again in a minute."
    # 504 is a gateway's own timeout: behind it sipgate may still carry out a write.
    unknown_template = (
        "sipgate is having trouble right now (HTTP {status}), so the bot cannot tell whether it "
        "managed to {operation}. It has not retried, so nothing happens twice: check first "
        "(your phone, or the sipgate app), then try again if needed."
    )

    @property
    def outcome_unknown(self) -> bool:
        """A write answered 504 Gateway Timeout may have been carried out."""
        return self.status == 504 and self.method in WRITE_METHODS

    def render(self) -> str:
        """The usual message, or the "may have happened" one for a write answered 504."""
        if self.outcome_unknown:
            return self.unknown_template.format(operation=self.operation, status=self.status)
        return super().render()


_BY_STATUS: dict[int, type[SipgateHTTPError]] = {
    400: InvalidRequest,
    401: AuthenticationFailed,
    402: InsufficientFunds,
    403: PermissionDenied,
    404: NotFound,
    405: UnsupportedRequest,
    407: InvalidRequest,
    409: Conflict,
    415: UnsupportedRequest,
    429: RateLimited,
}


def error_for_response(
    response: requests.Response, *, operation: str, resource: str = "", detail: str = ""
) -> SipgateHTTPError:
    """Map a non-2xx response to the matching SipgateHTTPError subclass."""
    status = response.status_code
    cls = _BY_STATUS.get(status)
    if cls is None:
        cls = SipgateUnavailable if status >= 500 else SipgateHTTPError
    if status == 407 and not detail:
        detail = "the fax number is not valid"
    kwargs = {
        "status": status,
        "method": (response.request.method or "") if response.request is not None else "",
        "path": _path_of(response),
        "body": response.text,
        "detail": detail,
        "resource": resource,
    }
    if cls is RateLimited:
        retry_after = _retry_after(response)
        kwargs["detail"] = detail or str(retry_after)
        return RateLimited(operation, retry_after=retry_after, **kwargs)
    return cls(operation, **kwargs)  # type: ignore[arg-type]


def _path_of(response: requests.Response) -> str:
    url = response.request.url if response.request is not None else response.url
    return (url or "").split("?", 1)[0]


def _retry_after(response: requests.Response) -> int:
    try:
        return max(1, int(response.headers.get("Retry-After", "30")))
    except ValueError:
        return 30
