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


@migrations()
def create_call_audit(db: Database) -> None:
    """One row per click-to-call the bot asked sipgate for: who, from which device, whom, result."""
    db.table("call_audit").create(
        {
            "id": int,
            "slack_user_id": str,
            "sipgate_user_id": str,
            "device_id": str,
            "callee": str,  # E.164
            "label": str,  # contact or colleague name, "" for a typed number
            "account_type": str,  # classic | neo: which endpoint was used
            "session_id": str,  # sipgate's sessionId / callId; "" when it failed
            "outcome": str,  # started | failed
            "error": str,  # the error class when it failed
            "created_at": str,
        },
        pk="id",
    )
    db.table("call_audit").create_index(["slack_user_id", "created_at"])


@migrations()
def create_fax_jobs(db: Database) -> None:
    """One row per fax sent from Slack: what, to whom, its status, and the message showing it."""
    db.table("fax_jobs").create(
        {
            "id": int,
            "slack_user_id": str,
            "origin_channel": str,  # where /fax or the shortcut was used ("" when unknown)
            "recipient": str,  # E.164
            "recipient_label": str,  # "Anna Schmidt (030 …)" or the display number
            "faxline_id": str,
            "file_id": str,  # the Slack file, downloaded again on Retry
            "file_name": str,
            "file_url": str,  # url_private_download when known ("" -> files.info)
            "page_count": int,
            "session_id": str,  # sipgate's history entry id of the current attempt
            "status": str,  # PENDING | SENDING | SCHEDULED | SENT | FAILED | UNKNOWN
            "failure": str,  # why it failed, for the message
            "attempts": int,
            "polls": int,  # polls of the current attempt (picks the backoff step)
            "missing_polls": int,  # early 404s of the current attempt (§6.2)
            "channel": str,  # the status message: channel and ts ("" when it could not post)
            "ts": str,
            "started_at": str,  # when the current attempt was queued
            "next_poll_at": str,  # also the claim: a poller moves it forward before polling
            "sent_at": str,
            "created_at": str,
        },
        pk="id",
    )
    db.table("fax_jobs").create_index(["status", "next_poll_at"])


@migrations()
def create_calls(db: Database) -> None:
    """Live and recent calls from sipgate's push events, with their Slack message."""
    db.table("calls").create(
        {
            "call_id": str,
            "orig_call_id": str,
            "direction": str,  # "in" | "out"
            "from_number": str,
            "to_number": str,
            "users": str,  # JSON list of the ringing (or calling) users' names
            "user_ids": str,  # JSON list of their sipgate ids (w…)
            "state": str,  # ringing | answered | voicemail | ended | missed
            "voicemail": int,
            "answered_by": str,
            "answered_by_id": str,
            "answered_at": str,
            "ended_at": str,
            "cause": str,
            "end_note": str,
            "ended_by": str,  # Slack user who hung up with the button
            "hold": int,
            "hold_by": str,
            "muted": int,
            "muted_by": str,
            "channel": str,  # where the message goes (NULL: no notification)
            "ts": str,  # the posted message's ts, once posted
            "version": int,
            "created_at": str,
            "updated_at": str,
        },
        pk="call_id",
    )
    db.table("calls").create_index(["state"])


@migrations()
def create_call_events(db: Database) -> None:
    """Push events already applied, so a redelivered event changes nothing (§19)."""
    db.table("call_events").create(
        {"call_id": str, "event": str, "key": str, "received_at": str},
        pk=("call_id", "event", "key"),
    )


@migrations()
def create_outbox(db: Database) -> None:
    """The durable Slack outbox: posts and updates of call messages, sent in order per call."""
    db.table("outbox").create(
        {
            "id": int,
            "call_id": str,
            "kind": str,  # post | update
            "channel": str,
            "payload": str,  # JSON: text + blocks
            "status": str,  # pending | sending | sent | coalesced | failed
            "attempts": int,
            "next_attempt_at": str,
            "claimed_at": str,
            "last_error": str,
            "created_at": str,
        },
        pk="id",
    )
    db.table("outbox").create_index(["status", "call_id"])


