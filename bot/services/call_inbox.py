"""The call inbox: the webhook stores each push event, a background worker applies it.

The webhook's answer is on sipgate's clock (sipgate-api.md §12: it wants its XML at once), so
the request does only what makes the event safe: deduplicate it and store its verified body in
one short transaction. The `inbox` worker then applies stored events in arrival order, in
batches: it moves each call's state forward, builds the message outside the database lock, and
stores the new state with its outbox row in one transaction, deleting the inbox rows in the same
transaction. A crash between storing and applying loses nothing: the owner's sweep applies what
is left at start. Several processes may apply at once: only the one whose delete takes every
row of its batch commits; the other starts over.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from bot.scheduler import Scheduler
from bot.services.live_calls import Change, LiveCallsService, advance, event_key
from bot.sipgate import webhooks
from bot.sipgate.webhooks import Answer, Event, Hangup, NewCall
from bot.storage import Storage, utc_now_iso
from bot.storage import live_calls as db
from bot.storage.live_calls import CallRow

logger = logging.getLogger(__name__)

BATCH = 100
Shown = NewCall | Answer | Hangup
Received = tuple[Shown, str]  # (event, received_at ISO UTC)


class _TakenElsewhere(Exception):
    """Another process applied (part of) this batch first: roll back and read again."""


class CallInbox:
    """Stores push events on the webhook path and applies them on a worker thread."""

    def __init__(
        self,
        *,
        storage: Storage,
        live_calls: LiveCallsService,
        scheduler: Scheduler,
        clock: Callable[[], datetime],
        apply_here: bool = True,
    ) -> None:
        self.storage = storage
        self.live_calls = live_calls
        self.scheduler = scheduler
        self.clock = clock
        # False in a served web worker: the notifier process polls the inbox (bot.notifier).
        self.apply_here = apply_here
        self.kick = scheduler.add_worker("inbox", self.apply)

    def receive(self, event: Event, raw_body: bytes) -> None:
        """Store a verified push event for the worker (the webhook's only work); no HTTP."""
        if not isinstance(event, Shown):
            return  # dtmf: nothing to show
        now = utc_now_iso(self.clock())
        # latin-1 maps every byte to one character: the stored body is the exact signed bytes.
        body = raw_body.decode("latin-1")
        if db.receive_event(self.storage, event.call_id, event.event, event_key(event), body, now):
            if self.apply_here:
                self.kick()
        else:
            logger.info("Ignored a repeated %s for call %s", event.event, event.call_id)

    def apply(self) -> None:
        """Apply every stored event, oldest first (the worker, and the owner's sweep)."""
        while True:
            rows = db.inbox(self.storage, BATCH)
            if not rows:
                return
            try:
                new_calls = self._apply_batch(rows)
            except _TakenElsewhere:
                continue
            except Exception:
                logger.exception("Applying %d push events failed; trying one by one", len(rows))
                new_calls = self._apply_one_by_one(rows)
            self.live_calls.outbox.kick()
            if new_calls:
                self.scheduler.run_soon(self.live_calls.refresh_caches, job_id="calls:refresh")
            if len(rows) < BATCH:
                return

    def _apply_batch(self, rows: list[tuple[int, str, str]]) -> bool:
        """Apply one batch; True when it holds a call not seen before."""
        by_call = _by_call(rows)
        # Plan outside the lock (message building is the slow part), so webhooks keep storing.
        planned = {cid: self._plan(db.call(self.storage, cid), ev) for cid, ev in by_call.items()}
        with self.storage.atomic():
            if db.inbox_take(self.storage, [row_id for row_id, _, _ in rows]) != len(rows):
                raise _TakenElsewhere
            for call_id, (before, change) in planned.items():
                current = db.call(self.storage, call_id)
                if current != before:  # a click or another process moved the call meanwhile
                    _, change = self._plan(current, by_call[call_id])
                if change is not None:
                    self.live_calls.store(change)
                logger.debug(
                    "Applied %s to call %s: %s",
                    ", ".join(event.event for event, _ in by_call[call_id]),
                    call_id,
                    change.row.state if change else "no change",
                )
        return any(before is None for before, _ in planned.values())

    def _apply_one_by_one(self, rows: list[tuple[int, str, str]]) -> bool:
        """Apply rows singly; one that fails alone is set aside, so it blocks no other call."""
        new_calls = False
        for row in rows:
            try:
                new_calls = self._apply_batch([row]) or new_calls
            except _TakenElsewhere:
                continue
            except Exception as exc:
                logger.exception("Push event %s cannot be applied; set aside", row[0])
                now = utc_now_iso(self.clock())
                db.inbox_set_aside(self.storage, row[0], f"{type(exc).__name__}: {exc}", now)
        return new_calls

    def _plan(
        self, before: CallRow | None, events: list[Received]
    ) -> tuple[CallRow | None, Change | None]:
        row = before
        for event, received_at in events:
            row = advance(row or self.live_calls.new_call(event, received_at), event, received_at)
        assert row is not None  # events is never empty
        return before, self.live_calls.change(before, row, events[-1][1])


def _by_call(rows: list[tuple[int, str, str]]) -> dict[str, list[Received]]:
    """Parse stored bodies and group them per call, in arrival order."""
    grouped: dict[str, list[Received]] = {}
    for row_id, body, received_at in rows:
        try:
            event = webhooks.parse_event(body.encode("latin-1"))
        except webhooks.WebhookRejected as exc:  # it parsed when stored: only a code change
            logger.error("Dropped stored push event %s: %s", row_id, exc.reason)
            continue
        if isinstance(event, Shown):
            grouped.setdefault(event.call_id, []).append((event, received_at))
    return grouped
