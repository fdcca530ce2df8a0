"""Toll-fraud rules: which destinations a chat command may dial, text or fax."""

from __future__ import annotations

import phonenumbers
from phonenumbers import PhoneNumber, PhoneNumberType

from bot import phone
from bot.errors import UserError

# Never reachable from a chat command: they cost money per minute, forward to unknown places,
# or are not a person's phone (phonenumbers' classification of the destination).
_REFUSED_TYPES = {
    PhoneNumberType.PREMIUM_RATE: "premium-rate numbers cost extra per minute",
    PhoneNumberType.SHARED_COST: "shared-cost service numbers are charged at special rates",
    PhoneNumberType.PERSONAL_NUMBER: "personal numbers forward to destinations that are not shown",
    PhoneNumberType.UAN: "company service numbers (UAN) can be charged at special rates",
    PhoneNumberType.PAGER: "pagers cannot take calls",
    PhoneNumberType.VOICEMAIL: "voicemail access numbers are not people",
}
_SMS_TYPES = {
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE,
    PhoneNumberType.UNKNOWN,
}
_FAX_TYPES = {
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE,
    PhoneNumberType.VOIP,
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.UNKNOWN,
}


_VERBS = {"call": "call", "sms": "send SMS to", "fax": "fax"}  # "does not sms" reads badly


class DestinationRefused(UserError):
    """The bot will not call, text or fax this number."""


class Guards:
    """Checks a destination against the number-type rules and ALLOWED_COUNTRIES."""

    def __init__(self, *, region: str, allowed_countries: frozenset[str]) -> None:
        self.region = region
        self.allowed_countries = allowed_countries

    def check(self, number: PhoneNumber, purpose: str = "call") -> None:
        """Raise DestinationRefused unless `number` may be used for `purpose` (call/sms/fax)."""
        shown = phone.display(number, self.region)
        kind = phonenumbers.number_type(number)
        if kind in _REFUSED_TYPES:
            raise DestinationRefused(
                f"The bot does not {_VERBS.get(purpose, purpose)} {shown}: {_REFUSED_TYPES[kind]}. "
                "Use your own phone if you really mean it."
            )
        region = phone.region_of(number)
        if self.allowed_countries and region not in self.allowed_countries:
            allowed = ", ".join(sorted(self.allowed_countries))
            raise DestinationRefused(
                f"{shown} is in {region or 'an unknown country'}; this workspace only allows "
                f"{allowed} (ALLOWED_COUNTRIES)."
            )
        if purpose == "sms" and kind not in _SMS_TYPES:
            raise DestinationRefused(
                f"{shown} is a {phone.kind(number)} number, which cannot receive SMS."
            )
        if purpose == "fax" and kind not in _FAX_TYPES:
            raise DestinationRefused(
                f"{shown} is a {phone.kind(number)} number, which cannot receive faxes."
            )