@migrations()
def create_routes(db: Database) -> None:
    """Call routing: a called number (E.164) or sipgate user/group id -> a Slack channel."""
    db.table("routes").create(
        {"target": str, "channel": str, "outgoing": int, "created_by": str, "created_at": str},
        pk="target",
    )


@migrations()
def create_call_actions(db: Database) -> None:
    """Audit of Hold/Mute/Hang up clicks: who, what, when, and the result."""
    db.table("call_actions").create(
        {
            "id": int,
            "call_id": str,
            "slack_user_id": str,
            "action": str,
            "at": str,
            "result": str,
        },
        pk="id",
    )
    db.table("call_actions").create_index(["call_id", "action"])


@migrations()
def create_scheduled_sms(db: Database) -> None:
    """Every SMS sent from Slack, now or later: the row is the source of truth for sending it."""
    db.table("scheduled_sms").create(
        {
            "id": int,
            "slack_user_id": str,
            "channel_id": str,  # where it was asked for ("" when unknown)
            "sms_id": str,  # the sender extension (s0, …)
            "recipient": str,  # E.164
            "recipient_label": str,  # "Anna Schmidt (030 …)" or the display number
            "message": str,
            "run_at": str,  # when to send (ISO UTC); the creation time for immediate sends
            "immediate": int,  # 1: sent at once, 0: held by the bot until run_at
            "status": str,  # pending | sending | sent | failed | unknown | cancelled
            "error": str,  # why it failed, in plain words
            "claimed_by": str,  # the process instance that moved it to sending
            "claimed_at": str,
            "finished_at": str,
            "created_at": str,
        },
        pk="id",
    )
    db.table("scheduled_sms").create_index(["status", "run_at"])
    db.table("scheduled_sms").create_index(["slack_user_id", "created_at"])


@migrations()
def create_inbox(db: Database) -> None:
    """Push events stored by the webhook and not applied yet: the answer never waits for Slack
    message building, and a crash between storing and applying loses nothing."""
    db.table("inbox").create(
        {"id": int, "call_id": str, "body": str, "received_at": str},
        pk="id",
    )


@migrations()
def add_outbox_claimer(db: Database) -> None:
    """Which process (pid:instance) claimed an outbox row, so a dead claimer's rows are retried
    at once instead of after the lease; `uncertain` marks posts that may have reached Slack."""
    db.table("outbox").add_column("claimed_by", str)
    db.table("outbox").add_column("uncertain", int, not_null_default=0)


@migrations()
def add_fax_jobs_stale(db: Database) -> None:
    """`stale` = 1 while a fax's status message is missing or behind its row because Slack did
    not take the last post or update; the next poll, or the sweep once it is final, shows it."""
    db.table("fax_jobs").add_column("stale", int, not_null_default=0)


@migrations()
def inbox_ids_never_reused(db: Database) -> None:
    """Give `inbox` AUTOINCREMENT ids: a plain rowid is reused once the table is empty, so an
    applier that lost a race would delete a newer event under an old id (found by the tests)."""
    db.execute(
        "create table inbox_new (id integer primary key autoincrement, call_id text, "
        "body text, received_at text)"
    )
    db.execute("insert into inbox_new (id, call_id, body, received_at) select * from inbox")
    db.execute("drop table inbox")
    db.execute("alter table inbox_new rename to inbox")


@migrations()
def create_inbox_failed(db: Database) -> None:
    """Push events that failed to apply even alone: set aside (not retried in a loop, and not
    dropped silently), with the error, for an operator to look at."""
    db.table("inbox_failed").create(
        {
            "id": int,
            "call_id": str,
            "body": str,
            "received_at": str,
            "failed_at": str,
            "error": str,
        },
        pk="id",
    )
