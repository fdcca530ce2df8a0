"""Live calls in Slack: push events -> call state -> outbox; Hold/Mute/Hang up with authorization.

The call state only moves forward: ringing -> answered | voicemail -> ended | missed. Events
may be missing, late, duplicated or out of order (sipgate-api.md §19), so every event is
recorded once (dedupe table) and applied by `advance`, which never reopens an ended call.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot import phone
from bot.blocks import live_calls as blocks
from bot.errors import UserError
from bot.outbox import Outbox
from bot.scheduler import Scheduler
from bot.services.contacts import ContactsService
from bot.services.people import PeopleService
from bot.services.routes import RoutesService
from bot.sipgate import SipgateClient
from bot.sipgate.errors import NotFound, SipgateError
from bot.sipgate.webhooks import Answer, Event, Hangup, NewCall
from bot.storage import Storage, utc_now_iso
from bot.storage import live_calls as db
from bot.storage.live_calls import CallRow

logger = logging.getLogger(__name__)

OPEN = ("ringing", "answered", "voicemail")
# Hung up before anyone answered: shown as missed (sipgate-api.md §12.3 causes).
MISSED_CAUSES = frozenset({"cancel", "noAnswer", "busy"})
REGION_TZ = {"DE": "Europe/Berlin", "AT": "Europe/Vienna", "CH": "Europe/Zurich"}
VERBS = ("hold", "resume", "mute", "unmute", "hangup")


@dataclass(frozen=True)
class Change:
    """A call's new state and the message showing it, ready to store in one transaction."""

    before: CallRow | None
    row: CallRow
    kind: str  # post | update
    payload: dict[str, object] | None  # None when the call has no channel


class CallControlRefused(UserError):
    """The clicker may not control this call, or the call is past the point where they can."""


def event_key(event: Event) -> str:
    """What tells two deliveries of the same event apart from two different events."""
    if isinstance(event, NewCall):
        return ",".join(event.user_ids) or ",".join(event.users)
    if isinstance(event, Answer):
        return f"{event.user_id}|{event.answering_number}"
    if isinstance(event, Hangup):
        return event.cause
    return getattr(event, "digits", "")


def advance(row: CallRow, event: Event, now: str) -> CallRow:
    """Apply one event to a call; the state never moves backwards."""
    if isinstance(event, NewCall) and not row.user_ids and not row.users:
        return replace(row, users=event.users, user_ids=event.user_ids)
    if isinstance(event, Answer) and row.state == "ringing":
        # An answer without a user is voicemail or a queue (§19, sipgate.io #70).
        voicemail = not (event.user or event.user_id)
        return replace(
            row,
            state="voicemail" if voicemail else "answered",
            voicemail=voicemail,
            answered_by=event.user,
            answered_by_id=event.user_id,
            answered_at=now,
        )
    if isinstance(event, Hangup) and row.state in OPEN:
        return _ended(row, cause=event.cause, now=now)
    return row


def _ended(row: CallRow, *, cause: str, now: str | None, note: str = "", by: str = "") -> CallRow:
    answered = row.answered_at is not None or row.state != "ringing"
    missed = not answered and cause in MISSED_CAUSES
    return replace(
        row,
        state="missed" if missed else "ended",
        ended_at=now,
        cause=cause,
        end_note=note,
        ended_by=by,
        hold=False,
        muted=False,
    )


