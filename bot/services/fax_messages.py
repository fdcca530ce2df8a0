"""A fax's status message in Slack (posted once, then updated) and the private notices about it.

The status message goes to the channel the fax was asked for in, or by DM where that channel
refuses it (the bot is not a member, the channel is gone). A post that failed without a clear
answer (a timeout, a 5xx) may have been stored all the same, so it never sends a DM as well:
the row keeps no ts, and the next attempt (the next poll, or the sweep for a finished fax) first
looks for the message by its metadata in the channel's history and updates it if it is there.
A message Slack refuses for good (deleted: posted again; archived channel: given up) is not
retried forever.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import clients, slack_history
from bot.blocks.fax import fax_status
from bot.clients import SLACK_FAILURES
from bot.errors import UserError
from bot.services.people import PeopleService
from bot.storage import Storage
from bot.storage import fax as db
from bot.storage.fax import FaxJob

logger = logging.getLogger(__name__)

METADATA_TYPE = "sipgate_fax"
GONE = frozenset({"message_not_found", "channel_not_found"})  # post it again, elsewhere if need be
# _post outcomes: the message shows the current state / was found but is behind / Slack may
# take it later / every place refused it for good.
CURRENT, BEHIND, LATER, REFUSED = "current", "behind", "later", "refused"
HISTORY_SLACK = 60.0  # seconds before the row was created to look back for an earlier post


class FaxMessages:
    """Posts and updates fax status messages and tells users privately about their fax."""

    def __init__(self, *, storage: Storage, slack: WebClient, people: PeopleService) -> None:
        self.storage = storage
        self.slack = clients.without_retries(slack)  # never a blind second post
        self.people = people

    def post(self, job: FaxJob) -> tuple[str, str]:
        """Post a new fax's first status message; ("", "") when Slack did not take it."""
        channel, ts, _ = self._post(job)  # the first post: nothing to look for, or be behind
        return channel, ts

    def show(self, job: FaxJob) -> None:
        """Update the row's own status message (never any other), or post it; stale on failure."""
        if not job.ts:
            channel, ts, outcome = self._post(job)
            db.set_message(self.storage, job.id, channel, ts, stale=outcome in (BEHIND, LATER))
            return
        try:
            self.slack.chat_update(channel=job.channel, ts=job.ts, **self._content(job))
        except SlackApiError as exc:
            if slack_history.transient(exc):
                self._update_failed(job, exc)
            elif _slack_error(exc) in GONE:
                logger.warning("Fax %s's status message is gone; posting it again", job.id)
                db.set_message(self.storage, job.id, "", "", stale=True)
            else:  # e.g. is_archived, cant_update_message: retrying will not help
                logger.warning(
                    "Slack refused to update fax %s's message (%s); leaving it",
                    job.id,
                    _slack_error(exc),
                )
                db.set_stale(self.storage, job.id, False)
            return
        except SLACK_FAILURES as exc:
            self._update_failed(job, exc)
            return
        db.set_stale(self.storage, job.id, False)

    def _update_failed(self, job: FaxJob, exc: Exception) -> None:
        logger.warning("Could not update fax %s: %s", job.id, _slack_error(exc))
        db.set_stale(self.storage, job.id, True)

    def tell(self, slack_user_id: str, channel_id: str, content: dict[str, Any]) -> None:
        """Show a private message in the channel the user worked in, or by DM."""
        content = {k: v for k, v in content.items() if k != "response_type"}
        try:
            if channel_id:
                self.slack.chat_postEphemeral(channel=channel_id, user=slack_user_id, **content)
                return
        except SLACK_FAILURES as exc:  # better a notice twice than none: the DM follows
            logger.info("Ephemeral fax notice failed (%s); sending a DM", _slack_error(exc))
        try:
            self.slack.chat_postMessage(channel=slack_user_id, **content)
        except SLACK_FAILURES as exc:
            logger.warning("Could not tell the user about the fax: %s", _slack_error(exc))

    # -- internals ---------------------------------------------------------------------------

    def _content(self, job: FaxJob) -> dict[str, Any]:
        try:
            tz = self.people.person(job.slack_user_id).tz
        except UserError:
            tz = "UTC"
        return dict(fax_status(job, tz=tz))

    def _post(self, job: FaxJob) -> tuple[str, str, str]:
        """(channel, ts, outcome): CURRENT, BEHIND (found, not updated), LATER or REFUSED."""
        content = self._content(job)
        if job.id and job.origin_channel:  # an earlier post failed: it may be there all the same
            try:
                found = self._find(job)
            except SLACK_FAILURES as exc:
                logger.warning("Could not look for fax %s's message: %s", job.id, _slack_error(exc))
                return "", "", LATER
            if found:
                logger.info("Fax %s's status message was posted after all; updating it", job.id)
                try:
                    self.slack.chat_update(channel=job.origin_channel, ts=found, **content)
                except SLACK_FAILURES as exc:
                    logger.warning("Could not update fax %s: %s", job.id, _slack_error(exc))
                    return job.origin_channel, found, BEHIND
                return job.origin_channel, found, CURRENT
        meta = slack_history.metadata(METADATA_TYPE, fax_session=job.session_id)
        for channel in (job.origin_channel, job.slack_user_id):
            if not channel:
                continue
            try:
                posted = self.slack.chat_postMessage(channel=channel, metadata=meta, **content)
            except SlackApiError as exc:
                if slack_history.transient(exc):  # 429 or 5xx: Slack may take it later
                    logger.warning("Could not post the fax status: %s", _slack_error(exc))
                    return "", "", LATER
                logger.warning("Slack refused the fax status in %s: %s", channel, _slack_error(exc))
                continue  # refused for good here (not_in_channel, …): try a DM
            except SLACK_FAILURES as exc:  # a timeout: it may have been posted, so no DM as well
                logger.warning("Could not post the fax status: %s", _slack_error(exc))
                return "", "", LATER
            return str(posted["channel"]), str(posted["ts"]), CURRENT
        return "", "", REFUSED

    def _find(self, job: FaxJob) -> str | None:
        oldest = datetime.fromisoformat(job.created_at).timestamp() - HISTORY_SLACK
        return slack_history.find_message(
            self.slack,
            job.origin_channel,
            METADATA_TYPE,
            "fax_session",
            job.session_id,
            oldest=oldest,
        )


def _slack_error(exc: Exception) -> str:
    """Slack's error code, or the kind of transport failure (e.g. TimeoutError)."""
    return str(getattr(exc, "response", {}).get("error", type(exc).__name__))
