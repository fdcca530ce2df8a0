"""The schema history: one named migration per change, applied in order at start-up.

Never edit a migration that has shipped; add a new one.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("sipgate_slack")


@migrations()
def create_settings(db: Database) -> None:
    """Key/value facts the bot learns at run time (e.g. the sipgate account type)."""
    db.table("settings").create({"key": str, "value": str, "updated_at": str}, pk="key")


@migrations()
def create_sipgate_users(db: Database) -> None:
    """A cache of sipgate's user directory, used to link Slack users by e-mail."""
    db.table("sipgate_users").create(
        {
            "id": str,
            "name": str,
            "email": str,
            "default_device": str,
            "admin": int,
            "timezone": str,
            "refreshed_at": str,
        },
        pk="id",
    )
    db.table("sipgate_users").create_index(["email"])


@migrations()
def create_people(db: Database) -> None:
    """Slack user -> sipgate user links, how they were made, and each person's chosen device."""
    db.table("people").create(
        {
            "slack_user_id": str,
            "sipgate_user_id": str,  # NULL: looked up, no sipgate user has this e-mail
            "email": str,
            "real_name": str,
            "tz": str,
            "linked_by": str,  # "email" (automatic) or "admin:<slack user id>"
            "device_id": str,  # chosen with /sipgate device; NULL = the sipgate default device
            "checked_at": str,
        },
        pk="slack_user_id",
    )
    db.table("people").create_index(["sipgate_user_id"])


@migrations()
def create_contacts(db: Database) -> None:
    """A local copy of sipgate's contacts for fast lookups and caller names."""
    db.table("contacts").create(
        {
            "id": str,
            "name": str,
            "name_folded": str,  # lower-case, accents removed: what searches compare against
            "organization": str,
            "org_folded": str,
            "scope": str,
            "numbers": str,  # JSON list of {"number": raw, "e164": …, "types": [...]}
        },
        pk="id",
    )
    db.table("contact_numbers").create(
        {"contact_id": str, "e164": str, "raw": str, "types": str},
        foreign_keys=[("contact_id", "contacts", "id")],
    )
    db.table("contact_numbers").create_index(["e164"])
    db.table("contact_numbers").create_index(["contact_id"])
