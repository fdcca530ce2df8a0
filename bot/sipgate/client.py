"""SipgateClient: one typed method per sipgate REST endpoint the bot uses."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from requests.auth import HTTPBasicAuth
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NewConnectionError,
    ReadTimeoutError,
)
from urllib3.util.retry import Retry

from bot import __version__
from bot.sipgate.errors import (
    PermissionDenied,
    SipgateConnectionError,
    SipgateTimeout,
    UnexpectedResponse,
    error_for_response,
)
from bot.sipgate.models import (
    CallSession,
    Contact,
    Device,
    Faxline,
    HistoryEntry,
    LiveCall,
    Number,
    SmsExtension,
    User,
    UserInfo,
)

logger = logging.getLogger(__name__)

CLASSIC = "classic"
NEO = "neo"


class SipgateClient:
    """Talks to the sipgate REST API v2 with a personal access token (HTTP Basic)."""

    def __init__(
        self,
        base_url: str,
        token_id: str,
        token: str,
        *,
        timeout: float = 10.0,
        upload_timeout: float = 60.0,
        session: requests.Session | None = None,
    ) -> None:
        # Concatenate, never urljoin: urljoin would drop the "/v2" (sipgate-api.md §1.1).
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        # A fax upload carries up to ~28 MB of base64 (sipgate-api.md §6.1): allow it longer.
        self.upload_timeout = upload_timeout
        self.session = session or requests.Session()
        self.session.auth = HTTPBasicAuth(token_id, token)
        self.session.headers.update(
            {
                "Accept": "application/json",
                "User-Agent": f"sipgate-slack/{__version__}",
                "X-Sipgate-Client": json.dumps({"name": "python", "type": "sipgate-slack"}),
            }
        )
        # Retry only idempotent reads: sipgate has no idempotency keys, and urllib3's default
        # allowed_methods would also retry PUT (hold/mute) and DELETE (hang up).
        retry = Retry(
            total=2,
            backoff_factor=0.2,
            status_forcelist=(502, 503, 504),
            allowed_methods=frozenset({"GET"}),
            raise_on_status=False,
        )
        adapter = HTTPAdapter(max_retries=retry, pool_maxsize=16)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    # -- the one place that touches the network -------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        json_body: Any = None,
        params: Mapping[str, Any] | None = None,
        resource: str = "",
        timeout: float | None = None,
    ) -> requests.Response:
        url = self.base_url + path
        started = time.monotonic()
        try:
            response = self.session.request(
                method, url, json=json_body, params=params, timeout=timeout or self.timeout
            )
        except requests.RequestException as exc:
            if _timed_out(exc) or (method != "GET" and not _never_sent(exc)):
                # A write whose connection broke after sending may have been carried out: it is
                # reported like a timeout ("cannot tell whether"), never as "try again".
                logger.warning("sipgate %s %s timed out", method, path)
                raise SipgateTimeout(
                    operation, method=method, path=path, detail="it did not answer in time"
                ) from exc
            logger.warning("sipgate %s %s failed: %s", method, path, type(exc).__name__)
            raise SipgateConnectionError(
                operation, method=method, path=path, detail="the connection failed"
            ) from exc
        elapsed_ms = (time.monotonic() - started) * 1000
        logger.info("sipgate %s %s -> %s (%.0f ms)", method, path, response.status_code, elapsed_ms)
        if not response.ok:
            logger.debug("sipgate error body: %s", response.text[:500])
            raise error_for_response(response, operation=operation, resource=resource)
        return response

    def _json(self, response: requests.Response, operation: str) -> Any:
        try:
            return response.json()
        except ValueError as exc:
            raise UnexpectedResponse(operation, detail="the answer was not JSON") from exc

    def _get(self, path: str, operation: str, *, params: Any = None, resource: str = "") -> Any:
        response = self._request("GET", path, operation=operation, params=params, resource=resource)
        return self._json(response, operation)

    def _items(self, path: str, operation: str, *, key: str = "items", **kwargs: Any) -> list[Any]:
        data = self._get(path, operation, **kwargs)
        items = data.get(key) if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise UnexpectedResponse(operation, detail=f"no {key!r} list in the answer")
        return items

    # -- account and people ------------------------------------------------------------------

    def user_info(self) -> UserInfo:
        """Who the token belongs to (`GET /authorization/userinfo`)."""
        return UserInfo.from_api(self._get("/authorization/userinfo", "check the sipgate token"))

    def users(self) -> list[User]:
        """Every web user of the account (`GET /users`)."""
        return [User.from_api(u) for u in self._items("/users", "list the sipgate users")]

    def devices(self, user_id: str) -> list[Device]:
        """The phones of one user (`GET /{userId}/devices`)."""
        path = f"/{quote(user_id, safe='')}/devices"
        items = self._items(path, "list the phones", resource=f"sipgate user {user_id}")
        return [Device.from_api(d) for d in items]

    def sms_extensions(self, user_id: str) -> list[SmsExtension]:
        """The SMS extensions of one user (`GET /{userId}/sms`)."""
        path = f"/{quote(user_id, safe='')}/sms"
        items = self._items(path, "list the SMS extensions", resource=f"sipgate user {user_id}")
        return [SmsExtension.from_api(s) for s in items]

    def faxlines(self, user_id: str) -> list[Faxline]:
        """The fax lines of one user (`GET /{userId}/faxlines`)."""
        path = f"/{quote(user_id, safe='')}/faxlines"
        items = self._items(path, "list the fax lines", resource="fax")
        return [Faxline.from_api(f) for f in items]

    def numbers(self) -> list[Number]:
        """Every phone number of the account (`GET /numbers`), all pages."""
        return [Number.from_api(n) for n in self._paged("/numbers", "list the numbers", 1000)]

    def contacts(self, *, page_size: int = 5000) -> Iterator[Contact]:
        """Every contact visible to the token (`GET /contacts`), page by page."""
        for item in self._paged("/contacts", "read the contacts", page_size):
            yield Contact.from_api(item)

    def contacts_by_number(self, e164: str) -> list[Contact]:
        """Contacts with this number (`GET /contacts?phonenumbers=`; matching is UNVERIFIED)."""
        items = self._items("/contacts", "look up the contact", params={"phonenumbers": [e164]})
        return [Contact.from_api(c) for c in items]

    def _paged(self, path: str, operation: str, page_size: int) -> Iterator[Any]:
        offset = 0
        while True:
            data = self._get(path, operation, params={"limit": page_size, "offset": offset})
            items = data.get("items") if isinstance(data, dict) else None
            if not isinstance(items, list):
                raise UnexpectedResponse(operation, detail="no 'items' list in the answer")
            yield from items
            total = data.get("totalCount")
            offset += len(items)
            if not items or not isinstance(total, int) or offset >= total:
                return

    def account_type(self) -> str:
        """Detect classic vs neo: `GET /groups` is 200 on classic and 403 on neo (§18)."""
        try:
            self._request("GET", "/groups", operation="detect the account type")
        except PermissionDenied:
            return NEO
        return CLASSIC

    # -- sessions --------------------------------------------------------------------------

    def start_call(
        self,
        *,
        caller: str,
        callee: str,
        device_id: str | None = None,
        caller_id: str | None = None,
    ) -> CallSession:
        """Click-to-call on classic accounts (`POST /sessions/calls`, §4)."""
        body: dict[str, str] = {"caller": caller, "callee": callee}
        if device_id:
            body["deviceId"] = device_id
        if caller_id:
            body["callerId"] = caller_id
        operation = "start the call"
        response = self._request(
            "POST",
            "/sessions/calls",
            operation=operation,
            json_body=body,
            resource=f"device {device_id or caller}",
        )
        session_id = self._json(response, operation).get("sessionId")
        if not isinstance(session_id, str):
            raise UnexpectedResponse(operation, detail="no sessionId in the answer")
        return CallSession(id=session_id, endpoint="/sessions/calls")

    def start_neo_call(
        self, *, device_id: str, target: str, caller_id: str | None = None
    ) -> CallSession:
        """Click-to-call on neo accounts (`POST /calls`, §18; numbers without '+')."""
        body = {"deviceId": device_id, "targetNumber": target.lstrip("+")}
        if caller_id:
            body["callerId"] = caller_id.lstrip("+")
        operation = "start the call"
        response = self._request(
            "POST", "/calls", operation=operation, json_body=body, resource=f"device {device_id}"
        )
        data = self._json(response, operation)
        call_id = data.get("callId") or data.get("callSid") if isinstance(data, dict) else None
        if not isinstance(call_id, str):
            raise UnexpectedResponse(operation, detail="no callId in the answer")
        return CallSession(id=call_id, endpoint="/calls")

    def send_sms(
        self, *, sms_id: str, recipient: str, message: str, send_at: int | None = None
    ) -> None:
        """Send (or schedule, with integer Unix seconds) an SMS (`POST /sessions/sms`, §5.1)."""
        body: dict[str, Any] = {"smsId": sms_id, "recipient": recipient, "message": message}
        if send_at is not None:
            body["sendAt"] = int(send_at)
        self._request(
            "POST",
            "/sessions/sms",
            operation="send the SMS",
            json_body=body,
            resource=f"SMS extension {sms_id}",
        )

    def send_fax(
        self, *, faxline_id: str, recipient: str, filename: str, base64_content: str
    ) -> str:
        """Queue a PDF fax (`POST /sessions/fax`, §6.1); returns the history entry id."""
        body = {
            "faxlineId": faxline_id,
            "recipient": recipient,
            "filename": filename,
            "base64Content": base64_content,
        }
        operation = "send the fax"
        response = self._request(
            "POST",
            "/sessions/fax",
            operation=operation,
            json_body=body,
            resource=f"fax line {faxline_id}",
            timeout=max(self.timeout, self.upload_timeout),
        )
        session_id = self._json(response, operation).get("sessionId")
        if not isinstance(session_id, str):
            raise UnexpectedResponse(operation, detail="no sessionId in the answer")
        return session_id

    def history_entry(self, entry_id: str) -> HistoryEntry:
        """One history entry (`GET /history/{id}`), e.g. a fax's status (§6.2)."""
        path = f"/history/{quote(entry_id, safe='')}"
        data = self._get(path, "read the fax status", resource="the history entry")
        return HistoryEntry.from_api(data)

    # -- live calls (RTCM, §10) ------------------------------------------------------------

    def live_calls(self) -> list[LiveCall]:
        """Established calls (`GET /calls`; the list is under `data`, not `items`)."""
        return [LiveCall.from_api(c) for c in self._items("/calls", "list live calls", key="data")]

    def hold(self, call_id: str, on: bool) -> None:
        """Put every participant on hold, or resume (`PUT /calls/{callId}/hold`)."""
        verb = "put the call on hold" if on else "resume the call"
        self._rtcm("PUT", call_id, "/hold", verb, {"value": on})

    def mute(self, call_id: str, on: bool) -> None:
        """Mute or unmute our own side (`PUT /calls/{callId}/muted`)."""
        self._rtcm(
            "PUT", call_id, "/muted", "mute the call" if on else "unmute the call", {"value": on}
        )

    def hang_up(self, call_id: str) -> None:
        """End the call (`DELETE /calls/{callId}`)."""
        self._rtcm("DELETE", call_id, "", "hang up the call", None)

    def _rtcm(self, method: str, call_id: str, suffix: str, operation: str, body: Any) -> None:
        path = f"/calls/{quote(call_id, safe='')}{suffix}"
        self._request(method, path, operation=operation, json_body=body, resource="This call")

    # -- webhook settings (§11) ------------------------------------------------------------

    def webhook_settings(self) -> dict[str, Any]:
        """The account's push-API settings (`GET /settings/sipgateio`)."""
        data = self._get("/settings/sipgateio", "read the webhook settings", resource="sipgate.io")
        if not isinstance(data, dict):
            raise UnexpectedResponse("read the webhook settings", detail="not an object")
        return data

    def set_webhook_urls(self, incoming_url: str, outgoing_url: str) -> None:
        """Point sipgate's push events at the bot: GET, change the URLs, PUT the whole object."""
        settings = self.webhook_settings()
        settings.update({"incomingUrl": incoming_url, "outgoingUrl": outgoing_url})
        self._request(
            "PUT",
            "/settings/sipgateio",
            operation="set the webhook URLs",
            json_body=settings,
            resource="sipgate.io",
        )


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the request surely never reached sipgate (no connection was made)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    cause = exc.args[0] if exc.args else None
    reason = cause.reason if isinstance(cause, MaxRetryError) else cause
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)


def _timed_out(exc: requests.RequestException) -> bool:
    """Tell a timeout from a failed connection, also once urllib3 has used up its GET retries."""
    if isinstance(exc, requests.Timeout):
        return True
    # requests reports a read timeout that exhausted the Retry as ConnectionError(MaxRetryError),
    # not as ReadTimeout [run, requests 2.34 / urllib3 2.7]; the user should hear "timed out".
    cause = exc.args[0] if exc.args else None
    return isinstance(cause, MaxRetryError) and isinstance(cause.reason, ReadTimeoutError)
