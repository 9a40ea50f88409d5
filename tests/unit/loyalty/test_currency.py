"""Amounts typed by a cashier are read exactly in the chain's currency, never through a float."""

from __future__ import annotations

import pytest

from loyalty.currency import amount_text, money_text, parse_amount
from loyalty.exceptions import InvalidAmount


@pytest.mark.parametrize(("typed", "currency", "minor"), [
    ("1.250", "BHD", 1250), ("1.25", "BHD", 1250), ("1,2", "BHD", 1200), ("0.005", "BHD", 5), ("7", "BHD", 7000),
    ("1500", "JPY", 1500), ("0", "JPY", 0), ("12.5", "EUR", 1250), ("12.", "EUR", 1200), (" 0.10 ", "EUR", 10),
    ("0.29", "EUR", 29), ("999999999.99", "EUR", 99999999999),
])
def test_an_amount_is_read_digit_by_digit_in_the_currency(typed, currency, minor):
    assert parse_amount(typed, currency) == minor


def test_a_float_would_have_got_this_wrong_and_the_reading_does_not():
    assert int(float("0.29") * 100) == 28  # what a float reading gives
    assert parse_amount("0.29", "EUR") == 29


@pytest.mark.parametrize(("typed", "currency", "reason"), [
    ("1.2505", "BHD", "BHD amounts have at most 3 decimals"),
    ("12.5", "JPY", "JPY amounts have no decimals"),
    ("12.505", "EUR", "EUR amounts have at most 2 decimals"),
    ("-5", "EUR", "type the amount in figures, e.g. 2.50"),
    ("1e3", "JPY", "type the amount in figures, e.g. 25"),
    ("12.5.0", "BHD", "type the amount in figures, e.g. 2.500"),
    ("", "EUR", "type the amount in figures"),
    ("1 000", "EUR", "type the amount in figures"),
    ("1234567890", "JPY", "too large an amount"),
])
def test_an_amount_that_cannot_be_read_exactly_is_refused_with_a_reason(typed, currency, reason):
    with pytest.raises(InvalidAmount) as refused:
        parse_amount(typed, currency)
    assert refused.value.reason.startswith(reason)


def test_amounts_are_written_with_the_currency_s_places():
    assert [amount_text(1250, "BHD"), amount_text(5, "BHD"), amount_text(1500, "JPY"), amount_text(-20, "EUR")] == \
        ["1.250", "0.005", "1500", "-0.20"]
    assert money_text(1250, "BHD") == "1.250 BHD"


def test_an_unknown_currency_is_not_guessed():
    with pytest.raises(KeyError):
        amount_text(100, "XXX")
