"""Queries on `settings`: small facts the bot learns and caches."""

from __future__ import annotations

from bot.storage.core import Storage, utc_now_iso


def get_setting(storage: Storage, key: str) -> tuple[str, str] | None:
    """The (value, updated_at) stored under `key`, if any."""
    rows = storage.query("select value, updated_at from settings where key = ?", [key])
    return (rows[0]["value"], rows[0]["updated_at"]) if rows else None


def put_setting(storage: Storage, key: str, value: str) -> None:
    """Store `value` under `key`."""
    storage.execute(
        "insert into settings (key, value, updated_at) values (?, ?, ?) "
        "on conflict(key) do update set value = excluded.value, updated_at = excluded.updated_at",
        [key, value, utc_now_iso()],
    )
