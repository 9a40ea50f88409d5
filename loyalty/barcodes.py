"""What a scanned code is: GS1 check digits and the classification of codes at the till.

The one home of these rules: the scanner adapter (`devices`) classifies each code it reads, the
till's checkout classifies a code typed or posted to it, and the loyalty domain makes and checks
member card numbers with the same check digit.

GS1 check digits (EAN-13, EAN-8, UPC-A, GTIN-14) use the mod-10 rule with weights 3 and 1
counted from the right. Restricted circulation numbers (prefixes 20-29) are defined by the
national GS1 organisation or the retailer, so the variable-measure layouts and the member-card
prefixes are configuration, not constants.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class CodeKind(StrEnum):
    """What a scanned code means at the till."""

    ITEM = "item"
    MEMBER_CARD = "member_card"
    WEIGHT_ITEM = "weight_item"
    PRICE_ITEM = "price_item"
    OTHER = "other"

EAN13 = "EAN-13"
EAN8 = "EAN-8"
UPCA = "UPC-A"
GTIN14 = "GTIN-14"
CODE128 = "CODE128"

_GTIN_LENGTHS = {8: EAN8, 12: UPCA, 13: EAN13, 14: GTIN14}


def gs1_check_digit(body: str) -> str:
    """Return the GS1 mod-10 check digit for ``body`` (all digits but the last).

    Raises:
        ValueError: ``body`` is not all ASCII digits.

    Example:
        >>> gs1_check_digit("400638133393")
        '1'
    """
    if not (body.isascii() and body.isdigit()):
        raise ValueError(f"a GS1 check digit is computed over digits, not {body!r}")
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(body)))
    return str(-total % 10)


def is_valid_gtin(code: str) -> bool:
    """True for an 8-, 12-, 13- or 14-digit code whose check digit is right."""
    return (
        code.isascii()
        and code.isdigit()
        and len(code) in _GTIN_LENGTHS
        and gs1_check_digit(code[:-1]) == code[-1]
    )


def gtin_symbology(code: str) -> str | None:
    """The GS1 symbology a numeric code's length implies, or None for other codes."""
    if code.isascii() and code.isdigit():
        return _GTIN_LENGTHS.get(len(code))
    return None


@dataclass(frozen=True)
class VariableMeasureLayout:
    """One EAN-13 layout for price- or weight-embedded codes.

    ``prefix | item (item_len) | [price check digit] | value (value_len) | check digit``.
    ``kind`` is WEIGHT_ITEM (value in grams) or PRICE_ITEM (value in minor units).
    """

    prefix: str
    kind: CodeKind
    item_len: int = 5
    value_len: int = 5
    price_check_digit: bool = False

    def __post_init__(self) -> None:
        used = len(self.prefix) + self.item_len + self.value_len + self.price_check_digit + 1
        if used != 13:
            raise ValueError(f"layout for prefix {self.prefix} covers {used} digits, not 13")

    def parse(self, code: str) -> tuple[str, int]:
        """Split a code of this layout into (item reference, embedded value)."""
        start = len(self.prefix)
        item = code[start : start + self.item_len]
        start += self.item_len + self.price_check_digit
        return item, int(code[start : start + self.value_len])


@dataclass(frozen=True)
class BarcodeRules:
    """Per-chain barcode policy: member-card prefixes and variable-measure layouts."""

    member_prefixes: tuple[str, ...] = ("27",)
    layouts: tuple[VariableMeasureLayout, ...] = field(
        default=(
            VariableMeasureLayout("28", CodeKind.WEIGHT_ITEM),
            VariableMeasureLayout("29", CodeKind.PRICE_ITEM),
        )
    )


DEFAULT_RULES = BarcodeRules()


@dataclass(frozen=True)
class Classification:
    """A code's meaning: ``valid`` False carries the ``reason`` it was refused."""

    code: str
    symbology: str
    kind: CodeKind
    valid: bool = True
    reason: str = ""
    item: str | None = None
    value: int | None = None


def classify(code: str, rules: BarcodeRules = DEFAULT_RULES) -> Classification:
    """Classify a scanned payload.

    Numeric codes of a GTIN length must carry a correct check digit; a 13-digit code in a
    member prefix is a member card; one matching a variable-measure layout is a weight or price
    item. Anything else printable is an OTHER code (e.g. a Code 128 payload).

    Args:
        code: the payload without prefix or suffix.
        rules: member prefixes and variable-measure layouts of the chain.
    """
    symbology = gtin_symbology(code)
    if symbology is None:
        return Classification(code, CODE128, CodeKind.OTHER)
    if not is_valid_gtin(code):
        reason = f"{symbology} check digit should be {gs1_check_digit(code[:-1])}"
        return Classification(code, symbology, CodeKind.OTHER, valid=False, reason=reason)
    if symbology != EAN13:
        return Classification(code, symbology, CodeKind.ITEM)
    if code.startswith(rules.member_prefixes):
        return Classification(code, symbology, CodeKind.MEMBER_CARD)
    for layout in rules.layouts:
        if code.startswith(layout.prefix):
            item, value = layout.parse(code)
            return Classification(code, symbology, layout.kind, item=item, value=value)
    return Classification(code, symbology, CodeKind.ITEM)
