"""Queries on the contacts cache (`contacts`, `contact_numbers`)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.storage.core import Storage


@dataclass(frozen=True)
class CachedNumber:
    """One number of a cached contact."""

    raw: str
    e164: str | None
    types: tuple[str, ...]


@dataclass(frozen=True)
class CachedContact:
    """One cached contact."""

    id: str
    name: str
    organization: str
    scope: str
    numbers: tuple[CachedNumber, ...]


@dataclass(frozen=True)
class ContactRow:
    """What the service writes for one contact."""

    id: str
    name: str
    name_folded: str
    organization: str
    org_folded: str
    scope: str
    numbers: tuple[CachedNumber, ...]


def replace_contacts(storage: Storage, rows: Iterable[ContactRow]) -> int:
    """Replace the whole cache in one transaction; return the number of contacts."""
    contacts: list[dict[str, Any]] = []
    numbers: list[dict[str, Any]] = []
    for row in rows:
        encoded = [{"number": n.raw, "e164": n.e164, "types": list(n.types)} for n in row.numbers]
        contacts.append(
            {
                "id": row.id,
                "name": row.name,
                "name_folded": row.name_folded,
                "organization": row.organization,
                "org_folded": row.org_folded,
                "scope": row.scope,
                "numbers": json.dumps(encoded, ensure_ascii=False),
            }
        )
        numbers.extend(
            {"contact_id": row.id, "e164": n.e164, "raw": n.raw, "types": ",".join(n.types)}
            for n in row.numbers
            if n.e164
        )
    with storage.atomic() as db:
        db.execute("delete from contact_numbers")
        db.execute("delete from contacts")
        if contacts:
            db.table("contacts").insert_all(contacts, pk="id", replace=True)
        if numbers:
            db.table("contact_numbers").insert_all(numbers)
    return len(contacts)


def contacts_with_number(storage: Storage, e164: str) -> list[CachedContact]:
    """Contacts that have this number (E.164)."""
    rows = storage.query(
        "select distinct c.* from contacts c join contact_numbers n on n.contact_id = c.id "
        "where n.e164 = ? order by c.name",
        [e164],
    )
    return [_contact(r) for r in rows]


def contacts_matching(storage: Storage, words: list[str]) -> list[tuple[CachedContact, str, str]]:
    """Contacts whose folded name or organisation contains every word; with folded name/org."""
    if not words:
        return []
    clause = " and ".join(
        ["(name_folded like ? escape '\\' or org_folded like ? escape '\\')"] * len(words)
    )
    params: list[str] = []
    for word in words:
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        params += [pattern, pattern]
    rows = storage.query(f"select * from contacts where {clause}", params)
    return [(_contact(r), r["name_folded"], r["org_folded"]) for r in rows]


def contact_count(storage: Storage) -> int:
    """How many contacts are cached."""
    return int(storage.query("select count(*) as n from contacts")[0]["n"])


def _contact(row: dict[str, Any]) -> CachedContact:
    numbers = tuple(
        CachedNumber(raw=n["number"], e164=n.get("e164"), types=tuple(n.get("types") or ()))
        for n in json.loads(row["numbers"] or "[]")
    )
    return CachedContact(
        id=row["id"],
        name=row["name"] or "",
        organization=row["organization"] or "",
        scope=row["scope"] or "",
        numbers=numbers,
    )
