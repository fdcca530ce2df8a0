"""SMS: send now or hold until a time, at most once, within a per-user hourly limit.

The `scheduled_sms` row is the source of truth: pending -> sending -> sent | failed | unknown
(or cancelled). A send claims its row atomically (pending -> sending) and POSTs once; POSTs are
never retried (sipgate has no idempotency keys, house style §4.6). A row found in `sending` that
no live send owns (the process died between the claim and the record) becomes `unknown` and its
author is told it may or may not have been sent. Delayed SMS are held by the bot rather than
sipgate's `sendAt`, because sipgate has no endpoint to cancel a scheduled SMS (sipgate-api.md §5.1).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import claims, sms_text, times
from bot.blocks import common
from bot.blocks import sms as sms_blocks
from bot.errors import FormErrors, UserError
from bot.scheduler import Scheduler
from bot.services.people import PeopleService
from bot.services.targets import Choices, Target, TargetResolver
from bot.sipgate import SipgateClient, SipgateError
from bot.storage import Storage
from bot.storage import people as people_db
from bot.storage import sms as db
from bot.storage.sms import NewSms, Sms

logger = logging.getLogger(__name__)

DEDUPE_WINDOW = timedelta(seconds=10)  # a double submit or click within this sends once
RATE_WINDOW = timedelta(hours=1)
SENDING_LEASE = timedelta(minutes=2)  # far beyond the client's 10 s timeout
UNKNOWN_AFTER_CRASH = (
    "The bot stopped while handing this SMS to sipgate, so it may or may not have been sent. "
    "It will not be sent again automatically; check with the recipient before resending."
)
UNKNOWN_AFTER_TIMEOUT = (
    "sipgate did not answer in time, so this SMS may or may not have been sent. It will not "
    "be sent again automatically; check with the recipient before resending."
)


class SmsRefused(UserError):
    """The SMS cannot be sent as asked (no sender, limit reached, duplicate, …)."""


class InvalidSmsForm(FormErrors):
    """The SMS modal's fields have problems; `errors` maps recipient/message/when to a message."""


@dataclass(frozen=True)
class SmsDraft:
    """A checked request: who sends what to whom, now (`send_at` None) or later."""

    slack_user_id: str
    channel_id: str
    target: Target
    message: str
    send_at: datetime | None = None


@dataclass(frozen=True)
class SmsChoice:
    """Several contacts matched: the person picks one (the message and time go along)."""

    choices: Choices
    message: str
    send_at: datetime | None


