"""A return or void of an earlier sale as the device layer sees it: plain data for the refund receipt.

Every amount is positive, money going back to the customer, and already decided by the checkout;
the receipt only shows it under a REFUND (or VOID) heading.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from devices.sale import StoreHeader, Tender


@dataclass(frozen=True)
class RefundLine:
    """A line brought back: ``quantity`` units refunding ``amount`` (after the sale's discounts)."""

    description: str
    quantity: int
    amount: int


@dataclass(frozen=True)
class PointsBack:
    """The member's points in the refund: redeemed points given back, earned points taken back."""

    card_number: str
    given_back: int = 0
    taken_back: int = 0


@dataclass(frozen=True)
class RefundReceipt:
    """What a return or void gives back.

    ``receipt_id`` is the return's own transaction id, ``original_id`` the receipt it refers to;
    ``paid_back`` says how ``total`` goes back (cash, and the share once paid with points);
    ``tax`` is the part of ``total`` that is tax given back (printed when there is some; None when
    the sale did not record its tax).
    """

    receipt_id: str
    original_id: str
    store: StoreHeader
    refunded_at: datetime
    lines: tuple[RefundLine, ...]
    total: int
    paid_back: tuple[Tender, ...]
    currency: str = "EUR"
    exponent: int = 2  # the currency's minor-unit digits (JPY 0, BHD 3): how amounts are printed
    terminal: str = ""
    cashier: str = ""
    void: bool = False
    points: PointsBack | None = None
    tax: int | None = None
    footer: tuple[str, ...] = field(default=("Keep this receipt as proof of your refund",))
    open_drawer: bool = False  # cash goes back: the printer kicks the drawer open

    @property
    def title(self) -> str:
        return "VOID" if self.void else "REFUND"
