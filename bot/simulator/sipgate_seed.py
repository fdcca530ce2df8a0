"""Seed data for the fake sipgate API: one small company with three users (sipgate-api.md §5-§8)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]

_CONTACT_NAMESPACE = uuid.UUID("6f1c2a4e-0b7d-4e55-9c3a-2d8f1e0a9b71")


@dataclass(frozen=True)
class SipgateSeed:
    """The account state FakeSipgate starts from (and returns to on reset)."""

    userinfo: Json
    users: list[Json]
    devices: dict[str, list[Json]]
    sms: dict[str, list[Json]]
    faxlines: dict[str, list[Json]]
    phonelines: dict[str, list[Json]]
    numbers: list[Json]
    groups: list[Json]
    group_members: dict[str, list[str]]
    contacts: list[Json]
    settings: Json = field(
        default_factory=lambda: {
            "incomingUrl": "",
            "outgoingUrl": "",
            "log": False,
            "whitelist": None,
        }
    )


def _user(uid: str, first: str, last: str, device: str, *, admin: bool) -> Json:
    """Build a §8.1 user."""
    return {
        "id": uid,
        "firstname": first,
        "lastname": last,
        "email": f"{first.lower()}.{last.lower()}@acme.example",
        "defaultDevice": device,
        "busyOnBusy": False,
        "addressId": "13",
        "directDialIds": [],
        "timezone": "Europe/Berlin",
        "admin": admin,
    }


def _device(
    did: str, alias: str, kind: str, line: Json, groups: list[Json], *, online: bool
) -> Json:
    """Build a §8.2 device."""
    return {
        "id": did,
        "alias": alias,
        "type": kind,
        "online": online,
        "dnd": False,
        "activePhonelines": [line],
        "activeGroups": groups,
    }


def _number(nid: str, number: str, localized: str, kind: str, endpoint: str, alias: str) -> Json:
    """Build a §8.3 number."""
    return {
        "id": nid,
        "number": number,
        "localized": localized,
        "type": kind,
        "endpointId": endpoint,
        "endpointAlias": alias,
        "endpointUrl": f"https://api.sipgate.com/v2/endpoints/{endpoint}",
    }


# (name, [(number, type)], scope, organization, e-mail)
_CONTACTS: list[tuple[str, list[tuple[str, str]], str, str | None, str | None]] = [
    (
        "Anna Schmidt",
        [("+49 30 1234567", "work"), ("+4917612345678", "cell")],
        "SHARED",
        "Schmidt & Partner",
        "anna.schmidt@schmidt-partner.example",
    ),
    ("Anna Berger", [("089 7654321", "home")], "PRIVATE", None, "anna.berger@mail.example"),
    (
        "Jürgen Müller",
        [("030 1234568", "work"), ("030 1234569", "fax")],
        "SHARED",
        "Müller GmbH",
        "j.mueller@mueller-gmbh.example",
    ),
    ("Zoë Lefèvre", [("+33 1 42 68 53 00", "work")], "SHARED", "Lefèvre SARL", None),
    (
        "José Álvarez",
        [("+34 912 345 678", "work"), ("+34612345678", "cell")],
        "PRIVATE",
        None,
        "jose.alvarez@correo.example",
    ),
    ("Klaus Wagner", [("+49 211 5556667", "work")], "SHARED", "Wagner Logistik AG", None),
    (
        "Petra Hoffmann",
        [("0221 9988776", "home"), ("+4915112345678", "cell")],
        "PRIVATE",
        None,
        None,
    ),
    ("Sören Bäcker", [("+49 40 33445566", "work")], "SHARED", "Bäckerei Bäcker", None),
    ("Ingrid Schäfer", [("0711 2233445", "work")], "SHARED", "Schäfer Consulting", None),
    ("Thomas Becker", [("+4916098765432", "cell")], "PRIVATE", None, None),
    ("Fatma Çelik", [("+49 69 12312312", "work")], "SHARED", "Çelik Import", None),
    ("Łukasz Nowak", [("+48 22 123 45 67", "work")], "SHARED", "Nowak Sp. z o.o.", None),
    ("Björn Andersson", [("+46 8 123 456 78", "work")], "SHARED", None, None),
    ("Chloé Dubois", [("+33612345678", "cell")], "PRIVATE", None, None),
    ("Marco Rossi", [("+39 06 1234 5678", "work")], "SHARED", "Rossi S.p.A.", None),
    ("Sabine Neumann", [("0341 4455667", "home")], "PRIVATE", None, None),
    (
        "Frank Schulz",
        [("+49 351 7788990", "work"), ("+49 351 7788991", "fax")],
        "SHARED",
        "Schulz Bau GmbH",
        None,
    ),
    ("Heike Krüger", [("+4917055566677", "cell")], "SHARED", "Müller GmbH", None),
    ("Dieter Zimmermann", [("0511 3344556", "work")], "SHARED", None, None),
    ("Renée Fischer", [("+43 1 5123456", "work")], "PRIVATE", None, None),
    ("Stefan Koch", [("+41 44 123 45 67", "work")], "SHARED", "Koch Treuhand AG", None),
    ("Monika Richter", [("0201 6677889", "home")], "PRIVATE", None, None),
    ("Ömer Demir", [("+4915233344455", "cell")], "SHARED", None, None),
    ("Ute Wolf", [("+49 231 998877", "work")], "SHARED", "Wolf & Söhne KG", None),
    ("Niels Jansen", [("+31 20 123 4567", "work")], "SHARED", None, None),
    ("Gabriele Schröder", [("0621 1122334", "work")], "PRIVATE", None, None),
    (
        "Matthias Braun",
        [("+4917699887766", "cell"), ("0911 5544332", "home")],
        "SHARED",
        None,
        None,
    ),
    ("Eva Novák", [("+420 222 123 456", "work")], "SHARED", None, None),
    ("Helga Lange", [("+49 30 1234567", "home")], "PRIVATE", None, None),
    (
        "<!channel> Evil <http://evil.example|click>",
        [("+4930666666", "work")],
        "SHARED",
        None,
        None,
    ),
]


def _contact(entry: tuple[str, list[tuple[str, str]], str, str | None, str | None]) -> Json:
    """Build a §7.1 ContactResponse."""
    name, numbers, scope, org, email = entry
    return {
        "id": str(uuid.uuid5(_CONTACT_NAMESPACE, name)),
        "name": name,
        "picture": None,
        "emails": [{"email": email, "type": ["work"]}] if email else [],
        "numbers": [{"number": number, "type": [kind]} for number, kind in numbers],
        "addresses": [],
        "organization": [[org]] if org else [],
        "scope": scope,
    }


def default_seed() -> SipgateSeed:
    """Return the standard account: Alice (admin), Bob, Dora (offline mobile only)."""
    sales = {"id": "g0", "alias": "Sales"}
    lines = {
        uid: {"id": f"p{uid[1:]}", "alias": alias}
        for uid, alias in (("w0", "Alice Schmidt"), ("w1", "Bob Meyer"), ("w2", "Dora Weber"))
    }
    return SipgateSeed(
        userinfo={"sub": "w0", "domain": "sipgate.de", "masterSipId": "1234567", "locale": "de_DE"},
        users=[
            _user("w0", "Alice", "Schmidt", "e0", admin=True),
            _user("w1", "Bob", "Meyer", "e1", admin=False),
            _user("w2", "Dora", "Weber", "y2", admin=False),
        ],
        devices={
            "w0": [
                _device("e0", "Alice desk phone", "REGISTER", lines["w0"], [sales], online=True),
                _device("y0", "Alice mobile", "MOBILE", lines["w0"], [sales], online=True),
            ],
            "w1": [_device("e1", "Bob desk phone", "REGISTER", lines["w1"], [sales], online=True)],
            "w2": [_device("y2", "Dora mobile", "MOBILE", lines["w2"], [], online=False)],
        },
        sms={
            "w0": [{"id": "s0", "alias": "SMS Alice", "callerId": "+4915799912345"}],
            "w1": [{"id": "s1", "alias": "SMS Bob", "callerId": "sipgate"}],
            "w2": [],
        },
        faxlines={
            "w0": [
                {
                    "id": "f0",
                    "alias": "Alice fax",
                    "tagline": "ACME GmbH",
                    "canSend": True,
                    "canReceive": True,
                },
                {
                    "id": "f1",
                    "alias": "Inbound fax",
                    "tagline": "ACME GmbH",
                    "canSend": False,
                    "canReceive": True,
                },
            ],
            "w1": [
                {
                    "id": "f2",
                    "alias": "Bob fax",
                    "tagline": "ACME GmbH",
                    "canSend": True,
                    "canReceive": True,
                },
            ],
            "w2": [],
        },
        phonelines={uid: [dict(line)] for uid, line in lines.items()},
        numbers=[
            _number("1000", "+4921112345670", "0211-12345670", "LANDLINE", "p0", "Alice Schmidt"),
            _number("1001", "+4921112345671", "0211-12345671", "LANDLINE", "p1", "Bob Meyer"),
            _number("1002", "+4921112345600", "0211-12345600", "LANDLINE", "g0", "Sales"),
            _number("1003", "+4915799912345", "01579-9912345", "MOBILE", "p0", "Alice Schmidt"),
        ],
        groups=[
            {
                "id": "g0",
                "alias": "Sales",
                "groupNumbersUrl": "https://api.sipgate.com/v2/groups/g0/numbers",
                "groupUsersUrl": "https://api.sipgate.com/v2/groups/g0/users",
                "departmentId": "d0",
            }
        ],
        group_members={"g0": ["w0", "w1"]},
        contacts=[_contact(entry) for entry in _CONTACTS],
    )
