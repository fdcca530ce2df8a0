"""Queries on `fax_jobs`: faxes sent from Slack, their status, and the message that shows it."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from bot.storage.core import Storage, utc_now_iso

ACTIVE = ("PENDING", "SENDING", "SCHEDULED")  # still moving: keep polling
RETRYABLE = ("FAILED",)  # UNKNOWN may have gone out after all: no blind resend
RETRYING = "RETRYING"  # a Retry click is sending the document again


@dataclass(frozen=True)
class FaxJob:
    """One fax sent from Slack and where its status is shown."""

    id: int
    slack_user_id: str
    origin_channel: str
    recipient: str
    recipient_label: str
    faxline_id: str
    file_id: str
    file_name: str
    file_url: str
    page_count: int
    session_id: str
    status: str
    failure: str
    attempts: int
    polls: int
    missing_polls: int
    channel: str
    ts: str
    started_at: str
    next_poll_at: str
    sent_at: str
    created_at: str
    stale: int = 0  # 1: the status message is missing or behind (Slack failed); show it again


@dataclass(frozen=True)
class NewFax:
    """What the service knows when sipgate has accepted a fax."""

    slack_user_id: str
    origin_channel: str
    recipient: str
    recipient_label: str
    faxline_id: str
    file_id: str
    file_name: str
    file_url: str
    page_count: int
    session_id: str
    status: str


def insert_fax_job(storage: Storage, new: NewFax, *, now: datetime, next_poll: datetime) -> int:
    """Store a fax that sipgate accepted; return its row id."""
    row: dict[str, Any] = {
        **new.__dict__,
        "failure": "",
        "attempts": 1,
        "polls": 0,
        "missing_polls": 0,
        "channel": "",
        "ts": "",
        "started_at": utc_now_iso(now),
        "next_poll_at": utc_now_iso(next_poll),
        "sent_at": "",
        "created_at": utc_now_iso(now),
    }
    with storage.atomic() as db:
        pk = db.table("fax_jobs").insert(row).last_pk
    return int(str(pk))


def fax_job(storage: Storage, job_id: int) -> FaxJob | None:
    """One fax job by id."""
    rows = storage.query("select * from fax_jobs where id = ?", [job_id])
    return _job(rows[0]) if rows else None


def set_message(
    storage: Storage, job_id: int, channel: str, ts: str, *, stale: bool | None = None
) -> None:
    """Remember the Slack message that shows this fax (the only one polling ever updates).

    `stale` (default: no ts) marks that the message still has to be posted or brought up to
    date by a later attempt.
    """
    storage.execute(
        "update fax_jobs set channel = ?, ts = ?, stale = ? where id = ?",
        [channel, ts, int(not ts if stale is None else stale), job_id],
    )


def set_stale(storage: Storage, job_id: int, stale: bool) -> None:
    """Record whether the status message still has to catch up with the row."""
    storage.execute("update fax_jobs set stale = ? where id = ?", [int(stale), job_id])


def stale_finished_fax_jobs(storage: Storage) -> list[FaxJob]:
    """Finished faxes whose status message Slack has not taken yet (no poll will show them)."""
    marks = ", ".join("?" for _ in (*ACTIVE, RETRYING))
    rows = storage.query(
        f"select * from fax_jobs where stale = 1 and status not in ({marks}) order by id",
        [*ACTIVE, RETRYING],
    )
    return [_job(r) for r in rows]


def claim_stale(storage: Storage, job_id: int, *, now: datetime, lease: datetime) -> FaxJob | None:
    """Take a finished fax's stale message to show it: None when another run has it or it is
    no longer stale. Finished rows are never polled, so `next_poll_at` holds the claim (the
    final poll holds it the same way while it shows the final status)."""
    marks = ", ".join("?" for _ in (*ACTIVE, RETRYING))
    with storage.atomic() as db:
        claimed = db.execute(
            f"update fax_jobs set next_poll_at = ? where id = ? and stale = 1 "
            f"and status not in ({marks}) and next_poll_at <= ?",
            [utc_now_iso(lease), job_id, *ACTIVE, RETRYING, utc_now_iso(now)],
        ).rowcount
        return fax_job(storage, job_id) if claimed else None


def release_finished(storage: Storage, job_id: int) -> None:
    """Drop the claim on a finished fax once its message has been shown (or tried)."""
    marks = ", ".join("?" for _ in ACTIVE)
    storage.execute(
        f"update fax_jobs set next_poll_at = '' where id = ? and status not in ({marks})",
        [job_id, *ACTIVE],
    )


def unfinished_fax_jobs(storage: Storage) -> list[FaxJob]:
    """Faxes whose status is still moving, oldest first."""
    marks = ", ".join("?" for _ in ACTIVE)
    rows = storage.query(
        f"select * from fax_jobs where status in ({marks}) order by id", list(ACTIVE)
    )
    return [_job(r) for r in rows]


def claim_poll(storage: Storage, job_id: int, *, now: datetime, lease: datetime) -> FaxJob | None:
    """Take the next poll of a fax: None when it is finished, not due, or another run has it.

    Moving `next_poll_at` to `lease` is the claim; a crashed poller's claim lapses at `lease`.
    """
    marks = ", ".join("?" for _ in ACTIVE)
    with storage.atomic() as db:
        claimed = db.execute(
            f"update fax_jobs set next_poll_at = ? where id = ? and status in ({marks}) "
            "and next_poll_at <= ?",
            [utc_now_iso(lease), job_id, *ACTIVE, utc_now_iso(now)],
        ).rowcount
        return fax_job(storage, job_id) if claimed else None


def record_poll(storage: Storage, job: FaxJob, *, next_poll: datetime | None) -> None:
    """Store a poll's outcome (status, counters, failure, sent time) and when to poll next."""
    storage.execute(
        "update fax_jobs set status = ?, failure = ?, polls = ?, missing_polls = ?, sent_at = ?, "
        "page_count = ?, next_poll_at = ? where id = ?",
        [
            job.status,
            job.failure,
            job.polls,
            job.missing_polls,
            job.sent_at,
            job.page_count,
            utc_now_iso(next_poll) if next_poll else "",
            job.id,
        ],
    )


