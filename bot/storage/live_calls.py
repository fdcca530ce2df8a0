"""Queries on `calls`, `call_events`, `routes` and `call_actions` (live calls in Slack)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any

from bot.storage.core import Storage


@dataclass(frozen=True)
class CallRow:
    """One call as the bot knows it from sipgate's push events."""

    call_id: str
    orig_call_id: str
    direction: str
    from_number: str
    to_number: str
    users: tuple[str, ...]
    user_ids: tuple[str, ...]
    state: str
    voicemail: bool
    answered_by: str
    answered_by_id: str
    answered_at: str | None
    ended_at: str | None
    cause: str
    end_note: str
    ended_by: str
    hold: bool
    hold_by: str
    muted: bool
    muted_by: str
    channel: str | None
    ts: str | None
    version: int
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class RouteRow:
    """One routing rule."""

    target: str
    channel: str
    outgoing: bool
    created_by: str
    created_at: str


def _call(row: dict[str, Any]) -> CallRow:
    values = dict(row)
    values["users"] = tuple(json.loads(row["users"] or "[]"))
    values["user_ids"] = tuple(json.loads(row["user_ids"] or "[]"))
    for flag in ("voicemail", "hold", "muted"):
        values[flag] = bool(row[flag])
    return CallRow(**values)


def call(storage: Storage, call_id: str) -> CallRow | None:
    """The call with this sipgate callId, if the bot has seen it."""
    rows = storage.query("select * from calls where call_id = ?", [call_id])
    return _call(rows[0]) if rows else None


def _upsert_sql() -> str:
    columns = [f.name for f in fields(CallRow)]
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != "call_id")
    return (
        f"insert into calls ({', '.join(columns)}) values ({', '.join('?' for _ in columns)}) "
        f"on conflict(call_id) do update set {updates}"
    )


# Plain SQL, built once: sqlite-utils' upsert re-reads the table schema on every call, which was
# a quarter of the webhook's time (README, Benchmark).
UPSERT_CALL = _upsert_sql()


def save_call(storage: Storage, row: CallRow) -> None:
    """Insert or replace a call."""
    values = asdict(row)
    values["users"] = json.dumps(list(row.users), ensure_ascii=False)
    values["user_ids"] = json.dumps(list(row.user_ids))
    for flag in ("voicemail", "hold", "muted"):
        values[flag] = int(values[flag])
    with storage.atomic() as db:
        db.execute(UPSERT_CALL, list(values.values()))


def set_message(storage: Storage, call_id: str, channel: str, ts: str) -> None:
    """Remember where the call's message was posted (the key for every chat.update)."""
    storage.execute(
        "update calls set channel = ?, ts = ? where call_id = ?", [channel, ts, call_id]
    )


def open_calls_since(storage: Storage, before: str) -> list[CallRow]:
    """Calls not yet ended whose last event is older than `before` (ISO UTC)."""
    rows = storage.query(
        "select * from calls where state in ('ringing', 'answered', 'voicemail') "
        "and updated_at < ? order by created_at",
        [before],
    )
    return [_call(r) for r in rows]


def receive_event(
    storage: Storage, call_id: str, event: str, key: str, body: str, now: str
) -> bool:
    """Store a push event for the inbox worker; False when it was received before (a redelivery)."""
    with storage.atomic() as db:
        cursor = db.execute(
            "insert or ignore into call_events (call_id, event, key, received_at) "
            "values (?, ?, ?, ?)",
            [call_id, event, key, now],
        )
        if cursor.rowcount != 1:
            return False
        db.execute(
            "insert into inbox (call_id, body, received_at) values (?, ?, ?)",
            [call_id, body, now],
        )
        return True


def inbox(storage: Storage, limit: int) -> list[tuple[int, str, str]]:
    """The oldest stored push events not applied yet: (id, form body, received_at)."""
    rows = storage.query("select id, body, received_at from inbox order by id limit ?", [limit])
    return [(r["id"], r["body"], r["received_at"]) for r in rows]


def inbox_take(storage: Storage, ids: list[int]) -> int:
    """Delete applied inbox rows (joins the caller's transaction); return how many were there."""
    marks = ",".join("?" for _ in ids)
    with storage.atomic() as db:
        return int(db.execute(f"delete from inbox where id in ({marks})", ids).rowcount)


# -- routes -------------------------------------------------------------------------------------


def routes(storage: Storage) -> list[RouteRow]:
    """Every routing rule, ordered by target."""
    rows = storage.query("select * from routes order by target")
    return [RouteRow(**{**r, "outgoing": bool(r["outgoing"])}) for r in rows]


def save_route(storage: Storage, row: RouteRow) -> None:
    """Insert or replace the rule for a target."""
    with storage.atomic() as db:
        db.table("routes").upsert({**asdict(row), "outgoing": int(row.outgoing)}, pk="target")


def delete_route(storage: Storage, target: str) -> bool:
    """Remove the rule for a target; True if there was one."""
    return storage.execute("delete from routes where target = ?", [target]) > 0


# -- call control audit -------------------------------------------------------------------------


def recent_action(storage: Storage, call_id: str, action: str, since: str) -> bool:
    """True when the same action on the call was claimed or done at or after `since`."""
    rows = storage.query(
        "select 1 from call_actions where call_id = ? and action = ? and at >= ? "
        "and result in ('pending', 'ok') limit 1",
        [call_id, action, since],
    )
    return bool(rows)


def claim_action(
    storage: Storage, call_id: str, slack_user_id: str, action: str, at: str, since: str
) -> int | None:
    """Record the action as pending unless the same one was claimed or done since `since`.

    One transaction (BEGIN IMMEDIATE), so of two identical clicks taken by different worker
    processes at once only one gets an id; None for the other.
    """
    with storage.atomic():
        if recent_action(storage, call_id, action, since):
            return None
        return add_action(storage, call_id, slack_user_id, action, at, "pending")


def add_action(
    storage: Storage, call_id: str, slack_user_id: str, action: str, at: str, result: str
) -> int:
    """Write an audit row; return its id."""
    with storage.atomic() as db:
        cursor = db.execute(
            "insert into call_actions (call_id, slack_user_id, action, at, result) "
            "values (?, ?, ?, ?, ?)",
            [call_id, slack_user_id, action, at, result],
        )
        return int(cursor.lastrowid or 0)


def set_action_result(storage: Storage, action_id: int, result: str) -> None:
    """Store how an audited action ended."""
    storage.execute("update call_actions set result = ? where id = ?", [result, action_id])


def actions(storage: Storage, call_id: str) -> list[dict[str, Any]]:
    """The audit trail of a call, oldest first."""
    return storage.query(
        "select slack_user_id, action, at, result from call_actions where call_id = ? order by id",
        [call_id],
    )


def inbox_set_aside(storage: Storage, row_id: int, error: str, now: str) -> None:
    """Move an inbox row that cannot be applied to `inbox_failed`, with the error."""
    with storage.atomic() as db:
        db.execute(
            "insert into inbox_failed (id, call_id, body, received_at, failed_at, error) "
            "select id, call_id, body, received_at, ?, ? from inbox where id = ?",
            [now, error[:500], row_id],
        )
        db.execute("delete from inbox where id = ?", [row_id])


def inbox_waiting(storage: Storage) -> bool:
    """True when stored push events wait to be applied (the notifier's cheap poll)."""
    return bool(storage.query("select exists(select 1 from inbox) as waiting")[0]["waiting"])
