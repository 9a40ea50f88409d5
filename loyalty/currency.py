"""The chain's currency: ISO 4217 codes with their minor-unit exponent, and exact decimal text.

An amount is an integer count of minor units; its text has exactly the currency's exponent of
decimals (JPY has none, EUR two, BHD three). Text a person typed is read digit by digit, never
through a float:

>>> parse_amount("1.25", "BHD")
1250
>>> amount_text(1250, "BHD"), amount_text(1500, "JPY"), amount_text(-5, "EUR")
('1.250', '1500', '-0.05')
"""

from __future__ import annotations

import re
from collections.abc import Callable

from loyalty.exceptions import InvalidAmount

# ISO 4217 codes the system accepts, with their minor-unit exponent (minor units per unit = 10**exponent).
EXPONENTS = {
    "EUR": 2, "USD": 2, "GBP": 2, "CHF": 2, "SEK": 2, "NOK": 2, "DKK": 2, "PLN": 2, "CZK": 2,
    "HUF": 2, "CAD": 2, "AUD": 2, "NZD": 2, "JPY": 0, "KRW": 0, "ISK": 0, "BHD": 3, "KWD": 3,
}
MAX_WHOLE_DIGITS = 9  # a till never takes a thousand million of anything in one tender
_AMOUNT = re.compile(r"^(\d+)(?:[.,](\d*))?$")


def exponent_of(currency: str) -> int:
    """The minor-unit digits of ``currency``; KeyError for a code the system does not accept."""
    return EXPONENTS[currency]


def amount_text(minor: int, currency: str) -> str:
    """Minor units as an exact decimal with the currency's number of places."""
    return amount_formatter(currency)(minor)


def amount_formatter(currency: str) -> Callable[[int], str]:
    """``amount_text`` for many amounts of one currency (a report's CSV): the exponent is looked
    up once, and the point goes into the integer's digits, with no division per amount.

    >>> euros = amount_formatter("EUR")
    >>> euros(123456), euros(5), euros(-5), euros(0), amount_formatter("JPY")(-1500)
    ('1234.56', '0.05', '-0.05', '0.00', '-1500')
    """
    exponent = exponent_of(currency)
    if not exponent:
        return str

    def text(minor: int) -> str:
        digits = str(-minor if minor < 0 else minor).rjust(exponent + 1, "0")
        return f"{'-' if minor < 0 else ''}{digits[:-exponent]}.{digits[-exponent:]}"
    return text


def money_text(minor: int, currency: str) -> str:
    """An amount for a person to read: '12.50 EUR', '1500 JPY'."""
    return f"{amount_text(minor, currency)} {currency}"


def parse_amount(text: str, currency: str) -> int:
    """Minor units from an amount typed as a decimal ('12.5', '12,50', '1500'); never a float.

    Raises:
        InvalidAmount: not a plain non-negative decimal, too many digits, or more decimals than the
            currency has (1.2505 BHD; 12.5 JPY), with a message a cashier can act on.
    """
    exponent, typed = exponent_of(currency), text.strip()
    found = _AMOUNT.match(typed)
    if found is None:
        example = amount_text(25 * 10 ** max(exponent - 1, 0), currency)
        raise InvalidAmount(typed, f"type the amount in figures, e.g. {example}")
    whole, part = found.group(1), found.group(2) or ""
    if len(part) > exponent:
        allowed = f"at most {exponent} decimal{'s' if exponent != 1 else ''}" if exponent else "no decimals"
        raise InvalidAmount(typed, f"{currency} amounts have {allowed}")
    if len(whole.lstrip("0")) > MAX_WHOLE_DIGITS:
        raise InvalidAmount(typed, "too large an amount")
    return int(whole) * 10**exponent + int(part.ljust(exponent, "0") or "0")