class SmsService:
    """Sends, schedules, lists and cancels SMS for Slack users."""

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
        company_extension: str | None,
        rate_limit: int,
        max_days: int,
    ) -> None:
        self.storage = storage
        self.sipgate = sipgate
        self.slack = slack
        self.people = people
        self.targets = targets
        self.scheduler = scheduler
        self.clock = clock
        self.company_extension = company_extension
        self.rate_limit = rate_limit
        self.max_days = max_days
        # Names this process instance on the rows it claims (pid for people reading the DB).
        self.instance = claims.instance_name()
        self._swept = False

    # -- reading what people typed -----------------------------------------------------------

    def from_text(self, slack_user_id: str, channel_id: str, text: str) -> SmsDraft | SmsChoice:
        """Read inline `/sms` text (recipient, optional time, message) into a draft."""
        inline = sms_text.split_inline(text)
        if inline is None:
            raise SmsRefused("Add a message after the recipient, e.g. `/sms +49151… Running late`.")
        send_at = self.checked_time(inline.when, self.tz(slack_user_id)) if inline.when else None
        recipient, message = self._reading(inline.splits)
        problem = message_problem(message)
        if problem:
            raise SmsRefused(problem)
        found = self.targets.resolve(recipient, "sms")
        if isinstance(found, Choices):
            return SmsChoice(found, message, send_at)
        return SmsDraft(slack_user_id, channel_id, found, message, send_at)

    def _reading(self, splits: tuple[tuple[str, str], ...]) -> tuple[str, str]:
        """Pick the (recipient, message) reading whose recipient names a contact."""
        for recipient, message in splits[:-1]:
            if self.targets.contacts.search(recipient, limit=1).total:
                return recipient, message
        return splits[-1]

    def checked_time(self, text: str, tz: str) -> datetime:
        """Parse a typed time in the user's zone and check it is within the horizon."""
        now = self.clock()
        when = times.parse_when(text, tz=tz, now=now)
        return times.check_window(when, now=now, max_days=self.max_days, tz=tz)

    def check_form(
        self,
        slack_user_id: str,
        channel_id: str,
        *,
        recipient: str,
        message: str,
        send_at: int | None,
        tz: str,
    ) -> SmsDraft:
        """Check the modal's fields; raise InvalidSmsForm naming each bad field."""
        errors: dict[str, str] = {}
        problem = message_problem(message)
        if problem:
            errors["message"] = problem
        target: Target | None = None
        try:
            target = self.targets.resolve_one(recipient, "sms")
        except UserError as exc:
            errors["recipient"] = exc.user_message
        when = None
        if send_at is not None:
            when = datetime.fromtimestamp(send_at, UTC)
            try:
                times.check_window(when, now=self.clock(), max_days=self.max_days, tz=tz)
            except UserError as exc:
                errors["when"] = exc.user_message
        if errors or target is None:
            raise InvalidSmsForm(errors)
        return SmsDraft(slack_user_id, channel_id, target, message.strip(), when)

    # -- sending and scheduling --------------------------------------------------------------

    def submit(self, draft: SmsDraft) -> Sms:
        """Send the draft now or hold it until its time; return the stored row."""
        sms_id = self.sender(draft.slack_user_id)
        now = self.clock()
        new = NewSms(
            slack_user_id=draft.slack_user_id,
            channel_id=draft.channel_id,
            sms_id=sms_id,
            recipient=draft.target.e164,
            recipient_label=draft.target.described,
            message=draft.message,
            run_at=draft.send_at or now,
            immediate=draft.send_at is None,
        )
        row_id = self._store(new, now, self.tz(draft.slack_user_id))
        if draft.send_at is None:
            return self._deliver(row_id)
        self._schedule(row_id, draft.send_at)
        logger.info("SMS %s scheduled for %s", row_id, draft.send_at.isoformat())
        found = db.sms(self.storage, row_id)
        assert found is not None
        return found

    def submit_and_tell(self, draft: SmsDraft) -> None:
        """Background job for the modal: send or schedule, then tell the user privately."""
        user, channel = draft.slack_user_id, draft.channel_id
        try:
            row = self.submit(draft)
        except UserError as exc:
            logger.info("SMS refused: %s", type(exc).__name__)
            self.tell(user, channel, common.error(exc.user_message))
            return
        except Exception:
            logger.exception("Sending an SMS from the form failed")
            self.tell(user, channel, common.something_went_wrong())
            return
        self.tell(user, channel, sms_blocks.sms_result(row, self.tz(user)))

    def sender(self, slack_user_id: str) -> str:
        """The user's own SMS extension, else the company's SMS_EXTENSION."""
        person = self.people.person(slack_user_id)
        if person.sipgate_user_id:
            own = self.sipgate.sms_extensions(person.sipgate_user_id)
            if own:
                return own[0].id
        if self.company_extension:
            return self.company_extension
        if not person.sipgate_user_id:
            raise SmsRefused(
                "Your Slack account is not linked to a sipgate user and the bot has no company "
                "SMS extension (SMS_EXTENSION), so there is nothing to send from. Ask an admin."
            )
        raise SmsRefused(
            "Your sipgate user has no SMS extension and the bot has no company SMS extension "
            "(SMS_EXTENSION). Ask your sipgate admin to book SMS for your user."
        )

    def _store(self, new: NewSms, now: datetime, tz: str) -> int:
        """Check the duplicate window and the hourly limit, and insert, in one transaction."""
        with self.storage.atomic():
            if db.duplicate(self.storage, new, since=now - DEDUPE_WINDOW) is not None:
                raise SmsRefused(
                    "You asked for the same SMS to the same number a moment ago; it is sent "
                    "only once."
                )
            recent = db.counted_since(self.storage, new.slack_user_id, now - RATE_WINDOW)
            if len(recent) >= self.rate_limit:
                oldest = datetime.fromisoformat(recent[len(recent) - self.rate_limit])
                again = times.format_when(oldest + RATE_WINDOW, tz)
                raise SmsRefused(
                    f"You have sent or scheduled {len(recent)} SMS in the last hour; the limit "
                    f"is {self.rate_limit} per hour. You can send again at {again}."
                )
            status = "sending" if new.immediate else "pending"
            return db.insert_sms(
                self.storage, new, status=status, claimed_by=self.instance, now=now
            )

    def _deliver(self, row_id: int) -> Sms:
        """POST a claimed row once and record the outcome (sent, failed or unknown)."""
        row = db.sms(self.storage, row_id)
        assert row is not None and row.status == "sending"
        status, error = "sent", ""
        try:
            self.sipgate.send_sms(sms_id=row.sms_id, recipient=row.recipient, message=row.message)
        except SipgateError as exc:  # a timeout or a 504 leaves the outcome unknown
            unknown = exc.outcome_unknown
            status = "unknown" if unknown else "failed"
            error = UNKNOWN_AFTER_TIMEOUT if unknown else exc.user_message
        except Exception:
            # Whether the request left the process is not known: never resend, say so.
            logger.exception("Sending SMS %s failed unexpectedly", row_id)
            status, error = "unknown", UNKNOWN_AFTER_TIMEOUT
        db.finish(self.storage, row_id, status=status, error=error, now=self.clock())
        logger.info("SMS %s %s", row_id, status)
        done = db.sms(self.storage, row_id)
        assert done is not None
        return done

    def send_due(self, row_id: int) -> None:
        """The job for a held SMS: claim it, send it once, and DM the author the outcome."""
        if db.claim(self.storage, row_id, claimed_by=self.instance, now=self.clock()) is None:
            return  # cancelled, already sent, or another run has it
        self._notify(self._deliver(row_id))

    def _schedule(self, row_id: int, when: datetime) -> None:
        self.scheduler.run_at(when, self.send_due, row_id, job_id=_job_id(row_id))

    def resume(self) -> None:
        """The sweep: schedule every pending row, and settle rows a dead process left sending."""
        first, self._swept = not self._swept, True
        now = self.clock()
        for row in db.sending_not_claimed_by(self.storage, self.instance):
            claimed = datetime.fromisoformat(row.claimed_at) if row.claimed_at else now
            dead = first and claims.claimer_gone(row.claimed_by, self.instance)
            if (dead or now - claimed > SENDING_LEASE) and db.finish(
                self.storage, row.id, status="unknown", error=UNKNOWN_AFTER_CRASH, now=now
            ):
                logger.warning("SMS %s was left sending; marked unknown", row.id)
                self._notify(db.sms(self.storage, row.id) or row)
        for row in db.pending(self.storage):
            if not self.scheduler.has_job(_job_id(row.id)):
                self._schedule(row.id, max(row.run_at_time, now))

    # -- list and cancel ---------------------------------------------------------------------

    def pending_for(self, slack_user_id: str) -> list[Sms]:
        """The user's SMS waiting for their time, soonest first."""
        return db.pending_for(self.storage, slack_user_id)

    def cancel(self, slack_user_id: str, row_id: int) -> Sms:
        """Cancel one of the user's own waiting SMS; refuse anyone else's."""
        row = db.sms(self.storage, row_id)
        if row is None or row.immediate:
            raise SmsRefused(f"There is no scheduled SMS #{row_id}. `/sms list` shows yours.")
        if row.slack_user_id != slack_user_id:
            raise SmsRefused(
                f"SMS #{row_id} was scheduled by <@{row.slack_user_id}>; only they can cancel it."
            )
        if not db.cancel(self.storage, row_id, slack_user_id):
            state = {"cancelled": "was already cancelled"}.get(row.status, "is already on its way")
            raise SmsRefused(f"SMS #{row_id} {state}, so it cannot be cancelled.")
        self.scheduler.cancel(_job_id(row_id))
        logger.info("SMS %s cancelled", row_id)
        return row

    # -- people ------------------------------------------------------------------------------

    def tz(self, slack_user_id: str) -> str:
        """The user's Slack time zone (asks Slack when unknown), UTC when Slack cannot say."""
        try:
            return self.people.person(slack_user_id).tz or "UTC"
        except UserError:
            return self.known_tz(slack_user_id)

    def known_tz(self, slack_user_id: str) -> str:
        """The user's time zone as last seen, without any network call (before views.open)."""
        row = people_db.person(self.storage, slack_user_id)
        return row.tz if row and row.tz else "UTC"

    def _notify(self, row: Sms) -> None:
        """DM the author what became of a held (or interrupted) SMS."""
        self.dm(row.slack_user_id, sms_blocks.sms_outcome(row, self.tz(row.slack_user_id)))

    def dm(self, slack_user_id: str, content: dict[str, Any]) -> None:
        """Post a message in the bot's DM with the user."""
        content = {k: v for k, v in content.items() if k != "response_type"}
        try:
            self.slack.chat_postMessage(channel=slack_user_id, **content)
        except SlackApiError as exc:
            logger.warning("Could not DM the SMS outcome: %s", exc.response.get("error"))

    def tell(self, slack_user_id: str, channel_id: str, content: dict[str, Any]) -> None:
        """Show a private message in the channel the user worked in, else by DM."""
        private = {k: v for k, v in content.items() if k != "response_type"}
        if channel_id:
            try:
                self.slack.chat_postEphemeral(channel=channel_id, user=slack_user_id, **private)
                return
            except SlackApiError as exc:
                logger.info("Ephemeral SMS notice failed (%s); DM", exc.response.get("error"))
        self.dm(slack_user_id, private)


def message_problem(message: str) -> str | None:
    """What is wrong with an SMS text, or None."""
    if not message.strip():
        return "Write a message: an SMS cannot be empty."
    if len(message) > sms_text.MAX_SMS_LENGTH:
        return (
            f"The message has {len(message)} characters; at most {sms_text.MAX_SMS_LENGTH} "
            "can be sent as one SMS."
        )
    return None


def _job_id(row_id: int) -> str:
    return f"sms:{row_id}"
