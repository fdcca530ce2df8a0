"""Queries on `outbox`: the durable queue of Slack posts and updates for call messages."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.storage.core import Storage


@dataclass(frozen=True)
class OutboxRow:
    """One queued Slack message operation."""

    id: int
    call_id: str
    kind: str
    channel: str
    payload: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: str
    claimed_at: str | None
    last_error: str | None
    created_at: str
    claimed_by: str | None = None
    uncertain: int = 0  # 1: an earlier attempt at this post may have reached Slack


def _row(row: dict[str, Any]) -> OutboxRow:
    return OutboxRow(**{**row, "payload": json.loads(row["payload"])})


def enqueue(
    storage: Storage, call_id: str, kind: str, channel: str, payload: dict[str, Any], now: str
) -> int:
    """Queue a post or update (joins the caller's transaction); return the row id."""
    with storage.atomic() as db:
        cursor = db.execute(
            "insert into outbox (call_id, kind, channel, payload, status, attempts, "
            "next_attempt_at, created_at) values (?, ?, ?, ?, 'pending', 0, ?, ?)",
            [call_id, kind, channel, json.dumps(payload, ensure_ascii=False), now, now],
        )
        return int(cursor.lastrowid or 0)


def calls_due(storage: Storage, now: str) -> list[str]:
    """Calls with pending rows and nothing in flight, oldest first."""
    rows = storage.query(
        "select call_id, min(id) as first from outbox where status = 'pending' "
        "and call_id not in (select call_id from outbox where status = 'sending') "
        "group by call_id having max(next_attempt_at) <= ? order by first",
        [now],
    )
    return [r["call_id"] for r in rows]


def claim_batch(storage: Storage, call_id: str, now: str, claimer: str) -> list[OutboxRow]:
    """Atomically take every pending row of a call (oldest first) if it is due and not in flight.

    The claim (status 'sending') is what makes a second flusher skip these rows: exactly once.
    """
    with storage.atomic() as db:
        busy = db.execute(
            "select 1 from outbox where call_id = ? and status = 'sending' limit 1", [call_id]
        ).fetchone()
        claimed = [
            _row(r)
            for r in db.query(
                "select * from outbox where call_id = ? and status = 'pending' order by id",
                [call_id],
            )
        ]
        if busy or not claimed or max(r.next_attempt_at for r in claimed) > now:
            return []
        ids = [r.id for r in claimed]
        marks = ",".join("?" for _ in ids)
        db.execute(
            f"update outbox set status = 'sending', claimed_at = ?, claimed_by = ? "
            f"where id in ({marks})",
            [now, claimer, *ids],
        )
        return claimed


def finish(storage: Storage, sent_id: int, others: list[int]) -> None:
    """Mark the row that was sent as 'sent' and the ones folded into it as 'coalesced'."""
    with storage.atomic() as db:
        db.execute("update outbox set status = 'sent' where id = ?", [sent_id])
        for row_id in others:
            db.execute("update outbox set status = 'coalesced' where id = ?", [row_id])


def retry_later(
    storage: Storage, ids: list[int], attempts: int, when: str, error: str, *, uncertain: bool
) -> None:
    """Put claimed rows back in the queue, due at `when` (`uncertain`: it may have been sent)."""
    marks = ",".join("?" for _ in ids)
    storage.execute(
        f"update outbox set status = 'pending', attempts = ?, next_attempt_at = ?, "
        f"last_error = ?, claimed_at = null, uncertain = max(uncertain, ?) "
        f"where id in ({marks})",
        [attempts, when, error, int(uncertain), *ids],
    )


def fail(storage: Storage, ids: list[int], error: str) -> None:
    """Give up on rows after a permanent error."""
    marks = ",".join("?" for _ in ids)
    storage.execute(
        f"update outbox set status = 'failed', last_error = ? where id in ({marks})",
        [error, *ids],
    )


def claimers(storage: Storage) -> list[tuple[str, str]]:
    """(claimed_by, oldest claimed_at) of every claimer with rows in flight."""
    rows = storage.query(
        "select claimed_by, min(claimed_at) as since from outbox where status = 'sending' "
        "group by claimed_by"
    )
    return [(r["claimed_by"] or "", r["since"] or "") for r in rows]


def release_claims(storage: Storage, claimer: str, claimed_before: str | None = None) -> int:
    """Return a dead (or stuck) claimer's rows to the queue as uncertain; return how many."""
    sql = (
        "update outbox set status = 'pending', claimed_at = null, claimed_by = null, "
        "uncertain = 1, last_error = 'interrupted mid-send' "
        "where status = 'sending' and coalesce(claimed_by, '') = ?"
    )
    if claimed_before is None:
        return storage.execute(sql, [claimer])
    return storage.execute(sql + " and claimed_at < ?", [claimer, claimed_before])


def next_due(storage: Storage) -> str | None:
    """When the earliest call with pending rows and none in flight is due, if any."""
    rows = storage.query(
        "select min(due) as due from (select max(next_attempt_at) as due from outbox "
        "where status = 'pending' and call_id not in "
        "(select call_id from outbox where status = 'sending') group by call_id)"
    )
    return rows[0]["due"] if rows else None


def rows_for_call(storage: Storage, call_id: str) -> list[OutboxRow]:
    """Every outbox row of a call, oldest first (for operators and tests)."""
    rows = storage.query("select * from outbox where call_id = ? order by id", [call_id])
    return [_row(r) for r in rows]
