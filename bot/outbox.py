"""The durable Slack outbox: call-message posts and updates, sent in order per call.

Rows are written in the same transaction as the call state they show, so a crash or a Slack
outage never loses one. The `outbox` worker hands every call with due rows to a delivery job;
deliveries of different calls run in parallel (a slow Slack does not hold up other calls), and a
delivery claims all due rows of its call at once (status 'sending', with the claiming process)
before talking to Slack, which makes any other delivery skip them. Then it:

- sends the *latest* payload only: a post with updates queued behind it is posted once in its
  final state; consecutive updates collapse into one chat.update (Tier 3, slack-bolt.md §4.2);
- never sends an update before the call's post has succeeded (it needs the post's ts);
- on 429 waits Retry-After (slack-bolt.md §7.1), on 5xx, timeouts and connection errors backs
  off exponentially, and on permanent errors (channel_not_found, invalid_blocks, …) logs and
  marks the rows failed.

Exactly once for posts: Slack has no idempotency key, and a post that timed out, got a 5xx or
was cut short by a crash may have been stored all the same. Every post carries message metadata
naming the call, and such an *uncertain* post first looks for that metadata in the channel's
recent history (`conversations.history`, channels:history): if the message is there, its ts is
adopted and the latest state goes out as an update instead of a second post. Claims of a process
that died are released as soon as the owner's sweep sees the process gone (not after the lease).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import claims, clients, slack_history
from bot.scheduler import Scheduler
from bot.storage import Storage, utc_now_iso
from bot.storage import live_calls as calls_db
from bot.storage import outbox as db

logger = logging.getLogger(__name__)

# A row still 'sending' after this long belongs to a delivery that hung or died mid-request.
CLAIM_LEASE = timedelta(minutes=2)
# The metadata every call message carries, so an uncertain post can be found again.
METADATA_TYPE = "sipgate_call"
# How far before the first attempt to look for an uncertain post.
HISTORY_SLACK = timedelta(minutes=1)


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
        # Our own client without slack-sdk's retry handlers: a connection reset after a post
        # was sent is retried by the outbox, which checks for the message first; the SDK would
        # post it again blind.
        self.slack = clients.without_retries(slack)
        self.scheduler = scheduler
        self.clock = clock
        # Seconds for the first retry after a 5xx/timeout, doubling up to retry_max.
        self.retry_base = retry_base
        self.retry_max = retry_max
        # Names this process on its claims: "pid:random", so a restart with the same pid differs.
        self.instance = claims.instance_name()
        self.kick = scheduler.add_worker("outbox", self.flush)

    # -- queueing -------------------------------------------------------------------------------

    def enqueue(self, call_id: str, kind: str, channel: str, payload: dict[str, Any]) -> None:
        """Queue a post or update; joins the caller's transaction (call `kick` after commit)."""
        db.enqueue(self.storage, call_id, kind, channel, payload, utc_now_iso(self.clock()))

    def sweep(self) -> None:
        """Safety net run by the owner: requeue the claims of dead or stuck deliveries, flush."""
        stuck_before = utc_now_iso(self.clock() - CLAIM_LEASE)
        for claimer, since in db.claimers(self.storage):
            dead = claims.claimer_gone(claimer, self.instance)
            released = db.release_claims(self.storage, claimer, None if dead else stuck_before)
            if released:
                why = "its process is gone" if dead else f"claimed since {since}"
                logger.warning("Outbox: %d rows were left mid-send (%s); retrying", released, why)
        self.kick()

    # -- delivering -----------------------------------------------------------------------------

    def flush(self) -> None:
        """Hand every call with due rows to a delivery job (the `outbox` worker; one at a time)."""
        for call_id in db.calls_due(self.storage, utc_now_iso(self.clock())):
            self.scheduler.run_soon(self._deliver, call_id, job_id=f"outbox:{call_id}")
        self._schedule_retry()

    def _deliver(self, call_id: str) -> None:
        try:
            self._flush_call(call_id)
        finally:
            self.kick()  # this call may have more rows by now, and retries need planning

    def _flush_call(self, call_id: str) -> None:
        batch = db.claim_batch(self.storage, call_id, utc_now_iso(self.clock()), self.instance)
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
            if ts is None and sent.uncertain:
                ts = self._find_post(channel, call_id, sent.created_at)
            new_ts = self._send(channel, ts, call_id, payload)
        except clients.SLACK_FAILURES as exc:
            self._failed(batch, exc, posting=ts is None)
            return
        with self.storage.atomic():
            if call is None or call.ts != new_ts:
                calls_db.set_message(self.storage, call_id, channel, new_ts)
            db.finish(self.storage, sent.id, [i for i in ids if i != sent.id])

    def _send(self, channel: str, ts: str | None, call_id: str, payload: dict[str, Any]) -> str:
        text, blocks = payload["text"], payload["blocks"]
        if ts is None:
            response = self.slack.chat_postMessage(
                channel=channel,
                text=text,
                blocks=blocks,
                unfurl_links=False,
                unfurl_media=False,
                metadata=slack_history.metadata(METADATA_TYPE, call_id=call_id),
            )
            return str(response["ts"])
        self.slack.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
        return ts

    def _find_post(self, channel: str, call_id: str, queued_at: str) -> str | None:
        """The ts of this call's message if an earlier, uncertain attempt did post it."""
        oldest = (datetime.fromisoformat(queued_at) - HISTORY_SLACK).timestamp()
        ts = slack_history.find_message(
            self.slack, channel, METADATA_TYPE, "call_id", call_id, oldest=oldest
        )
        if ts:
            logger.info("Outbox: call %s was already posted; updating it", call_id)
        return ts

    def _failed(self, batch: list[db.OutboxRow], exc: Exception, *, posting: bool) -> None:
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
        # A 429 was surely not stored; a timeout or a 5xx after sending may have been.
        uncertain = posting and not _rate_limited(exc)
        db.retry_later(self.storage, ids, attempts, utc_now_iso(when), error, uncertain=uncertain)

    def _schedule_retry(self) -> None:
        due = db.next_due(self.storage)
        if due is None:
            return
        wait = (datetime.fromisoformat(due) - self.clock()).total_seconds()
        # Due already: its delivery is queued and kicks when done; look again soon regardless.
        when = datetime.now(UTC) + timedelta(seconds=wait if wait > 0 else 0.5)
        # One job per due time: a fixed id would be skipped by APScheduler while an earlier
        # retry job with that id is still running (max_instances=1).
        self.scheduler.run_at(when, self.kick, job_id=f"outbox:retry:{due}")


def _rate_limited(exc: Exception) -> bool:
    return isinstance(exc, SlackApiError) and exc.response.status_code == 429


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
        if slack_history.transient(exc):
            return error, 0
        return error, None
    # Timeouts, refused connections and other transport failures (slack-bolt.md §7.2).
    return type(exc).__name__, 0
