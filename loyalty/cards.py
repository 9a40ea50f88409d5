"""Cards: their numbers and whether a card may be used.

Card numbers are EAN-13 codes in a GS1 restricted-circulation range, with a mod-10 check digit.
A chain's member cards start with the chain prefix (by default "27", inside GS1's 20-29 range that
is never given to trade items), so the till tells a card from a product by the scan alone
(`loyalty.barcodes.classify`, given the chain's prefix).

"Card is usable" has its one home here (`card_is_usable`): only an active card earns and
redeems. The server (quotes, posting) and the till (cached cards, online look-ups) ask it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from loyalty.barcodes import gs1_check_digit
from loyalty.exceptions import CardNotUsable, InvalidCardNumber, InvalidValue
from loyalty.guards import require_non_negative


class CardState(StrEnum):
    """The life of a card. Only an active card earns and redeems (`card_is_usable`)."""

    ACTIVE = "active"
    BLOCKED = "blocked"
    LOST = "lost"
    REPLACED = "replaced"


def card_is_usable(state: str) -> bool:
    """Return True if a card in `state` may earn and redeem: only an active card may.

    `state` is a `CardState` or its stored value ("active", "blocked", ...); an unknown state is
    not usable.

    Example:
        >>> card_is_usable("active"), card_is_usable(CardState.LOST)
        (True, False)
    """
    return state == CardState.ACTIVE


def require_usable_card(number: str, state: str) -> None:
    """Raise `CardNotUsable` (with the card's number and state) unless `card_is_usable(state)`."""
    if not card_is_usable(state):
        raise CardNotUsable(number, str(state))


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
