"""SQLite storage through sqlite-utils: the connection, the migrations, and query functions.

Each table family has a module of small typed query functions (`people.py`, …) that take the
`Storage` as their first argument; no SQL lives outside this package.
"""

from bot.storage.core import Storage, open_storage, utc_now_iso

__all__ = ["Storage", "open_storage", "utc_now_iso"]
