"""People: which sipgate user a Slack user is (matched by e-mail, cached), and their phones."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.common import escape
from bot.errors import UserError
from bot.sipgate import SipgateClient, SipgateError
from bot.sipgate.models import Device, Faxline, SmsExtension
from bot.storage import Storage, utc_now_iso
from bot.storage import people as db

logger = logging.getLogger(__name__)

LINK_TTL = timedelta(hours=12)  # re-check an automatic link this often (e-mails change)
DIRECTORY_TTL = timedelta(minutes=10)  # refresh sipgate's user list at most this often
_SIPGATE_USER_ID = re.compile(r"^w(0|[1-9][0-9]*)$")


class NotLinked(UserError):
    """The Slack user has no sipgate user."""


class NotAllowed(UserError):
    """The Slack user may not do this (admin only)."""


@dataclass(frozen=True)
class Person:
    """A Slack user as the bot knows them."""

    slack_user_id: str
    sipgate_user_id: str | None
    email: str
    real_name: str
    tz: str
    linked_by: str
    device_id: str | None
    checked_at: str = ""
    sipgate_name: str = ""
    default_device: str = ""

    @property
    def linked(self) -> bool:
        return self.sipgate_user_id is not None


@dataclass(frozen=True)
class PersonStatus:
    """What `/sipgate status` shows."""

    person: Person
    devices: tuple[Device, ...]
    calling_device: Device | None
    sms_extension: SmsExtension | None
    faxlines: tuple[Faxline, ...]
    is_admin: bool


class PeopleService:
    """Links Slack users to sipgate users and answers questions about their phones."""

    def __init__(
        self,
        *,
        storage: Storage,
        sipgate: SipgateClient,
        slack: WebClient,
        admins: frozenset[str],
        clock: Callable[[], datetime],
    ) -> None:
        self.storage = storage
        self.sipgate = sipgate
        self.slack = slack
        self.admins = admins
        self.clock = clock

    def is_admin(self, slack_user_id: str) -> bool:
        """True for the Slack users named in ADMIN_USERS."""
        return slack_user_id in self.admins

    # -- resolving --------------------------------------------------------------------------

    def person(self, slack_user_id: str) -> Person:
        """The Slack user with their sipgate link, looked up by e-mail when missing or stale."""
        row = db.person(self.storage, slack_user_id)
        if row is None or self._stale(row):
            row = self._link_by_email(slack_user_id, previous=row)
        return self._with_directory(row)

    def linked_person(self, slack_user_id: str) -> Person:
        """Like `person`, but raise NotLinked with a helpful message when there is no link."""
        found = self.person(slack_user_id)
        if not found.linked and found.linked_by.startswith("unlinked-by:"):
            raise NotLinked(
                "An admin has unlinked your Slack account from sipgate. Ask an admin to run "
                "`/sipgate link @you &lt;sipgate e-mail or user id&gt;`."
            )
        if not found.linked:
            raise NotLinked(
                "Your Slack account is not linked to a sipgate user: no sipgate user has the "
                f"e-mail address {found.email or '(none in your Slack profile)'}. Ask an admin "
                "to run `/sipgate link @you &lt;sipgate e-mail or user id&gt;`."
            )
        return found

    def _stale(self, row: db.PersonRow) -> bool:
        if row.linked_by != "email":
            return False  # admin decisions stand until an admin changes them
        checked = datetime.fromisoformat(row.checked_at)
        return self.clock() - checked > LINK_TTL

    def _link_by_email(self, slack_user_id: str, previous: db.PersonRow | None) -> db.PersonRow:
        profile = self._slack_profile(slack_user_id)
        email = profile["email"]
        match = self._directory_user_by_email(email) if email else None
        row = db.PersonRow(
            slack_user_id=slack_user_id,
            sipgate_user_id=match.id if match else None,
            email=email,
            real_name=profile["real_name"],
            tz=profile["tz"],
            linked_by="email",
            device_id=previous.device_id
            if previous and match and previous.sipgate_user_id == match.id
            else None,
            checked_at=utc_now_iso(self.clock()),
        )
        db.save_person(self.storage, row)
        logger.info("Linked Slack user %s to sipgate user %s", slack_user_id, row.sipgate_user_id)
        return row

    def _slack_profile(self, slack_user_id: str) -> dict[str, str]:
        try:
            user = self.slack.users_info(user=slack_user_id)["user"]
        except SlackApiError as exc:
            error = exc.response.get("error", "unknown_error")
            raise UserError(
                f"Slack would not tell the bot who <@{slack_user_id}> is ({error})."
            ) from exc
        profile = user.get("profile") or {}
        return {
            "email": str(profile.get("email") or "").strip().lower(),
            "real_name": str(user.get("real_name") or profile.get("real_name") or ""),
            "tz": str(user.get("tz") or "UTC"),
        }

    def _directory_user_by_email(self, email: str) -> db.SipgateUserRow | None:
        # Staleness first: another thread may refill the cache between the two reads, and a
        # miss read before its refill must not count as "no such user" after it.
        stale = self._directory_stale()
        found = db.sipgate_user_by_email(self.storage, email)
        if found is None and stale:
            self.refresh_directory()
            found = db.sipgate_user_by_email(self.storage, email)
        return found

    def _directory_stale(self) -> bool:
        refreshed = db.sipgate_users_refreshed_at(self.storage)
        if not refreshed:
            return True
        return self.clock() - datetime.fromisoformat(refreshed) > DIRECTORY_TTL

    def refresh_directory(self) -> None:
        """Reload sipgate's user list into the cache."""
        db.replace_sipgate_users(self.storage, self.sipgate.users())

    def _with_directory(self, row: db.PersonRow) -> Person:
        person = Person(**row.__dict__)
        if row.sipgate_user_id:
            stale = self._directory_stale()  # read before the user, as above
            user = db.sipgate_user(self.storage, row.sipgate_user_id)
            if user is None and stale:
                self.refresh_directory()
                user = db.sipgate_user(self.storage, row.sipgate_user_id)
            if user is not None:
                person = replace(person, sipgate_name=user.name, default_device=user.default_device)
        return person

    def slack_users_for(self, sipgate_user_id: str) -> list[str]:
        """Slack users linked to a sipgate user (for notifications and call control)."""
        return [p.slack_user_id for p in db.people_for_sipgate_user(self.storage, sipgate_user_id)]

    # -- phones -----------------------------------------------------------------------------

    def status(self, slack_user_id: str) -> PersonStatus:
        """Everything `/sipgate status` shows, read fresh from sipgate."""
        person = self.person(slack_user_id)
        if not person.linked or person.sipgate_user_id is None:
            return PersonStatus(person, (), None, None, (), self.is_admin(slack_user_id))
        user_id = person.sipgate_user_id
        devices = tuple(self.sipgate.devices(user_id))
        sms = self.sipgate.sms_extensions(user_id)
        try:
            faxlines = tuple(self.sipgate.faxlines(user_id))
        except SipgateError:  # 403 "feature not booked" is normal for accounts without fax
            faxlines = ()
        return PersonStatus(
            person=person,
            devices=devices,
            calling_device=_calling_device(person, devices),
            sms_extension=sms[0] if sms else None,
            faxlines=faxlines,
            is_admin=self.is_admin(slack_user_id),
        )

    def choose_device(self, slack_user_id: str, device_id: str) -> Device:
        """Make one of the person's own devices the one their calls start from."""
        person = self.linked_person(slack_user_id)
        assert person.sipgate_user_id is not None
        devices = self.sipgate.devices(person.sipgate_user_id)
        chosen = next((d for d in devices if d.id == device_id), None)
        if chosen is None:
            names = ", ".join(f"`{escape(d.id)}` ({escape(d.alias)})" for d in devices) or "none"
            raise UserError(f"`{escape(device_id)}` is not one of your devices. Yours: {names}.")
        db.set_device(self.storage, slack_user_id, chosen.id)
        return chosen

    # -- admin ------------------------------------------------------------------------------

    def link(self, admin_id: str, slack_user_id: str, target: str) -> Person:
        """Admin: link a Slack user to a sipgate user given by id (w0) or e-mail."""
        self._require_admin(admin_id)
        self.refresh_directory()
        target = target.strip()
        if _SIPGATE_USER_ID.fullmatch(target):
            user = db.sipgate_user(self.storage, target)
        else:
            user = db.sipgate_user_by_email(self.storage, target.removeprefix("mailto:"))
        if user is None:
            raise UserError(
                f"No sipgate user `{escape(target)}` was found. Use a sipgate user id like `w0` "
                "or the e-mail address of the sipgate user."
            )
        profile = self._slack_profile(slack_user_id)
        row = db.PersonRow(
            slack_user_id=slack_user_id,
            sipgate_user_id=user.id,
            email=profile["email"],
            real_name=profile["real_name"],
            tz=profile["tz"],
            linked_by=f"admin:{admin_id}",
            device_id=None,
            checked_at=utc_now_iso(self.clock()),
        )
        db.save_person(self.storage, row)
        logger.info("Admin %s linked %s to %s", admin_id, slack_user_id, user.id)
        return self._with_directory(row)

    def unlink(self, admin_id: str, slack_user_id: str) -> None:
        """Admin: remove a link; the person stays unlinked until an admin links them again."""
        self._require_admin(admin_id)
        previous = db.person(self.storage, slack_user_id)
        row = db.PersonRow(
            slack_user_id=slack_user_id,
            sipgate_user_id=None,
            email=previous.email if previous else "",
            real_name=previous.real_name if previous else "",
            tz=previous.tz if previous else "UTC",
            linked_by=f"unlinked-by:{admin_id}",
            device_id=None,
            checked_at=utc_now_iso(self.clock()),
        )
        db.save_person(self.storage, row)
        logger.info("Admin %s unlinked %s", admin_id, slack_user_id)

    def _require_admin(self, slack_user_id: str) -> None:
        if not self.is_admin(slack_user_id):
            raise NotAllowed("Only bot admins (ADMIN_USERS) can do that.")


def _calling_device(person: Person, devices: tuple[Device, ...]) -> Device | None:
    wanted = person.device_id or person.default_device
    return next((d for d in devices if d.id == wanted), None)
