"""Queries on `scheduled_sms`: every SMS sent from Slack, its status, and who claimed it."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from bot.storage.core import Storage, utc_now_iso

COUNTED = ("pending", "sending", "sent", "unknown")  # what the hourly rate limit counts
FINAL = ("sent", "failed", "unknown", "cancelled")


@dataclass(frozen=True)
class Sms:
    """One SMS asked for in Slack."""

    id: int
    slack_user_id: str
    channel_id: str
    sms_id: str
    recipient: str
    recipient_label: str
    message: str
    run_at: str
    immediate: int
    status: str
    error: str
    claimed_by: str
    claimed_at: str
    finished_at: str
    created_at: str

    @property
    def run_at_time(self) -> datetime:
        """`run_at` as an aware datetime."""
        return datetime.fromisoformat(self.run_at)


@dataclass(frozen=True)
class NewSms:
    """What the service stores for a new SMS."""

    slack_user_id: str
    channel_id: str
    sms_id: str
    recipient: str
    recipient_label: str
    message: str
    run_at: datetime
    immediate: bool


def insert_sms(
    storage: Storage, new: NewSms, *, status: str, claimed_by: str, now: datetime
) -> int:
    """Store a new SMS row (pending, or already claimed as sending); return its id."""
    row: dict[str, Any] = {
        **new.__dict__,
        "run_at": utc_now_iso(new.run_at),
        "immediate": int(new.immediate),
        "status": status,
        "error": "",
        "claimed_by": claimed_by if status == "sending" else "",
        "claimed_at": utc_now_iso(now) if status == "sending" else "",
        "finished_at": "",
        "created_at": utc_now_iso(now),
    }
    with storage.atomic() as db:
        pk = db.table("scheduled_sms").insert(row).last_pk
    return int(str(pk))


def sms(storage: Storage, sms_row_id: int) -> Sms | None:
    """One SMS row by id."""
    rows = storage.query("select * from scheduled_sms where id = ?", [sms_row_id])
    return _sms(rows[0]) if rows else None


def counted_since(storage: Storage, slack_user_id: str, since: datetime) -> list[str]:
    """Creation times (oldest first) of the user's sent or scheduled SMS since `since`."""
    marks = ", ".join("?" for _ in COUNTED)
    rows = storage.query(
        f"select created_at from scheduled_sms where slack_user_id = ? and created_at >= ? "
        f"and status in ({marks}) order by created_at",
        [slack_user_id, utc_now_iso(since), *COUNTED],
    )
    return [str(r["created_at"]) for r in rows]


def duplicate(storage: Storage, new: NewSms, *, since: datetime) -> Sms | None:
    """The same user's same SMS to the same number for the same time, asked for since `since`."""
    # "Now" and "at 9:00 tomorrow" are different requests, even with the same text. A failed
    # SMS was refused by sipgate, so sending it again is a retry, not a duplicate.
    same_time = "immediate = 1" if new.immediate else "immediate = 0 and run_at = ?"
    params = [new.slack_user_id, new.recipient, new.message, utc_now_iso(since)]
    if not new.immediate:
        params.append(utc_now_iso(new.run_at))
    rows = storage.query(
        "select * from scheduled_sms where slack_user_id = ? and recipient = ? and message = ? "
        f"and created_at >= ? and status not in ('cancelled', 'failed') and {same_time} "
        "order by id desc limit 1",
        params,
    )
    return _sms(rows[0]) if rows else None


def claim(storage: Storage, sms_row_id: int, *, claimed_by: str, now: datetime) -> Sms | None:
    """Move a pending SMS to sending (the claim); None when it is not pending any more."""
    with storage.atomic():
        claimed = storage.execute(
            "update scheduled_sms set status = 'sending', claimed_by = ?, claimed_at = ? "
            "where id = ? and status = 'pending'",
            [claimed_by, utc_now_iso(now), sms_row_id],
        )
        return sms(storage, sms_row_id) if claimed else None


def finish(storage: Storage, sms_row_id: int, *, status: str, error: str, now: datetime) -> bool:
    """Record the outcome of a send (only from sending); False when it was already recorded."""
    return (
        storage.execute(
            "update scheduled_sms set status = ?, error = ?, finished_at = ? "
            "where id = ? and status = 'sending'",
            [status, error, utc_now_iso(now), sms_row_id],
        )
        == 1
    )


def pending(storage: Storage) -> list[Sms]:
    """Every SMS still waiting for its time, soonest first."""
    rows = storage.query("select * from scheduled_sms where status = 'pending' order by run_at")
    return [_sms(r) for r in rows]


def pending_for(storage: Storage, slack_user_id: str) -> list[Sms]:
    """One user's SMS still waiting for their time, soonest first."""
    rows = storage.query(
        "select * from scheduled_sms where status = 'pending' and slack_user_id = ? "
        "order by run_at, id",
        [slack_user_id],
    )
    return [_sms(r) for r in rows]


def sending_not_claimed_by(storage: Storage, claimer: str) -> list[Sms]:
    """SMS left in sending by another process instance (a crash between claim and record)."""
    rows = storage.query(
        "select * from scheduled_sms where status = 'sending' and claimed_by != ? order by id",
        [claimer],
    )
    return [_sms(r) for r in rows]


def cancel(storage: Storage, sms_row_id: int, slack_user_id: str) -> bool:
    """Cancel the user's own pending SMS; False when it is not (or no longer) pending."""
    return (
        storage.execute(
            "update scheduled_sms set status = 'cancelled' "
            "where id = ? and slack_user_id = ? and status = 'pending'",
            [sms_row_id, slack_user_id],
        )
        == 1
    )


_FIELDS = tuple(f.name for f in fields(Sms))


def _sms(row: dict[str, Any]) -> Sms:
    values: dict[str, Any] = {n: row[n] if row[n] is not None else "" for n in _FIELDS}
    return Sms(**values)
