"""Unit tests of bot/phone.py (parse, normalise, display) and bot/services/guards.py."""

from __future__ import annotations

import pytest

from bot import phone
from bot.services.guards import DestinationRefused, Guards


def _guards(*allowed: str) -> Guards:
    return Guards(region="DE", allowed_countries=frozenset(allowed))


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("+49 211 123456", "+49211123456"),
        ("0211 123456", "+49211123456"),
        ("0049 211 123456", "+49211123456"),
        ("030/123-4567", "+49301234567"),
        ("(030) 123 45 67", "+49301234567"),
        ("+33 1 42 68 53 00", "+33142685300"),
        ("0176 12345678", "+4917612345678"),
    ],
)
def test_national_and_international_forms_parse_to_e164(typed, e164):
    assert phone.e164(phone.parse_number(typed, "DE")) == e164


def test_national_form_is_read_with_the_default_region():
    assert phone.e164(phone.parse_number("01 42 68 53 00", "FR")) == "+33142685300"


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("0211 12", "not a valid phone number"),
        ("123456789012345678", "is not a phone number"),
        ("hello", "is not a phone number"),
        ("112", "emergency number"),
        ("110", "emergency number"),
    ],
)
def test_unusable_input_raises_invalid_number_with_the_expected_forms(typed, says):
    with pytest.raises(phone.InvalidNumber) as caught:
        phone.parse_number(typed, "DE")
    assert says in caught.value.user_message
    if "emergency" not in says:
        assert "+49 211 1234567" in caught.value.user_message


def test_invalid_number_message_escapes_what_was_typed():
    with pytest.raises(phone.InvalidNumber) as caught:
        phone.parse_number("<!channel> 12", "DE")
    assert "<!channel>" not in caught.value.user_message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("030 1234567", True),
        ("+49 (30) 123-4567", True),
        ("12", False),
        ("Anna", False),
        ("Anna 030", False),
        ("112", True),
    ],
)
def test_looks_like_number_tells_numbers_from_names(text, expected):
    assert phone.looks_like_number(text) is expected


def test_display_is_national_at_home_and_international_abroad():
    assert phone.display("+49211123456", "DE") == "0211 123456"
    assert phone.display("+33142685300", "DE") == "+33 1 42 68 53 00"
    assert phone.display("+33142685300", "FR") == "01 42 68 53 00"
    assert phone.international("0211 123456", "DE") == "+49 211 123456"
    assert phone.display("anonymous", "DE") == "anonymous"


def test_normalise_compares_numbers_however_stored():
    forms = ["+49 30 1234567", "030 1234567", "0049301234567", "+49 (0)30 123-4567"]
    assert {phone.normalise(f, "DE") for f in forms} == {"+49301234567"}
    assert phone.normalise("anonymous", "DE") is None
    assert phone.normalise("", "DE") is None


@pytest.mark.parametrize(
    ("number", "says"),
    [
        ("0900 1234567", "premium-rate"),
        ("0900 5123456", "premium-rate"),
        ("+1 900 555 0100", "premium-rate"),
        ("0180 5123456", "shared-cost"),
        ("0700 12345678", "personal numbers"),
    ],
)
def test_guards_refuse_numbers_that_cost_extra_or_hide_the_destination(number, says):
    with pytest.raises(DestinationRefused) as caught:
        _guards().check(phone.parse_number(number, "DE"), "call")
    assert says in caught.value.user_message
    assert "does not call" in caught.value.user_message


def test_guards_allow_ordinary_landlines_mobiles_and_toll_free_numbers():
    for number in ["0211 123456", "0176 12345678", "0800 1234567", "+33 1 42 68 53 00"]:
        _guards().check(phone.parse_number(number, "DE"), "call")


def test_allowed_countries_limit_destinations_and_name_the_setting():
    guards = _guards("DE", "AT")
    guards.check(phone.parse_number("+43 1 5123456", "DE"), "call")
    guards.check(phone.parse_number("0211 123456", "DE"), "call")
    with pytest.raises(DestinationRefused) as caught:
        guards.check(phone.parse_number("+33 1 42 68 53 00", "DE"), "call")
    message = caught.value.user_message
    assert "FR" in message and "AT, DE" in message and "ALLOWED_COUNTRIES" in message


def test_without_allowed_countries_every_country_is_allowed():
    _guards().check(phone.parse_number("+1 212 555 0100", "DE"), "call")


def test_sms_is_refused_to_landlines_and_fax_to_mobiles():
    with pytest.raises(DestinationRefused, match="cannot receive SMS"):
        _guards().check(phone.parse_number("0211 123456", "DE"), "sms")
    with pytest.raises(DestinationRefused, match="cannot receive faxes"):
        _guards().check(phone.parse_number("0176 12345678", "DE"), "fax")
    _guards().check(phone.parse_number("0176 12345678", "DE"), "sms")
    _guards().check(phone.parse_number("0211 123456", "DE"), "fax")


def test_refusal_for_sms_reads_as_a_sentence():
    with pytest.raises(DestinationRefused) as caught:
        _guards().check(phone.parse_number("0900 1234567", "DE"), "sms")
    assert "does not send SMS to 0900 1 234567" in caught.value.user_message
