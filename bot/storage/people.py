"""Queries on `people` (Slack <-> sipgate links) and `sipgate_users` (the directory cache)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.sipgate.models import User
from bot.storage.core import Storage, utc_now_iso


@dataclass(frozen=True)
class PersonRow:
    """One row of `people`."""

    slack_user_id: str
    sipgate_user_id: str | None
    email: str
    real_name: str
    tz: str
    linked_by: str
    device_id: str | None
    checked_at: str


@dataclass(frozen=True)
class SipgateUserRow:
    """One cached sipgate user."""

    id: str
    name: str
    email: str
    default_device: str
    admin: bool
    timezone: str
    refreshed_at: str


def person(storage: Storage, slack_user_id: str) -> PersonRow | None:
    """The stored link for a Slack user, if any."""
    rows = storage.query("select * from people where slack_user_id = ?", [slack_user_id])
    return PersonRow(**rows[0]) if rows else None


def people_for_sipgate_user(storage: Storage, sipgate_user_id: str) -> list[PersonRow]:
    """Every Slack user linked to this sipgate user."""
    rows = storage.query("select * from people where sipgate_user_id = ?", [sipgate_user_id])
    return [PersonRow(**r) for r in rows]


def save_person(storage: Storage, row: PersonRow) -> None:
    """Insert or replace a person's link."""
    with storage.atomic() as db:
        db.table("people").upsert(row.__dict__, pk="slack_user_id")


def set_device(storage: Storage, slack_user_id: str, device_id: str | None) -> None:
    """Remember the device a person chose to call from (None: back to the default)."""
    storage.execute(
        "update people set device_id = ? where slack_user_id = ?", [device_id, slack_user_id]
    )


def delete_person(storage: Storage, slack_user_id: str) -> bool:
    """Forget a person's link; True if there was one."""
    return storage.execute("delete from people where slack_user_id = ?", [slack_user_id]) > 0


def replace_sipgate_users(storage: Storage, users: Iterable[User]) -> None:
    """Replace the cached sipgate directory with a fresh copy."""
    now = utc_now_iso()
    rows = [
        {
            "id": u.id,
            "name": u.name,
            "email": u.email.strip().lower(),
            "default_device": u.default_device,
            "admin": int(u.admin),
            "timezone": u.timezone,
            "refreshed_at": now,
        }
        for u in users
    ]
    with storage.atomic() as db:
        db.execute("delete from sipgate_users")
        if rows:
            db.table("sipgate_users").insert_all(rows, pk="id")


def sipgate_users(storage: Storage) -> list[SipgateUserRow]:
    """Every cached sipgate user."""
    return [_user_row(r) for r in storage.query("select * from sipgate_users order by id")]


def sipgate_user(storage: Storage, user_id: str) -> SipgateUserRow | None:
    """One cached sipgate user by id."""
    rows = storage.query("select * from sipgate_users where id = ?", [user_id])
    return _user_row(rows[0]) if rows else None


def sipgate_user_by_email(storage: Storage, email: str) -> SipgateUserRow | None:
    """The cached sipgate user with this e-mail (compared case-insensitively)."""
    rows = storage.query("select * from sipgate_users where email = ?", [email.strip().lower()])
    return _user_row(rows[0]) if rows else None


def sipgate_users_refreshed_at(storage: Storage) -> str | None:
    """When the directory cache was last filled."""
    rows = storage.query("select max(refreshed_at) as at from sipgate_users")
    return rows[0]["at"] if rows else None


def _user_row(row: dict[str, object]) -> SipgateUserRow:
    return SipgateUserRow(
        id=str(row["id"]),
        name=str(row["name"] or ""),
        email=str(row["email"] or ""),
        default_device=str(row["default_device"] or ""),
        admin=bool(row["admin"]),
        timezone=str(row["timezone"] or ""),
        refreshed_at=str(row["refreshed_at"] or ""),
    )