class LiveCallsService:
    """Turns sipgate push events into call messages and runs the call-control buttons."""

    def __init__(
        self,
        *,
        storage: Storage,
        sipgate: SipgateClient,
        people: PeopleService,
        contacts: ContactsService,
        routes: RoutesService,
        outbox: Outbox,
        scheduler: Scheduler,
        clock: Callable[[], datetime],
        region: str,
        stale_after: timedelta = timedelta(hours=4),
        click_window: timedelta = timedelta(seconds=2),
    ) -> None:
        self.storage = storage
        self.sipgate = sipgate
        self.people = people
        self.contacts = contacts
        self.routes = routes
        self.outbox = outbox
        self.scheduler = scheduler
        self.clock = clock
        self.region = region
        self.tz = REGION_TZ.get(region, "UTC")
        self.stale_after = stale_after
        self.click_window = click_window
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._refreshing = threading.Lock()

    # -- push events (applied by bot.services.call_inbox) ---------------------------------------

    def new_call(self, event: NewCall | Answer | Hangup, now: str) -> CallRow:
        """The row for a call first seen with `event` (before `advance` applies it)."""
        users = event.users if isinstance(event, NewCall) else ()
        user_ids = event.user_ids if isinstance(event, NewCall) else ()
        if isinstance(event, Answer) and event.user_id:
            users, user_ids = (event.user,), (event.user_id,)
        ours = event.to_number if event.direction == "in" else event.from_number
        return CallRow(
            call_id=event.call_id,
            orig_call_id=event.orig_call_id,
            direction=event.direction,
            from_number=event.from_number,
            to_number=event.to_number,
            users=users,
            user_ids=user_ids,
            state="ringing",
            voicemail=False,
            answered_by="",
            answered_by_id="",
            answered_at=None,
            ended_at=None,
            cause="",
            end_note="",
            ended_by="",
            hold=False,
            hold_by="",
            muted=False,
            muted_by="",
            channel=self.routes.channel_for(event.direction, ours, user_ids),
            ts=None,
            version=0,
            created_at=now,
            updated_at=now,
        )

    def change(self, before: CallRow | None, after: CallRow, now: str) -> Change | None:
        """The stored row and message for a call moving from `before` to `after` (None: same)."""
        if after == before:
            return None
        row = replace(after, version=after.version + 1, updated_at=now)
        payload = self.message(row) if row.channel else None
        return Change(before, row, "post" if before is None else "update", payload)

    def store(self, change: Change) -> None:
        """Save the call and queue its message (post the first time, then updates)."""
        with self.storage.atomic():
            db.save_call(self.storage, change.row)
            if change.payload is not None and change.row.channel:
                self.outbox.enqueue(
                    change.row.call_id, change.kind, change.row.channel, change.payload
                )

    def _save(self, before: CallRow | None, after: CallRow, now: str) -> None:
        found = self.change(before, after, now)
        if found is not None:
            self.store(found)

    def message(self, row: CallRow) -> dict[str, object]:
        """The call's Slack message in its current state."""
        return blocks.call_message(self._view(row))

    def _view(self, row: CallRow) -> blocks.CallView:
        other, ours = (
            (row.from_number, row.to_number)
            if row.direction == "in"
            else (row.to_number, row.from_number)
        )
        e164 = phone.normalise(other, self.region) if other and other != "anonymous" else None
        line = self.routes.line(ours)
        names = row.users or ("",) * len(row.user_ids)
        ids = row.user_ids or ("",) * len(names)
        return blocks.CallView(
            call_id=row.call_id,
            version=row.version,
            direction=row.direction,
            state=row.state,
            voicemail=row.voicemail,
            caller=phone.display(e164, self.region) if e164 else "a withheld number",
            caller_name=self.contacts.name_for_number(e164) if e164 else None,
            caller_e164=e164,
            called=phone.display(ours, self.region) if ours else "unknown",
            line=line.alias if line and line.alias else None,
            ringing=tuple(self._party(n, i) for n, i in zip(names, ids, strict=False)),
            answered_by=self._party(row.answered_by, row.answered_by_id)
            if (row.answered_by or row.answered_by_id)
            else None,
            answered_at=_time(row.answered_at),
            ended_at=_time(row.ended_at),
            cause=row.cause,
            end_note=row.end_note,
            ended_by=row.ended_by or None,
            hold_by=row.hold_by if row.hold else None,
            muted_by=row.muted_by if row.muted else None,
            tz=self.tz,
        )

    def _party(self, name: str, sipgate_user_id: str) -> blocks.Party:
        linked = self.people.slack_users_for(sipgate_user_id) if sipgate_user_id else []
        return blocks.Party(
            name=name or sipgate_user_id, slack_user_id=linked[0] if linked else None
        )

    # -- sweeps -------------------------------------------------------------------------------

    def close_stale(self) -> None:
        """Close calls whose hangup never came, after `stale_after` (§19: hangups go missing)."""
        cutoff = utc_now_iso(self.clock() - self.stale_after)
        for stale in db.open_calls_since(self.storage, cutoff):
            with self._lock(stale.call_id):
                self._update(stale.call_id, lambda r: _close(r, "no hangup received"))
            logger.info("Closed call %s: no hangup received", stale.call_id)
        with self._locks_guard:  # forget the click locks nobody holds (one per call seen)
            self._locks = {k: lock for k, lock in self._locks.items() if lock.locked()}

    def refresh_caches(self) -> None:
        """Refresh the numbers and contacts caches in the background (never on the webhook path)."""
        if not self._refreshing.acquire(blocking=False):
            return  # another call's refresh is already on it
        try:
            self.routes.refresh_numbers()
            self.contacts.ensure_fresh()
        except SipgateError as exc:
            logger.warning("Could not refresh the numbers/contacts cache: %s", type(exc).__name__)
        finally:
            self._refreshing.release()

    # -- call control -------------------------------------------------------------------------

    def control(self, slack_user_id: str, call_id: str, verb: str) -> None:
        """Hold/resume/mute/unmute/hang up a call for a Slack user; raise CallControlRefused."""
        if verb not in VERBS:
            raise ValueError(verb)
        # Conflicting clicks on one call taken by this process run one after the other; the
        # same click taken by two worker processes is settled by claim_action's transaction.
        with self._lock(call_id):
            row = db.call(self.storage, call_id)
            if row is None:
                raise CallControlRefused("I don't know this call (any more).")
            now = self.clock()
            if not self._may_control(slack_user_id, row):
                self._audit(call_id, slack_user_id, verb, "refused")
                raise CallControlRefused(
                    "Only the people this call rang (and bot admins) can control it."
                )
            since = utc_now_iso(now - self.click_window)
            if db.recent_action(self.storage, call_id, verb, since) or _no_op(row, verb):
                self._audit(call_id, slack_user_id, verb, "ignored")
                return
            if row.state != "answered":
                self._audit(call_id, slack_user_id, verb, "not_connected")
                raise CallControlRefused(_not_connected(row))
            action_id = db.claim_action(
                self.storage, call_id, slack_user_id, verb, utc_now_iso(now), since
            )
            if action_id is None:  # the same click, already being done or just done
                self._audit(call_id, slack_user_id, verb, "ignored")
                return
            self._act(row, slack_user_id, verb, action_id)

    def _act(self, row: CallRow, slack_user_id: str, verb: str, action_id: int) -> None:
        now = utc_now_iso(self.clock())
        try:
            self._rtcm(row.call_id, verb)
        except NotFound as exc:
            db.set_action_result(self.storage, action_id, "not_found")
            self._update(row.call_id, lambda r: _close(r, "the call no longer exists at sipgate"))
            raise CallControlRefused("This call has already ended.") from exc
        except SipgateError as exc:
            db.set_action_result(self.storage, action_id, f"error:{type(exc).__name__}")
            raise
        db.set_action_result(self.storage, action_id, "ok")
        self._update(row.call_id, lambda r: _controlled(r, verb, slack_user_id, now))

    def _update(self, call_id: str, change: Callable[[CallRow], CallRow]) -> None:
        """Re-read the call in a transaction (a webhook may have moved it on) and change it."""
        with self.storage.atomic():
            row = db.call(self.storage, call_id)
            if row is not None:
                self._save(row, change(row), utc_now_iso(self.clock()))
        self.outbox.kick()

    def _rtcm(self, call_id: str, verb: str) -> None:
        if verb in ("hold", "resume"):
            self.sipgate.hold(call_id, verb == "hold")
        elif verb in ("mute", "unmute"):
            self.sipgate.mute(call_id, verb == "mute")
        else:
            self.sipgate.hang_up(call_id)

    def _may_control(self, slack_user_id: str, row: CallRow) -> bool:
        """Admins, and the Slack users linked to the sipgate users the call rang or reached."""
        if self.people.is_admin(slack_user_id):
            return True
        on_call = {uid for uid in (*row.user_ids, row.answered_by_id) if uid}
        if any(slack_user_id in self.people.slack_users_for(uid) for uid in on_call):
            return True
        # Not seen before: resolve the link by e-mail (we are after the ack, off the hot path).
        return self.people.person(slack_user_id).sipgate_user_id in on_call

    def _audit(self, call_id: str, slack_user_id: str, verb: str, result: str) -> None:
        now = utc_now_iso(self.clock())
        db.add_action(self.storage, call_id, slack_user_id, verb, now, result)
        logger.info("Call control %s on %s by %s: %s", verb, call_id, slack_user_id, result)

    def _lock(self, call_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(call_id, threading.Lock())


def _close(row: CallRow, note: str) -> CallRow:
    """End an open call for a reason of our own (no hangup event, so no end time)."""
    if row.state not in OPEN:
        return row
    return replace(_ended(row, cause="", now=None, note=note), state="ended")


def _controlled(row: CallRow, verb: str, slack_user_id: str, now: str) -> CallRow:
    if row.state not in OPEN:
        return row  # a hangup arrived while sipgate was acting on the click
    if verb == "hangup":
        return replace(
            _ended(row, cause="normalClearing", now=now, by=slack_user_id), state="ended"
        )
    if verb in ("hold", "resume"):
        return replace(row, hold=verb == "hold", hold_by=slack_user_id)
    return replace(row, muted=verb == "mute", muted_by=slack_user_id)


def _no_op(row: CallRow, verb: str) -> bool:
    """True when the call is already where the button would put it (e.g. a second Hold)."""
    return (
        (verb == "hold" and row.hold)
        or (verb == "resume" and not row.hold and row.state == "answered")
        or (verb == "mute" and row.muted)
        or (verb == "unmute" and not row.muted and row.state == "answered")
    )


def _not_connected(row: CallRow) -> str:
    if row.state in ("ended", "missed"):
        return "This call has already ended."
    if row.state == "voicemail":
        return "This call is with voicemail; there is nothing to control."
    return "The call is not connected yet; try again once it is answered."


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
