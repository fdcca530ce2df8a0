"""SMS text rules: how many SMS parts a text takes, and the inline `/sms` syntax."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

# The limit sipgate accepts is UNVERIFIED (sipgate-api.md §5.1); 1600 characters is what the
# fake accepts and what common gateways allow (10 concatenated parts of 160).
MAX_SMS_LENGTH = 1600

# GSM 03.38 basic character set; the extension table's characters take two septets.
_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = set("^{}\\[~]|€\f")

_MENTION = re.compile(r"^(<@[UW][A-Z0-9]+(?:\|[^>]*)?>)\s*(.*)$", re.DOTALL)
_QUOTED = re.compile(r"^[\"“„]([^\"”“]+)[\"”“]\s*(.*)$", re.DOTALL)
_NUMBER = re.compile(r"^(\+?\(?\d[\d\s()/.\-]*\d)(?=\s|$)\s*(.*)$", re.DOTALL)
_WHEN_START = re.compile(r"^(at|in|on|tomorrow|today|tonight|next|um|morgen|heute)\b", re.I)
# The colon that ends the time: not the one inside "9:00".
_WHEN_END = re.compile(r":(?!\d)")
MAX_NAME_WORDS = 3


@dataclass(frozen=True)
class Segments:
    """How a text is sent: its length in the SMS alphabet, the alphabet, and the parts."""

    length: int
    encoding: str  # "GSM-7" or "UCS-2"
    parts: int


@dataclass(frozen=True)
class InlineSms:
    """`/sms` text split into recipient, optional time, and message.

    `splits` holds (recipient, message) readings, longest recipient first: an unquoted contact
    name may be one to three words, and the service picks the reading that names a contact.
    """

    splits: tuple[tuple[str, str], ...]
    when: str = ""


def segments(text: str) -> Segments:
    """Count SMS parts: GSM-7 160 (153 per part when split), else UCS-2 70 (67 per part)."""
    if all(c in _GSM_BASIC or c in _GSM_EXTENDED for c in text):
        length = sum(2 if c in _GSM_EXTENDED else 1 for c in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        length = len(text.encode("utf-16-le")) // 2  # emoji take two UTF-16 units
        single, multi, encoding = 70, 67, "UCS-2"
    parts = 0 if length == 0 else 1 if length <= single else math.ceil(length / multi)
    return Segments(length, encoding, parts)


def describe_segments(text: str) -> str:
    """'42 characters, 1 SMS' (with the alphabet when it matters)."""
    seg = segments(text)
    sms = "SMS" if seg.parts == 1 else "SMS parts"
    special = " (special characters: 70 per SMS)" if seg.encoding == "UCS-2" else ""
    return f"{len(text)} characters, {seg.parts} {sms}{special}"


def split_inline(text: str) -> InlineSms | None:
    """Split `/sms` text; None when there is no message after the recipient."""
    text = text.strip()
    for pattern in (_MENTION, _QUOTED, _NUMBER):
        match = pattern.match(text)
        if match:
            return _with_when(match.group(1).strip(), match.group(2).strip())
    words = text.split()
    for count in range(1, min(MAX_NAME_WORDS, len(words) - 1) + 1):
        rest = text.split(None, count)[-1]
        if _WHEN_START.match(rest) and _WHEN_END.search(rest):
            return _with_when(" ".join(words[:count]), rest)
    splits = tuple(
        (" ".join(words[:count]), text.split(None, count)[-1])
        for count in range(min(MAX_NAME_WORDS, len(words) - 1), 0, -1)
    )
    return InlineSms(splits) if splits else None


def _with_when(recipient: str, rest: str) -> InlineSms | None:
    if _WHEN_START.match(rest):
        end = _WHEN_END.search(rest)
        if end:
            when, message = rest[: end.start()].strip(), rest[end.end() :].strip()
            return InlineSms(((recipient, message),), when) if message else None
    return InlineSms(((recipient, rest),)) if rest else None
