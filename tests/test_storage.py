"""Storage: WAL mode, migrations applied once, atomic blocks roll back."""

from __future__ import annotations

import pytest

from bot.storage import live_calls as live_calls_db
from bot.storage import open_storage
from bot.storage.migrations import migrations
from bot.storage.settings import get_setting, put_setting


def test_new_database_is_in_wal_mode_with_every_migration(tmp_path):
    storage = open_storage(str(tmp_path / "sub" / "bot.db"))
    assert storage.query("pragma journal_mode")[0]["journal_mode"] == "wal"
    assert storage.schema_version() == [m.name for m in migrations._migrations]
    storage.close()


def test_reopening_applies_nothing_twice_and_keeps_data(tmp_path):
    path = str(tmp_path / "bot.db")
    storage = open_storage(path)
    put_setting(storage, "account_type", "classic")
    storage.close()
    again = open_storage(path)
    assert get_setting(again, "account_type")[0] == "classic"
    assert len(again.schema_version()) == len(set(again.schema_version()))
    again.close()


def test_atomic_block_rolls_back_on_error(tmp_path):
    storage = open_storage(str(tmp_path / "bot.db"))
    with pytest.raises(RuntimeError), storage.atomic() as db:
        db.execute("insert into settings (key, value, updated_at) values ('a', 'b', 'c')")
        raise RuntimeError("boom")
    assert get_setting(storage, "a") is None
    storage.close()


def test_inbox_ids_are_never_reused_so_a_late_applier_cannot_take_a_newer_event(tmp_path):
    storage = open_storage(str(tmp_path / "inbox.db"))
    now = "2026-11-23T10:00:00.000+00:00"
    assert live_calls_db.receive_event(storage, "C1", "newCall", "w0", "event=newCall", now)
    ((first, _, _),) = live_calls_db.inbox(storage, 10)
    assert live_calls_db.inbox_take(storage, [first]) == 1  # applied: the inbox is empty again
    assert live_calls_db.receive_event(storage, "C1", "answer", "w0|", "event=answer", now)
    ((second, _, _),) = live_calls_db.inbox(storage, 10)
    assert second != first
    # A second applier that read the newCall before it was taken finds nothing to take.
    assert live_calls_db.inbox_take(storage, [first]) == 0
    assert live_calls_db.inbox(storage, 10)[0][0] == second
