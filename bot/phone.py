"""Phone numbers with phonenumbers: parse what people type, E.164 on the wire, readable display."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat, PhoneNumberType

from bot.errors import UserError

# Characters people use when typing numbers: digits, +, spaces, dashes, dots, slashes, brackets.
_NUMBERISH = re.compile(r"^\+?[\d\s\-./()]{3,40}$")

TYPE_NAMES = {
    PhoneNumberType.FIXED_LINE: "landline",
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "landline or mobile",
    PhoneNumberType.TOLL_FREE: "toll-free",
    PhoneNumberType.PREMIUM_RATE: "premium-rate",
    PhoneNumberType.SHARED_COST: "shared-cost",
    PhoneNumberType.VOIP: "internet telephony",
    PhoneNumberType.PERSONAL_NUMBER: "personal (forwarding)",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.UAN: "company (UAN)",
    PhoneNumberType.VOICEMAIL: "voicemail access",
    PhoneNumberType.UNKNOWN: "unknown",
}


class InvalidNumber(UserError):
    """The text is not a phone number we can dial."""


def looks_like_number(text: str) -> bool:
    """True when `text` is made of the characters people use to write phone numbers."""
    stripped = text.strip()
    return bool(_NUMBERISH.match(stripped)) and sum(c.isdigit() for c in stripped) >= 3


def parse_number(text: str, region: str) -> PhoneNumber:
    """Parse a number typed in international (`+49 …`, `0049 …`) or national form (`0211 …`).

    Raises:
        InvalidNumber: with a message that shows the expected forms.
    """
    raw = text.strip()
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    hint = f"Type it as +49 211 1234567, or in {region} national form like 0211 1234567."
    if phonenumbers.is_emergency_number(re.sub(r"\D", "", raw), region):
        raise InvalidNumber(f"`{_safe(text)}` is an emergency number: dial it from a phone.")
    try:
        number = phonenumbers.parse(raw, region)
    except NumberParseException as exc:
        raise InvalidNumber(f"`{_safe(text)}` is not a phone number. {hint}") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidNumber(
            f"`{_safe(text)}` is not a valid phone number"
            + (" (too short or too long)" if not phonenumbers.is_possible_number(number) else "")
            + f". {hint}"
        )
    return number


def e164(number: PhoneNumber) -> str:
    """The number as E.164 with '+', as sipgate wants it."""
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def display(number: PhoneNumber | str, region: str) -> str:
    """How people write the number: national form at home, international form abroad."""
    if isinstance(number, str):
        parsed = to_number(number, region)
        if parsed is None:
            return number
        number = parsed
    if phonenumbers.region_code_for_number(number) == region:
        return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def international(number: PhoneNumber | str, region: str = "DE") -> str:
    """The number in international format, e.g. `+49 211 1234567`."""
    if isinstance(number, str):
        parsed = to_number(number, region)
        if parsed is None:
            return number
        number = parsed
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def to_number(raw: str, region: str) -> PhoneNumber | None:
    """Parse stored or received text leniently (no validity check); None if impossible."""
    text = raw.strip()
    if not text or text == "anonymous":
        return None
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        return None
    return number if phonenumbers.is_possible_number(number) else None


def normalise(raw: str, region: str) -> str | None:
    """E.164 for comparing numbers however they were typed or stored; None if not a number."""
    number = to_number(raw, region)
    return e164(number) if number is not None else None


def kind(number: PhoneNumber) -> str:
    """A readable name for the number's type (mobile, landline, premium-rate, …)."""
    return TYPE_NAMES.get(phonenumbers.number_type(number), "unknown")


def region_of(number: PhoneNumber) -> str:
    """The two-letter region code of the number ('' when unknown)."""
    return phonenumbers.region_code_for_number(number) or ""


def _safe(text: str) -> str:
    return text.strip()[:40].replace("`", "'").replace("<", "&lt;").replace(">", "&gt;")
