"""Fax: check a PDF from Slack, send it with sipgate, and follow its status to SENT or FAILED.

The `fax_jobs` rows are the source of truth: polling is an APScheduler job per row that claims the
row before each poll, and the resume sweep re-schedules unfinished rows after a restart. Polling
only ever updates the Slack message stored on the row.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient

from bot.blocks import common
from bot.errors import FormErrors, UserError
from bot.scheduler import Scheduler
from bot.services.fax_files import FaxRefused, SlackFiles, count_pages, file_problem
from bot.services.fax_messages import FaxMessages
from bot.services.people import PeopleService
from bot.services.targets import Target, TargetResolver
from bot.sipgate import SipgateClient, SipgateError
from bot.sipgate.errors import NotFound, PermissionDenied
from bot.sipgate.models import Faxline
from bot.storage import Storage
from bot.storage import fax as db
from bot.storage.fax import FaxJob, NewFax

__all__ = ["FaxOrder", "FaxRefused", "FaxService", "InvalidForm", "count_pages"]

logger = logging.getLogger(__name__)


class InvalidForm(FormErrors):
    """The fax modal's fields have problems; `errors` maps "number"/"file" to a message."""


@dataclass(frozen=True)
class FaxOrder:
    """A validated request to fax one Slack file to one number."""

    slack_user_id: str
    channel_id: str  # where the command or shortcut was used ("" when unknown)
    target: Target
    file_id: str
    file_name: str
    file_url: str  # url_private_download from the submission ("" -> files.info)
    faxline_id: str = ""  # chosen in the modal ("" -> the user's only sending line)


