"""Contacts: a fresh-enough local copy of sipgate's contacts, searched by name or number."""

from __future__ import annotations

import logging
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import phone
from bot.sipgate import SipgateClient, SipgateError
from bot.sipgate.models import Contact
from bot.storage import Storage, utc_now_iso
from bot.storage import contacts as db
from bot.storage.settings import get_setting, put_setting

logger = logging.getLogger(__name__)

FRESH_FOR = timedelta(minutes=15)  # a lookup may serve a copy this old without refreshing
_REFRESHED_KEY = "contacts_refreshed_at"


def fold(text: str) -> str:
    """Lower-case `text` and drop accents, so 'Zoë Lefèvre' matches 'zoe lefevre'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class SearchResult:
    """The best matches of a search and how many matched in all."""

    query: str
    total: int
    contacts: tuple[db.CachedContact, ...]
    by_number: bool


class ContactsService:
    """Keeps the contacts cache fresh and answers searches from it."""

    def __init__(
        self,
        *,
        storage: Storage,
        sipgate: SipgateClient,
        region: str,
        clock: Callable[[], datetime],
        run_soon: Callable[..., None],
    ) -> None:
        self.storage = storage
        self.sipgate = sipgate
        self.region = region
        self.clock = clock
        self.run_soon = run_soon
        self._refreshing = threading.Lock()

    # -- freshness --------------------------------------------------------------------------

    def refreshed_at(self) -> datetime | None:
        """When the cache was last filled from sipgate."""
        stored = get_setting(self.storage, _REFRESHED_KEY)
        return datetime.fromisoformat(stored[0]) if stored else None

    def ensure_fresh(self) -> None:
        """Fill an empty cache now; refresh a stale one in the background (serve it meanwhile)."""
        refreshed = self.refreshed_at()
        if refreshed is None:
            self.refresh()
        elif self.clock() - refreshed > FRESH_FOR:
            self.run_soon(self.refresh, job_id="contacts:refresh")

    def refresh(self) -> int:
        """Reload every contact from sipgate into the cache; return how many there are."""
        with self._refreshing:
            rows = [self._row(c) for c in self.sipgate.contacts()]
            count = db.replace_contacts(self.storage, rows)
            put_setting(self.storage, _REFRESHED_KEY, utc_now_iso(self.clock()))
        logger.info("Contacts cache refreshed: %d contacts", count)
        return count

    def _row(self, contact: Contact) -> db.ContactRow:
        numbers = tuple(
            db.CachedNumber(
                raw=n.number, e164=phone.normalise(n.number, self.region), types=n.types
            )
            for n in contact.numbers
        )
        return db.ContactRow(
            id=contact.id,
            name=contact.name,
            name_folded=fold(contact.name),
            organization=contact.organization,
            org_folded=fold(contact.organization),
            scope=contact.scope,
            numbers=numbers,
        )

    # -- questions --------------------------------------------------------------------------

    def search(self, query: str, *, limit: int = 10) -> SearchResult:
        """Contacts matching a name, company or number, best first."""
        self.ensure_fresh()
        text = query.strip()
        if phone.looks_like_number(text):
            e164 = phone.normalise(text, self.region)
            found = db.contacts_with_number(self.storage, e164) if e164 else []
            if e164 and not found:
                found = self._ask_sipgate(e164)
            return SearchResult(text, len(found), tuple(found[:limit]), by_number=True)
        words = fold(text).split()
        matches = db.contacts_matching(self.storage, words)
        ranked = sorted(matches, key=lambda m: (_rank(words, m[1], m[2]), m[0].name.casefold()))
        contacts = tuple(m[0] for m in ranked[:limit])
        return SearchResult(text, len(matches), contacts, by_number=False)

    def _ask_sipgate(self, e164: str) -> list[db.CachedContact]:
        """Contacts added since the last refresh: sipgate's own number filter (§7.1)."""
        try:
            contacts = self.sipgate.contacts_by_number(e164)
        except SipgateError as exc:  # the cache had no match either; say "no match", log why
            logger.warning("Contact lookup by number failed: %r", exc)
            return []
        wanted = [
            c
            for c in contacts
            if any(phone.normalise(n.number, self.region) == e164 for n in c.numbers)
        ]  # the filter's matching rules are UNVERIFIED: keep only real matches
        return [
            db.CachedContact(r.id, r.name, r.organization, r.scope, r.numbers)
            for r in (self._row(c) for c in wanted)
        ]

    def name_for_number(self, number: str) -> str | None:
        """The contact name for a caller's number (cache only, never waits for sipgate)."""
        e164 = phone.normalise(number, self.region)
        if not e164:
            return None
        found = db.contacts_with_number(self.storage, e164)
        return found[0].name if len(found) >= 1 else None


def _rank(words: list[str], name: str, org: str) -> int:
    """Lower is better: exact name, name starts with the words, words start name parts, …"""
    query = " ".join(words)
    name_parts = name.split()
    if name == query:
        return 0
    if name.startswith(query):
        return 1
    if all(any(part.startswith(w) for part in name_parts) for w in words):
        return 2
    if all(w in name for w in words):
        return 3
    if org.startswith(query):
        return 4
    return 5
