"""Card numbers: EAN-13 codes in a GS1 restricted-circulation range, with a mod-10 check digit.

A chain's member cards are EAN-13 codes starting with the chain prefix (by default "27", inside
GS1's 20-29 range that is never given to trade items). That lets the till tell from a scan alone
whether it saw a member card, an in-store code (e.g. a weighed item) or a product.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from loyalty.exceptions import InvalidCardNumber, InvalidValue
from loyalty.guards import require_non_negative

GTIN_LENGTHS = (8, 12, 13, 14)


class CodeKind(StrEnum):
    """What a scanned code is, as far as the till is concerned."""

    MEMBER_CARD = "member_card"
    IN_STORE = "in_store"  # restricted circulation but not ours: weighed goods, coupons
    PRODUCT = "product"
    INVALID = "invalid"


def gs1_check_digit(body: str) -> str:
    """Return the GS1 mod-10 check digit of `body` (weights 3 and 1 from the right).

    Example:
        >>> gs1_check_digit("400638133393")
        '1'
    """
    if not body.isdigit():
        raise InvalidValue("body", body, "must be digits")
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(body)))
    return str(-total % 10)


def is_valid_gtin(code: str) -> bool:
    """Return True if `code` is an EAN-8, UPC-A, EAN-13 or GTIN-14 with a correct check digit."""
    return (
        code.isascii()
        and code.isdigit()
        and len(code) in GTIN_LENGTHS
        and gs1_check_digit(code[:-1]) == code[-1]
    )


@dataclass(frozen=True)
class CardNumberScheme:
    """The chain's card range: EAN-13 codes starting with `prefix`.

    Attributes:
        prefix: two or more digits starting with "2" (GS1 restricted circulation), e.g. "27".
    """

    prefix: str = "27"

    def __post_init__(self) -> None:
        if not (self.prefix.isdigit() and self.prefix.startswith("2") and 2 <= len(self.prefix) < 12):
            raise InvalidValue("prefix", self.prefix, "must be 2-11 digits starting with 2")

    @property
    def serial_digits(self) -> int:
        """How many digits of a card number are left for the serial."""
        return 12 - len(self.prefix)

    def number_for(self, serial: int) -> str:
        """Return the card number of `serial`: prefix, zero-padded serial, check digit.

        Raises:
            InvalidValue: `serial` is negative or does not fit the range.

        Example:
            >>> CardNumberScheme("27").number_for(1234567890)
            '2712345678902'
        """
        require_non_negative(serial, "serial")
        if serial >= 10**self.serial_digits:
            raise InvalidValue("serial", serial, f"must fit in {self.serial_digits} digits")
        body = f"{self.prefix}{serial:0{self.serial_digits}d}"
        return body + gs1_check_digit(body)

    def validate(self, number: str) -> str:
        """Return `number` with surrounding spaces removed if it is one of this chain's cards.

        Raises:
            InvalidCardNumber: with the reason (length, digits, check digit, range).
        """
        code = number.strip()
        if not (code.isascii() and code.isdigit()):
            raise InvalidCardNumber(number, "must be digits only")
        if len(code) != 13:
            raise InvalidCardNumber(number, "must be 13 digits")
        if gs1_check_digit(code[:-1]) != code[-1]:
            raise InvalidCardNumber(number, "wrong check digit")
        if not code.startswith(self.prefix):
            raise InvalidCardNumber(number, f"not in the chain's card range {self.prefix}")
        return code

    def serial_of(self, number: str) -> int:
        """Return the serial a valid card number was made from."""
        code = self.validate(number)
        return int(code[len(self.prefix) : -1])

    def classify(self, code: str) -> CodeKind:
        """Tell a member card from an in-store code and a product, by prefix (GS1 ranges)."""
        code = code.strip()
        if not is_valid_gtin(code):
            return CodeKind.INVALID
        if len(code) == 13 and code.startswith(self.prefix):
            return CodeKind.MEMBER_CARD
        return CodeKind.IN_STORE if _restricted(code) else CodeKind.PRODUCT


def _restricted(code: str) -> bool:
    # GS1 restricted circulation: EAN-8 starting 0 or 2; GTIN-13 form starting 02, 04 or 2x.
    if len(code) == 8:
        return code[0] in "02"
    gtin13 = code.zfill(13)[-13:] if len(code) <= 13 else code[1:]
    return gtin13[0] == "2" or gtin13[:2] in ("02", "04")
