"""Queries on `call_audit`: every click-to-call the bot asked sipgate for."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from bot.storage.core import Storage


@dataclass(frozen=True)
class CallAuditRow:
    """One audited call attempt."""

    slack_user_id: str
    sipgate_user_id: str
    device_id: str
    callee: str
    label: str
    account_type: str
    session_id: str
    outcome: str
    error: str
    created_at: str


def record_call(storage: Storage, row: CallAuditRow) -> int:
    """Append an audit row; return its id."""
    with storage.atomic() as db:
        table = db.table("call_audit")
        table.insert(asdict(row))
        return int(table.last_pk)  # type: ignore[arg-type]


def calls_by_user(storage: Storage, slack_user_id: str, limit: int = 50) -> list[CallAuditRow]:
    """A Slack user's latest call attempts, newest first."""
    rows = storage.query(
        "select * from call_audit where slack_user_id = ? order by id desc limit ?",
        [slack_user_id, limit],
    )
    return [CallAuditRow(**{k: v for k, v in r.items() if k != "id"}) for r in rows]
