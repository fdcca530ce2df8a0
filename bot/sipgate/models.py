"""Frozen dataclasses for what the bot reads from sipgate, parsed once with `from_api`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.sipgate.errors import UnexpectedResponse


def _field(data: Mapping[str, Any], name: str, kind: type, what: str) -> Any:
    """Read a required field of a documented type, or raise UnexpectedResponse."""
    value = data.get(name) if isinstance(data, Mapping) else None
    if not isinstance(value, kind):
        raise UnexpectedResponse(f"read {what}", detail=f"field {name!r} missing or not {kind}")
    return value


def _opt(data: Mapping[str, Any], name: str, default: Any = None) -> Any:
    return data.get(name, default) if isinstance(data, Mapping) else default


@dataclass(frozen=True)
class UserInfo:
    """`GET /authorization/userinfo` (§1.3)."""

    sub: str
    master_sip_id: str
    domain: str
    locale: str

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> UserInfo:
        return cls(
            sub=_field(data, "sub", str, "the token's user"),
            master_sip_id=str(_opt(data, "masterSipId", "")),
            domain=str(_opt(data, "domain", "")),
            locale=str(_opt(data, "locale", "")),
        )


@dataclass(frozen=True)
class User:
    """A sipgate web user (§8.1)."""

    id: str
    firstname: str
    lastname: str
    email: str
    default_device: str
    admin: bool
    timezone: str

    @property
    def name(self) -> str:
        return f"{self.firstname} {self.lastname}".strip() or self.id

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> User:
        return cls(
            id=_field(data, "id", str, "users"),
            firstname=str(_opt(data, "firstname", "") or ""),
            lastname=str(_opt(data, "lastname", "") or ""),
            email=str(_opt(data, "email", "") or ""),
            default_device=str(_opt(data, "defaultDevice", "") or ""),
            admin=str(_opt(data, "admin", False)).lower() == "true",
            timezone=str(_opt(data, "timezone", "") or ""),
        )


@dataclass(frozen=True)
class Device:
    """A phone of a user (§8.2): REGISTER (e…), MOBILE (y…) or EXTERNAL (x…)."""

    id: str
    alias: str
    type: str
    online: bool
    dnd: bool
    phonelines: tuple[str, ...] = ()  # the phonelines (p…) this device rings for

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Device:
        return cls(
            id=_field(data, "id", str, "devices"),
            alias=str(_opt(data, "alias", "") or ""),
            type=str(_opt(data, "type", "") or ""),
            online=bool(_opt(data, "online", False)),
            dnd=bool(_opt(data, "dnd", False)),
            phonelines=tuple(
                str(p["id"])
                for p in _opt(data, "activePhonelines", []) or []
                if isinstance(p, Mapping) and p.get("id")
            ),
        )


@dataclass(frozen=True)
class SmsExtension:
    """An SMS extension (§5.2)."""

    id: str
    alias: str
    caller_id: str

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> SmsExtension:
        return cls(
            id=_field(data, "id", str, "SMS extensions"),
            alias=str(_opt(data, "alias", "") or ""),
            caller_id=str(_opt(data, "callerId", "") or ""),
        )


@dataclass(frozen=True)
class Faxline:
    """A fax line (§6.3)."""

    id: str
    alias: str
    can_send: bool
    can_receive: bool

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Faxline:
        return cls(
            id=_field(data, "id", str, "fax lines"),
            alias=str(_opt(data, "alias", "") or ""),
            can_send=bool(_opt(data, "canSend", False)),
            can_receive=bool(_opt(data, "canReceive", False)),
        )


@dataclass(frozen=True)
class Number:
    """A phone number of the account (§8.3)."""

    id: str
    number: str
    localized: str
    type: str
    endpoint_id: str
    endpoint_alias: str

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Number:
        return cls(
            id=str(_opt(data, "id", "")),
            number=_field(data, "number", str, "numbers"),
            localized=str(_opt(data, "localized", "") or ""),
            type=str(_opt(data, "type", "") or ""),
            endpoint_id=str(_opt(data, "endpointId", "") or ""),
            endpoint_alias=str(_opt(data, "endpointAlias", "") or ""),
        )


@dataclass(frozen=True)
class ContactNumber:
    """One number of a contact, as stored (any format), with its type labels."""

    number: str
    types: tuple[str, ...]


@dataclass(frozen=True)
class Contact:
    """A sipgate contact (§7.1)."""

    id: str
    name: str
    numbers: tuple[ContactNumber, ...]
    emails: tuple[str, ...]
    organization: str
    scope: str

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Contact:
        numbers = tuple(
            ContactNumber(str(n.get("number", "")), tuple(str(t) for t in n.get("type") or ()))
            for n in _opt(data, "numbers", []) or []
            if isinstance(n, Mapping) and n.get("number")
        )
        emails = tuple(
            str(e.get("email", ""))
            for e in _opt(data, "emails", []) or []
            if isinstance(e, Mapping) and e.get("email")
        )
        org_rows = _opt(data, "organization", []) or []
        organization = ", ".join(
            " ".join(str(part) for part in row if part)
            for row in org_rows
            if isinstance(row, list) and any(row)
        )
        return cls(
            id=_field(data, "id", str, "contacts"),
            name=str(_opt(data, "name", "") or ""),
            numbers=numbers,
            emails=emails,
            organization=organization,
            scope=str(_opt(data, "scope", "") or ""),
        )


@dataclass(frozen=True)
class HistoryEntry:
    """A history entry (§9.2); the fax fields are filled for type FAX."""

    id: str
    type: str
    created: str
    last_modified: str
    fax_status: str | None
    page_count: int | None
    raw: Mapping[str, Any]

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> HistoryEntry:
        page_count = _opt(data, "pageCount")
        return cls(
            id=str(_field(data, "id", str, "the history entry")),
            type=str(_opt(data, "type", "") or ""),
            created=str(_opt(data, "created", "") or ""),
            last_modified=str(_opt(data, "lastModified", "") or ""),
            fax_status=_opt(data, "faxStatusType"),
            page_count=int(page_count) if isinstance(page_count, int | float) else None,
            raw=dict(data),
        )


@dataclass(frozen=True)
class LiveCall:
    """A live call from `GET /calls` (§10)."""

    call_id: str
    muted: bool
    hold: bool
    recording: bool
    participants: tuple[str, ...]

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> LiveCall:
        return cls(
            call_id=_field(data, "callId", str, "live calls"),
            muted=bool(_opt(data, "muted", False)),
            hold=bool(_opt(data, "hold", False)),
            recording=bool(_opt(data, "recording", False)),
            participants=tuple(
                str(p.get("phoneNumber", ""))
                for p in _opt(data, "participants", []) or []
                if isinstance(p, Mapping)
            ),
        )


@dataclass(frozen=True)
class CallSession:
    """The answer to a click-to-call: the session (classic) or call (neo) id."""

    id: str
    endpoint: str