def claim_retry(storage: Storage, job_id: int) -> FaxJob | None:
    """Mark a failed fax as being retried; None when it is not failed (e.g. a double click)."""
    marks = ", ".join("?" for _ in RETRYABLE)
    with storage.atomic() as db:
        claimed = db.execute(
            f"update fax_jobs set status = ? where id = ? and status in ({marks})",
            [RETRYING, job_id, *RETRYABLE],
        ).rowcount
        return fax_job(storage, job_id) if claimed else None


def restart_attempt(
    storage: Storage,
    job_id: int,
    *,
    session_id: str,
    status: str,
    page_count: int,
    now: datetime,
    next_poll: datetime,
) -> None:
    """Start the next attempt of a fax after sipgate accepted it again."""
    storage.execute(
        "update fax_jobs set session_id = ?, status = ?, page_count = ?, failure = '', "
        "attempts = attempts + 1, polls = 0, missing_polls = 0, sent_at = '', started_at = ?, "
        "next_poll_at = ? where id = ?",
        [session_id, status, page_count, utc_now_iso(now), utc_now_iso(next_poll), job_id],
    )


def release_retry(storage: Storage, job_id: int, status: str) -> None:
    """Put a fax whose retry could not be sent back to its earlier final status."""
    storage.execute(
        "update fax_jobs set status = ? where id = ? and status = ?", [status, job_id, RETRYING]
    )


_COLUMNS = {f.name for f in fields(FaxJob)}
_INTEGERS = {"page_count", "attempts", "polls", "missing_polls", "id", "stale"}


def _job(row: dict[str, Any]) -> FaxJob:
    values = {k: row[k] for k in _COLUMNS}
    for key in _INTEGERS:
        values[key] = int(values[key] or 0)
    for key in _COLUMNS - _INTEGERS:
        values[key] = str(values[key] or "")
    return FaxJob(**values)
