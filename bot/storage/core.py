"""Open the database (WAL, foreign keys), apply migrations, and serialise access."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from bot.storage.migrations import migrations


def utc_now_iso(now: datetime | None = None) -> str:
    """An ISO-8601 UTC timestamp, the format every timestamp column uses."""
    return (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="milliseconds")


class Storage:
    """One SQLite connection shared by the process's threads, guarded by a re-entrant lock."""

    def __init__(self, db: Database, path: str) -> None:
        self.db = db
        self.path = path
        self.lock = threading.RLock()

    @contextmanager
    def atomic(self) -> Iterator[Database]:
        """Hold the lock and run the block in one transaction (IMMEDIATE: takes the write lock)."""
        with self.lock:
            conn = self.db.conn
            if conn.in_transaction:  # nested: the outer block owns the transaction
                yield self.db
                return
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                conn.rollback()
                raise
            conn.commit()

    def query(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        """Run a read query and return its rows as dicts."""
        with self.lock:
            return list(self.db.query(sql, params))

    def execute(self, sql: str, params: Any = ()) -> int:
        """Run one write statement in its own transaction; return the affected row count."""
        with self.atomic() as db:
            return db.execute(sql, params).rowcount

    def schema_version(self) -> list[str]:
        """Names of the applied migrations, oldest first."""
        with self.lock:
            return [m.name for m in migrations.applied(self.db)]

    def healthy(self) -> bool:
        """True when a trivial query works."""
        try:
            return bool(self.query("select 1 as ok")[0]["ok"] == 1)
        except sqlite3.Error:
            return False

    def close(self) -> None:
        with self.lock:
            self.db.close()


def open_storage(path: str) -> Storage:
    """Open (creating if needed) the SQLite file at `path` and bring its schema up to date."""
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    # isolation_level=None: we open transactions explicitly (BEGIN IMMEDIATE) in atomic();
    # check_same_thread=False: the lock in Storage serialises the threads.
    conn = sqlite3.connect(path, check_same_thread=False, timeout=30, isolation_level=None)
    db = Database(conn)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=30000")
    storage = Storage(db, path)
    with storage.lock:
        migrations.apply(db)
    return storage
