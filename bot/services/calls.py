"""Click-to-call: resolve the caller's device and the target, guard, start the call, audit.

Also answers /lookup, whose results carry Call and SMS buttons per number.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import phone
from bot.errors import UserError
from bot.services.contacts import ContactsService
from bot.services.people import PeopleService, Person
from bot.services.targets import Choices, Target, TargetResolver
from bot.sipgate import SipgateClient, SipgateError
from bot.sipgate.client import CLASSIC, NEO
from bot.sipgate.errors import PermissionDenied
from bot.sipgate.models import CallSession, Device
from bot.storage import Storage, utc_now_iso
from bot.storage import calls as db
from bot.storage import people as people_db
from bot.storage.settings import get_setting, put_setting

logger = logging.getLogger(__name__)

ACCOUNT_TYPE_KEY = "sipgate_account_type"
REPEAT_WINDOW = timedelta(seconds=5)  # the same button call again this soon: a double click
LOOKUP_LIMIT = 10  # contacts shown per /lookup answer; the total is always reported


class DeviceUnavailable(UserError):
    """The device calls should start from is unknown at sipgate or offline."""


@dataclass(frozen=True)
class CallStarted:
    """A call sipgate accepted: which device rings first, whom it dials, what the callee sees."""

    target: Target
    device: Device
    shown_number: str  # display form of the number the callee sees; "" when unknown
    session_id: str
    account_type: str


@dataclass(frozen=True)
class LookupNumber:
    """One number of a lookup result and what the buttons may do with it."""

    display: str
    e164: str | None
    types: tuple[str, ...]
    can_call: bool
    can_sms: bool


@dataclass(frozen=True)
class LookupContact:
    """One contact of a lookup result."""

    name: str
    organization: str
    numbers: tuple[LookupNumber, ...]


@dataclass(frozen=True)
class Lookup:
    """The answer to /lookup: the best matches and how many matched in all."""

    query: str
    total: int
    contacts: tuple[LookupContact, ...]


class CallService:
    """Starts click-to-calls for Slack users and searches contacts for /lookup."""

    def __init__(
        self,
        *,
        storage: Storage,
        sipgate: SipgateClient,
        people: PeopleService,
        contacts: ContactsService,
        targets: TargetResolver,
        region: str,
        clock: Callable[[], datetime],
    ) -> None:
        self.storage = storage
        self.sipgate = sipgate
        self.people = people
        self.contacts = contacts
        self.targets = targets
        self.region = region
        self.clock = clock
        self._recent: dict[tuple[str, str], datetime] = {}
        self._recent_lock = threading.Lock()

    # -- /call ------------------------------------------------------------------------------

    def check_typed_number(self, text: str) -> Target | None:
        """Validate a typed number locally (no network); None when `text` is not a number."""
        raw = text.strip()
        if not phone.looks_like_number(raw):
            return None
        return self.targets.number(raw, "call")

    def place_call(self, slack_user_id: str, text: str) -> CallStarted | Choices:
        """Resolve `text` (number, contact, @colleague) and call it, or return the choices."""
        person = self.people.linked_person(slack_user_id)
        resolved = self.targets.resolve(text, "call")
        if isinstance(resolved, Choices):
            return resolved
        return self._call(person, resolved)

    def call_number(self, slack_user_id: str, number: str, label: str = "") -> CallStarted:
        """Call a number chosen with a button (the guards are applied again)."""
        person = self.people.linked_person(slack_user_id)
        target = self.targets.number(number, "call", label=label)
        self._refuse_repeat(slack_user_id, target)  # a double click on a Call button
        try:
            return self._call(person, target)
        except UserError:
            self._forget(slack_user_id, target)  # a failed call may be tried again
            raise

    def _call(self, person: Person, target: Target) -> CallStarted:
        device = self.calling_device(person)
        kind = ""
        try:
            kind, session = self._start(device, target)
        except SipgateError as exc:
            self._audit(person, device, target, kind, "", type(exc).__name__)
            raise
        self._audit(person, device, target, kind, session.id, "")
        logger.info("Call %s started from %s (%s)", session.id, device.id, kind)
        return CallStarted(target, device, self.shown_number(device), session.id, kind)

    def _refuse_repeat(self, slack_user_id: str, target: Target) -> None:
        """Refuse the same call by the same person within REPEAT_WINDOW (double clicks)."""
        now = self.clock()
        with self._recent_lock:
            self._recent = {k: t for k, t in self._recent.items() if now - t < REPEAT_WINDOW}
            key = (slack_user_id, target.e164)
            if key in self._recent:
                raise UserError(
                    f"You started a call to {target.display} a moment ago; it is placed once. "
                    "Hang up and try again in a few seconds if you really want a second call."
                )
            self._recent[key] = now

    def _forget(self, slack_user_id: str, target: Target) -> None:
        with self._recent_lock:
            self._recent.pop((slack_user_id, target.e164), None)

    def calling_device(self, person: Person) -> Device:
        """The person's chosen device, else their sipgate default device; it must be online."""
        assert person.sipgate_user_id is not None
        wanted = person.device_id or person.default_device
        devices = self.sipgate.devices(person.sipgate_user_id)
        device = next((d for d in devices if d.id == wanted), None)
        if device is None:
            yours = ", ".join(f"`{d.id}` ({d.alias or d.type})" for d in devices) or "none"
            raise DeviceUnavailable(
                f"The phone your calls start from (`{wanted or 'none set'}`) is not one of your "
                f"sipgate devices. Choose one with `/sipgate device &lt;id&gt;`. Yours: {yours}."
            )
        if not device.online:
            raise DeviceUnavailable(
                f"Your phone `{device.id}` ({_safe(device.alias or device.type)}) is offline, so "
                "it cannot ring. Switch it on, or choose another phone with "
                "`/sipgate device &lt;id&gt;` (`/sipgate status` lists them)."
            )
        return device

    def shown_number(self, device: Device) -> str:
        """The number the callee sees: the direct number of the device's phone line, if known.

        Without `callerId` sipgate shows the number of the calling device (sipgate-api.md §4).
        """
        lines = set(device.phonelines)
        try:
            account_numbers = self.targets.account_numbers()
        except SipgateError as exc:  # the call has started: don't report it as failed
            logger.warning("Could not read the account's numbers: %r", exc)
            return ""
        numbers = [n for n in account_numbers if n.endpoint_id in lines]
        numbers.sort(key=lambda n: n.type != "LANDLINE")
        return phone.display(numbers[0].number, self.region) if numbers else ""

    # -- the account type (sipgate-api.md §18) ----------------------------------------------

    def account_type(self) -> str:
        """The cached account type (classic or neo), detected on first use."""
        stored = get_setting(self.storage, ACCOUNT_TYPE_KEY)
        if stored and stored[0] in (CLASSIC, NEO):
            return stored[0]
        return self.detect_account_type()

    def detect_account_type(self) -> str:
        """Ask sipgate which platform the account is on and cache the answer."""
        kind = self.sipgate.account_type()
        put_setting(self.storage, ACCOUNT_TYPE_KEY, kind)
        logger.info("sipgate account type: %s", kind)
        return kind

    def _start(self, device: Device, target: Target) -> tuple[str, CallSession]:
        kind = self.account_type()
        try:
            return kind, self._post(kind, device, target)
        except PermissionDenied:
            # A 403 may mean the account moved platform (§18): re-detect once, and retry on the
            # other endpoint only if the type changed, so no POST is ever sent twice to one place.
            fresh = self.detect_account_type()
            if fresh == kind:
                raise
            logger.warning("sipgate account type changed from %s to %s", kind, fresh)
            return fresh, self._post(fresh, device, target)

    def _post(self, kind: str, device: Device, target: Target) -> CallSession:
        if kind == NEO:
            return self.sipgate.start_neo_call(device_id=device.id, target=target.e164)
        # caller = the device extension alone is a valid combination (§4); the callee then
        # sees the device's number.
        return self.sipgate.start_call(caller=device.id, callee=target.e164)

    def _audit(
        self, person: Person, device: Device, target: Target, kind: str, session: str, error: str
    ) -> None:
        db.record_call(
            self.storage,
            db.CallAuditRow(
                slack_user_id=person.slack_user_id,
                sipgate_user_id=person.sipgate_user_id or "",
                device_id=device.id,
                callee=target.e164,
                label=target.label,
                account_type=kind,
                session_id=session,
                outcome="failed" if error else "started",
                error=error,
                created_at=utc_now_iso(self.clock()),
            ),
        )

    # -- /lookup ----------------------------------------------------------------------------

    def lookup(self, query: str, *, limit: int = LOOKUP_LIMIT) -> Lookup:
        """Search the contacts; mark which numbers the Call and SMS buttons may use."""
        result = self.contacts.search(query, limit=limit)
        contacts = tuple(
            LookupContact(
                name=c.name,
                organization=c.organization,
                numbers=tuple(self._lookup_number(n.raw, n.e164, n.types) for n in c.numbers),
            )
            for c in result.contacts
        )
        return Lookup(query=result.query, total=result.total, contacts=contacts)

    def _lookup_number(self, raw: str, e164: str | None, types: tuple[str, ...]) -> LookupNumber:
        parsed = phone.to_number(e164 or raw, self.region)
        if parsed is None:
            return LookupNumber(raw, None, types, False, False)
        is_fax = any(t.lower() == "fax" for t in types)
        return LookupNumber(
            display=phone.display(parsed, self.region),
            e164=phone.e164(parsed),
            types=types,
            can_call=not is_fax and self._allowed(phone.e164(parsed), "call"),
            can_sms=not is_fax and self._allowed(phone.e164(parsed), "sms"),
        )

    def _allowed(self, number: str, purpose: str) -> bool:
        try:
            self.targets.number(number, purpose)
        except UserError:  # invalid, or refused by the guards
            return False
        return True

    def user_tz(self, slack_user_id: str) -> str:
        """The Slack user's time zone as last seen (no network: used before `views.open`)."""
        row = people_db.person(self.storage, slack_user_id)
        return row.tz if row and row.tz else "UTC"


def _safe(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("`", "'")