class FaxService:
    """Sends PDFs from Slack as faxes and keeps their status message up to date."""

    POLL_DELAYS: tuple[float, ...] = (10.0, 30.0, 60.0)  # seconds after sending, then…
    POLL_EVERY = 180.0  # …every 3 minutes
    POLL_FOR = 7200.0  # give up (status UNKNOWN) after 2 hours
    MISSING_TRIES = 5  # early 404s read as "not there yet" (sipgate-api.md §6.2)
    CLAIM_FOR = 120.0  # a poller's claim on its row lapses after this (crash safety)
    LINES_FRESH_FOR = 300.0  # seconds a user's fax lines are reused

    def __init__(
        self,
        *,
        storage: Storage,
        sipgate: SipgateClient,
        slack: WebClient,
        people: PeopleService,
        targets: TargetResolver,
        scheduler: Scheduler,
        clock: Callable[[], datetime],
        bot_token: str,
        files_url: str,
    ) -> None:
        self.storage = storage
        self.sipgate = sipgate
        self.slack = slack
        self.people = people
        self.targets = targets
        self.scheduler = scheduler
        self.clock = clock
        self.files = SlackFiles(slack=slack, bot_token=bot_token, files_url=files_url)
        self.messages = FaxMessages(storage=storage, slack=slack, people=people)
        self._lines: dict[str, tuple[float, list[Faxline]]] = {}
        self._lines_lock = threading.Lock()

    # -- fax lines ---------------------------------------------------------------------------

    def cached_lines(self, slack_user_id: str) -> list[Faxline]:
        """The user's sending lines if known from the last few minutes (never asks sipgate)."""
        with self._lines_lock:
            cached = self._lines.get(slack_user_id)
        if cached and time.monotonic() - cached[0] < self.LINES_FRESH_FOR:
            return list(cached[1])
        return []

    def sending_lines(self, slack_user_id: str) -> list[Faxline]:
        """The user's fax lines that can send (sipgate-api.md §6.3); FaxRefused when none."""
        person = self.people.linked_person(slack_user_id)
        assert person.sipgate_user_id is not None
        try:
            lines = [f for f in self.sipgate.faxlines(person.sipgate_user_id) if f.can_send]
        except PermissionDenied:  # 403 "Feature not booked"
            lines = []
        with self._lines_lock:
            self._lines[slack_user_id] = (time.monotonic(), lines)
        if not lines:
            raise FaxRefused(
                "You have no sipgate fax line that can send faxes. Ask your sipgate admin to "
                "book fax for your user (`/sipgate status` lists your fax lines)."
            )
        return lines

    def _line(self, slack_user_id: str, wanted: str) -> Faxline:
        lines = self.sending_lines(slack_user_id)
        chosen = next((f for f in lines if f.id == wanted), None) if wanted else lines[0]
        if chosen is None:
            raise FaxRefused(
                f"Fax line `{common.escape(wanted)}` is not one of your lines that can send."
            )
        return chosen

    # -- the modal ---------------------------------------------------------------------------

    def prepare(
        self,
        *,
        slack_user_id: str,
        channel_id: str,
        number: str,
        files: Sequence[dict[str, Any]],
        chosen: tuple[str, str] | None = None,
        faxline_id: str = "",
    ) -> FaxOrder:
        """Check the modal's fields without network calls to Slack; raise InvalidForm."""
        errors: dict[str, str] = {}
        target: Target | None = None
        try:
            target = self.targets.resolve_one(number, "fax")
        except UserError as exc:
            errors["number"] = exc.user_message
        if chosen is not None:
            file_id, file_name, file_url = chosen[0], chosen[1], ""
        else:
            problem = file_problem(files)
            if problem:
                errors["file"] = problem
            first = files[0] if files else {}
            file_id, file_name = str(first.get("id", "")), str(first.get("name", "document.pdf"))
            file_url = str(first.get("url_private_download") or "")
        if errors or target is None:
            raise InvalidForm(errors)
        return FaxOrder(slack_user_id, channel_id, target, file_id, file_name, file_url, faxline_id)

    # -- sending -----------------------------------------------------------------------------

    def submit(self, order: FaxOrder) -> None:
        """Send the fax (a background job); tell the user privately when it cannot be sent."""
        try:
            self.send(order)
        except UserError as exc:
            logger.info("Fax refused: %s", type(exc).__name__)
            notice = common.error(exc.user_message)
            self.messages.tell(order.slack_user_id, order.channel_id, notice)
        except Exception:
            logger.exception("Sending a fax failed")
            self.messages.tell(order.slack_user_id, order.channel_id, common.something_went_wrong())

    def send(self, order: FaxOrder) -> FaxJob:
        """Download, check and send the PDF, post the status message, and start polling."""
        line = self._line(order.slack_user_id, order.faxline_id)
        data = self.files.download(order.file_url or self.files.url_of(order.file_id))
        pages = count_pages(data)
        session_id = self._send(line.id, order.target.e164, order.file_name, data)
        now = self.clock()
        new = NewFax(
            slack_user_id=order.slack_user_id,
            origin_channel=order.channel_id,
            recipient=order.target.e164,
            recipient_label=order.target.described,
            faxline_id=line.id,
            file_id=order.file_id,
            file_name=order.file_name,
            file_url=order.file_url,
            page_count=pages,
            session_id=session_id,
            status="PENDING",
        )
        # Post before storing, so the row always names its message and a poll can never run
        # against a row without one.
        preview = _preview(new, now)
        channel, ts = self.messages.post(preview)
        next_poll = now + timedelta(seconds=self._delay(0))
        job_id = db.insert_fax_job(self.storage, new, now=now, next_poll=next_poll)
        db.set_message(self.storage, job_id, channel, ts)  # no ts: the next poll posts it
        self._schedule(job_id, next_poll)
        logger.info("Fax %s queued at sipgate as %s", job_id, session_id)
        return replace(preview, id=job_id, channel=channel, ts=ts)

    def _send(self, line_id: str, recipient: str, file_name: str, data: bytes) -> str:
        # Standard base64, no data-URI prefix (sipgate-api.md §6.1); 10 MB of PDF stays far
        # below the 28,330,000-character cap.
        content = base64.b64encode(data).decode("ascii")
        return self.sipgate.send_fax(
            faxline_id=line_id, recipient=recipient, filename=file_name, base64_content=content
        )

    # -- following the status ----------------------------------------------------------------

    def poll(self, job_id: int) -> None:
        """Ask sipgate for the fax's status once, update the message if it changed, re-arm."""
        now = self.clock()
        lease = now + timedelta(seconds=self.CLAIM_FOR)
        job = db.claim_poll(self.storage, job_id, now=now, lease=lease)
        if job is None:
            return  # finished, not due yet, or another run holds the claim
        updated = self._checked(job, now)
        started = datetime.fromisoformat(job.started_at)
        if updated.status in db.ACTIVE and (now - started).total_seconds() > self.POLL_FOR:
            updated = replace(
                updated,
                status="UNKNOWN",
                failure=f"No final status from sipgate after {self.POLL_FOR / 3600:g} hours.",
            )
        next_poll = None
        if updated.status in db.ACTIVE:
            next_poll = now + timedelta(seconds=self._delay(updated.polls))
        changed = (updated.status, updated.page_count) != (job.status, job.page_count)
        if next_poll is None and (changed or job.stale):
            # Finished: keep the claim while the final status is shown, so the sweep (which
            # shows finished faxes Slack has not taken yet) cannot post it at the same time.
            db.record_poll(self.storage, updated, next_poll=lease)
            try:
                self.messages.show(updated)
            finally:
                db.release_finished(self.storage, job_id)
            return
        db.record_poll(self.storage, updated, next_poll=next_poll)
        if changed or job.stale:
            self.messages.show(updated)
        if next_poll is not None:
            self._schedule(job_id, next_poll)

    def _checked(self, job: FaxJob, now: datetime) -> FaxJob:
        polled = replace(job, polls=job.polls + 1)
        try:
            entry = self.sipgate.history_entry(job.session_id)
        except NotFound:
            missing = job.missing_polls + 1
            if missing < self.MISSING_TRIES:
                return replace(polled, missing_polls=missing)
            failure = "sipgate has no record of this fax any more."
            return replace(polled, missing_polls=missing, status="UNKNOWN", failure=failure)
        except SipgateError as exc:  # a passing outage: keep the status, try again later
            logger.warning("Polling fax %s failed: %s", job.id, type(exc).__name__)
            return polled
        status = entry.fax_status or job.status
        polled = replace(polled, status=status, page_count=entry.page_count or job.page_count)
        if status == "SENT":
            return replace(polled, sent_at=entry.last_modified or now.isoformat())
        if status == "FAILED":
            return replace(polled, failure=_failure_reason(entry.raw))
        return polled

    def resume(self) -> None:
        """The sweep: keep unfinished faxes polled; show final ones Slack did not take (stale)."""
        for job in db.unfinished_fax_jobs(self.storage):
            if not self.scheduler.has_job(_job_id(job.id)):
                when = datetime.fromisoformat(job.next_poll_at) if job.next_poll_at else None
                self._schedule(job.id, max(when or self.clock(), self.clock()))
        for stale in db.stale_finished_fax_jobs(self.storage):
            now = self.clock()
            lease = now + timedelta(seconds=self.CLAIM_FOR)
            claimed = db.claim_stale(self.storage, stale.id, now=now, lease=lease)
            if claimed is None:
                continue  # a final poll or another sweep is showing it right now
            try:
                self.messages.show(claimed)
            except Exception:  # one fax's trouble must not keep the others from showing
                logger.exception("Showing fax %s's status failed", stale.id)
            finally:
                db.release_finished(self.storage, stale.id)

    def _schedule(self, job_id: int, when: datetime) -> None:
        self.scheduler.run_at(when, self.poll, job_id, job_id=_job_id(job_id))

    def _delay(self, polls: int) -> float:
        return self.POLL_DELAYS[polls] if polls < len(self.POLL_DELAYS) else self.POLL_EVERY

    # -- retry -------------------------------------------------------------------------------

    def retry(self, job_id: int, slack_user_id: str) -> FaxJob:
        """Send a failed fax's document again (downloaded again) and follow the new attempt."""
        job = db.fax_job(self.storage, job_id)
        if job is None:
            raise FaxRefused("The bot no longer knows that fax.")
        if job.slack_user_id != slack_user_id:
            raise FaxRefused(f"Only <@{job.slack_user_id}>, who sent this fax, can retry it.")
        claimed = db.claim_retry(self.storage, job_id)
        if claimed is None:
            raise FaxRefused("This fax has not failed, so there is nothing to retry.")
        self.messages.show(claimed)
        try:
            line = self._line(slack_user_id, job.faxline_id)
            data = self.files.download(job.file_url or self.files.url_of(job.file_id))
            pages = count_pages(data)
            session_id = self._send(line.id, job.recipient, job.file_name, data)
        except Exception:
            db.release_retry(self.storage, job_id, job.status)
            self.messages.show(job)
            raise
        now = self.clock()
        next_poll = now + timedelta(seconds=self._delay(0))
        db.restart_attempt(
            self.storage,
            job_id,
            session_id=session_id,
            status="PENDING",
            page_count=pages,
            now=now,
            next_poll=next_poll,
        )
        fresh = db.fax_job(self.storage, job_id)
        assert fresh is not None
        self.messages.show(fresh)
        self._schedule(job_id, next_poll)
        return fresh


def _failure_reason(entry: dict[str, Any] | Any) -> str:
    # sipgate reports no failure reason for faxes; the call outcome hints at one (§9.2).
    outcome = str(entry.get("status") or "") if hasattr(entry, "get") else ""
    reasons = {
        "BUSY": "The fax number was busy.",
        "NOPICKUP": "No fax machine answered at that number.",
    }
    return reasons.get(
        outcome,
        "sipgate could not transmit the fax (the line may be busy, no fax machine answered, "
        "or the document could not be sent).",
    )


def _preview(new: NewFax, now: datetime) -> FaxJob:
    """The row as it will be stored, to render the first status message before the insert."""
    stamp = now.isoformat()
    return FaxJob(
        id=0,
        **new.__dict__,
        failure="",
        attempts=1,
        polls=0,
        missing_polls=0,
        channel="",
        ts="",
        started_at=stamp,
        next_poll_at="",
        sent_at="",
        created_at=stamp,
    )


def _job_id(row_id: int) -> str:
    return f"fax:{row_id}"
