"""The durable Slack outbox: call-message posts and updates, sent in order per call.

Rows are written in the same transaction as the call state they show, so a crash or a Slack
outage never loses one. A flush claims all due rows of one call at a time (status 'sending')
before talking to Slack, which makes a second flusher skip them (exactly once), then:

- sends the *latest* payload only: a post with updates queued behind it is posted once in its
  final state; consecutive updates collapse into one chat.update (Tier 3, slack-bolt.md §4.2);
- never sends an update before the call's post has succeeded (it needs the post's ts);
- on 429 waits Retry-After (slack-bolt.md §7.1), on 5xx, timeouts and connection errors backs
  off exponentially, and on permanent errors (channel_not_found, invalid_blocks, …) logs and
  marks the rows failed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.scheduler import Scheduler
from bot.storage import Storage, utc_now_iso
from bot.storage import live_calls as calls_db
from bot.storage import outbox as db

logger = logging.getLogger(__name__)

TRANSIENT_ERRORS = frozenset(
    {
        "ratelimited",
        "rate_limited",
        "fatal_error",
        "internal_error",
        "service_unavailable",
        "request_timeout",
    }
)
# A row still 'sending' after this long belongs to a flusher that died mid-request.
CLAIM_LEASE = timedelta(minutes=2)


class Outbox:
    """Queues Slack posts/updates for call messages and delivers them with retries."""

    def __init__(
        self,
        *,
        storage: Storage,
        slack: WebClient,
        scheduler: Scheduler,
        clock: Callable[[], datetime],
        retry_base: float = 2.0,
        retry_max: float = 300.0,
    ) -> None:
        self.storage = storage
        self.slack = slack
        self.scheduler = scheduler
        self.clock = clock
        # Seconds for the first retry after a 5xx/timeout, doubling up to retry_max.
        self.retry_base = retry_base
        self.retry_max = retry_max
        self._running = threading.Lock()
        self._wanted = threading.Event()

    # -- queueing -------------------------------------------------------------------------------

    def enqueue(self, call_id: str, kind: str, channel: str, payload: dict[str, Any]) -> None:
        """Queue a post or update; joins the caller's transaction (call `kick` after commit)."""
        db.enqueue(self.storage, call_id, kind, channel, payload, utc_now_iso(self.clock()))

    def kick(self) -> None:
        """Flush soon on a worker thread; `flush` itself coalesces concurrent requests."""
        # No job_id: APScheduler skips a same-id job while one runs (max_instances=1), and a
        # skipped run_soon job is never counted done by Scheduler.wait_idle.
        self.scheduler.run_soon(self.flush)

    def sweep(self) -> None:
        """Safety net run by the scheduler: requeue abandoned claims, then flush."""
        before = utc_now_iso(self.clock() - CLAIM_LEASE)
        released = db.release_stale_claims(self.storage, before)
        if released:
            logger.warning("Outbox: %d rows were left mid-send; retrying them", released)
        self.flush()

    # -- delivering -----------------------------------------------------------------------------

    def flush(self) -> None:
        """Deliver every due row; one flusher at a time, re-running if asked meanwhile."""
        self._wanted.set()
        while self._wanted.is_set():
            if not self._running.acquire(blocking=False):
                return  # the running flusher sees _wanted and goes round again
            try:
                while self._wanted.is_set():
                    self._wanted.clear()
                    for call_id in db.calls_due(self.storage, utc_now_iso(self.clock())):
                        self._flush_call(call_id)
                    self._schedule_retry()
            finally:
                self._running.release()

    def _flush_call(self, call_id: str) -> None:
        batch = db.claim_batch(self.storage, call_id, utc_now_iso(self.clock()))
        if not batch:
            return
        call = calls_db.call(self.storage, call_id)
        ids = [row.id for row in batch]
        payload = batch[-1].payload  # the latest state wins (coalescing)
        posts = [row for row in batch if row.kind == "post"]
        if call is not None and call.ts:
            channel, ts, sent = call.channel or batch[-1].channel, call.ts, batch[-1]
        elif posts:
            channel, ts, sent = posts[0].channel, None, posts[0]
        else:
            db.fail(self.storage, ids, "no message to update: the call's post never succeeded")
            logger.warning("Outbox: dropped updates for call %s (its post failed)", call_id)
            return
        try:
            new_ts = self._send(channel, ts, payload)
        except (SlackClientError, OSError) as exc:
            self._failed(batch, exc)
            return
        with self.storage.atomic():
            if ts is None:
                calls_db.set_message(self.storage, call_id, channel, new_ts)
            db.finish(self.storage, sent.id, [i for i in ids if i != sent.id])

    def _send(self, channel: str, ts: str | None, payload: dict[str, Any]) -> str:
        text, blocks = payload["text"], payload["blocks"]
        if ts is None:
            response = self.slack.chat_postMessage(
                channel=channel, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False
            )
            return str(response["ts"])
        self.slack.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
        return ts

    def _failed(self, batch: list[db.OutboxRow], exc: Exception) -> None:
        ids = [row.id for row in batch]
        error, retry_after = _classify(exc)
        if retry_after is None:
            logger.error(
                "Outbox: Slack refused the message for call %s: %s", batch[0].call_id, error
            )
            db.fail(self.storage, ids, error)
            return
        attempts = max(row.attempts for row in batch) + 1
        delay = retry_after or min(self.retry_max, self.retry_base * 2 ** (attempts - 1))
        when = self.clock() + timedelta(seconds=delay)
        logger.warning(
            "Outbox: Slack failed (%s) for call %s; retry %d in %.1f s",
            error,
            batch[0].call_id,
            attempts,
            delay,
        )
        db.retry_later(self.storage, ids, attempts, utc_now_iso(when), error)

    def _schedule_retry(self) -> None:
        due = db.next_due(self.storage)
        if due is None:
            return
        wait = (datetime.fromisoformat(due) - self.clock()).total_seconds()
        if wait <= 0:
            self._wanted.set()  # became due during this pass: go round again
        else:
            when = datetime.now(UTC) + timedelta(seconds=wait)
            # One job per due time: a fixed id would be skipped by APScheduler while an
            # earlier retry job with that id is still running (max_instances=1).
            self.scheduler.run_at(when, self.flush, job_id=f"outbox:retry:{due}")


def _classify(exc: Exception) -> tuple[str, float | None]:
    """(error, seconds to wait): 0 = back off exponentially, None = permanent."""
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        error = str(exc.response.get("error") or f"HTTP {status}")
        if status == 429:
            header = exc.response.headers.get("Retry-After") or exc.response.headers.get(
                "retry-after"
            )
            return error, float(header) if header and str(header).isdigit() else 1.0
        if status >= 500 or error in TRANSIENT_ERRORS:
            return error, 0
        return error, None
    # Timeouts, refused connections and other transport failures (slack-bolt.md §7.2).
    return type(exc).__name__, 0
