"""Targets: turn what a person typed (number, contact name, @colleague) into a number to use."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from bot import phone
from bot.errors import UserError
from bot.services.contacts import ContactsService
from bot.services.guards import Guards
from bot.services.people import PeopleService
from bot.sipgate import SipgateClient
from bot.sipgate.models import Number
from bot.slack_text import unwrap, user_mention

NUMBERS_FRESH_FOR = 600.0  # seconds the account's number list is reused
MAX_CHOICES = 10


@dataclass(frozen=True)
class Target:
    """A resolved destination: E.164 for sipgate, display form and a label for people."""

    e164: str
    display: str
    label: str = ""
    kind: str = "number"  # number | contact | colleague

    @property
    def described(self) -> str:
        """'Anna Schmidt (030 1234567)' or just the number."""
        return f"{self.label} ({self.display})" if self.label else self.display


@dataclass(frozen=True)
class Choices:
    """Several contacts or numbers matched: the person picks one."""

    query: str
    options: tuple[Target, ...]
    total: int


class NoMatch(UserError):
    """Nothing matched the typed target."""


class TargetResolver:
    """Resolves targets for /call, /sms and /fax, applying the destination guards."""

    def __init__(
        self,
        *,
        people: PeopleService,
        contacts: ContactsService,
        guards: Guards,
        sipgate: SipgateClient,
        region: str,
    ) -> None:
        self.people = people
        self.contacts = contacts
        self.guards = guards
        self.sipgate = sipgate
        self.region = region
        self._numbers: tuple[float, list[Number]] | None = None
        self._numbers_lock = threading.Lock()

    def resolve(self, text: str, purpose: str = "call") -> Target | Choices:
        """Resolve `text` for `purpose` (call, sms, fax); raise UserError with a clear reason."""
        raw = unwrap(text).strip()
        if not raw:
            raise NoMatch("Tell me whom to reach: a number, a contact name or an @colleague.")
        mentioned = user_mention(raw)
        if mentioned:
            return self.colleague(mentioned, purpose)
        if phone.looks_like_number(raw):
            return self.number(raw, purpose)
        return self._contact(raw, purpose)

    def resolve_one(self, text: str, purpose: str = "call") -> Target:
        """Like `resolve`, for a form field: several matches are an error naming a few."""
        found = self.resolve(text, purpose)
        if isinstance(found, Choices):
            names = "; ".join(o.described for o in found.options[:3])
            what = "fax numbers" if purpose == "fax" else "numbers"
            raise NoMatch(f"Several {what} match ({names}). Type the number.")
        return found

    def number(self, text: str, purpose: str = "call", label: str = "") -> Target:
        """A typed or stored number, validated and checked against the guards."""
        parsed = phone.parse_number(text, self.region)
        self.guards.check(parsed, purpose)
        return Target(
            phone.e164(parsed),
            phone.display(parsed, self.region),
            label,
            "contact" if label else "number",
        )

    def colleague(self, slack_user_id: str, purpose: str = "call") -> Target:
        """A colleague's sipgate direct number (a mobile number for SMS)."""
        person = self.people.person(slack_user_id)
        if not person.linked or person.sipgate_user_id is None:
            raise NoMatch(
                f"<@{slack_user_id}> is not linked to a sipgate user, so the bot does "
                "not know their number."
            )
        lines: set[str] = set()
        for device in self.sipgate.devices(person.sipgate_user_id):
            lines.update(device.phonelines)
        numbers = [n for n in self._account_numbers() if n.endpoint_id in lines]
        if purpose == "sms":
            numbers = [n for n in numbers if n.type == "MOBILE"]
        else:
            numbers.sort(key=lambda n: n.type != "LANDLINE")
        if not numbers:
            what = "mobile number" if purpose == "sms" else "direct number"
            raise NoMatch(f"<@{slack_user_id}> has no sipgate {what} the bot could use.")
        name = person.sipgate_name or person.real_name
        target = self.number(numbers[0].number, purpose, label=name)
        return Target(target.e164, target.display, target.label, "colleague")

    def _contact(self, text: str, purpose: str) -> Target | Choices:
        result = self.contacts.search(text, limit=MAX_CHOICES)
        options: list[Target] = []
        refused: list[str] = []
        for contact in result.contacts:
            for number in contact.numbers:
                if purpose == "fax" and "fax" not in [t.lower() for t in number.types]:
                    continue
                if purpose != "fax" and "fax" in [t.lower() for t in number.types]:
                    continue
                label = contact.name + (f", {'/'.join(number.types)}" if number.types else "")
                try:
                    options.append(self.number(number.raw, purpose, label=label))
                except UserError as exc:
                    refused.append(exc.user_message)
        if not options:
            if refused:
                raise NoMatch(refused[0])
            raise NoMatch(
                f"No contact matches “{_safe(text)}”. Try `/lookup {_safe(text)}`, or type "
                "the number."
            )
        if len(options) == 1:
            return options[0]
        return Choices(text, tuple(options[:MAX_CHOICES]), total=result.total)

    def account_numbers(self) -> list[Number]:
        """The account's numbers (`GET /numbers`), reused for NUMBERS_FRESH_FOR seconds."""
        return self._account_numbers()

    def _account_numbers(self) -> list[Number]:
        with self._numbers_lock:
            now = time.monotonic()
            if self._numbers is None or now - self._numbers[0] > NUMBERS_FRESH_FOR:
                self._numbers = (now, self.sipgate.numbers())
            return list(self._numbers[1])


def _safe(text: str) -> str:
    return text[:60].replace("<", "&lt;").replace(">", "&gt;").replace("`", "'")
