"""A completed sale as the device layer sees it: plain data for the receipt, no rules.

Money is an integer count of minor units; every amount is already decided by the pricing
engine and the checkout, so the receipt only shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class StoreHeader:
    name: str
    address_lines: tuple[str, ...] = ()
    phone: str = ""
    tax_id: str = ""
    header_lines: tuple[str, ...] = ()  # the store's own lines under its tax number


@dataclass(frozen=True)
class Discount:
    """One discount on a line: the promotion's label and the amount off (positive)."""

    label: str
    amount: int


@dataclass(frozen=True)
class SaleLine:
    """A basket line.

    ``amount`` is quantity x unit price at the regular price; ``member_amount`` the same at the
    member price when one applied; ``discounts`` the promotions on top of it.
    """

    description: str
    unit_price: int
    amount: int
    quantity: int = 1
    weight_grams: int | None = None
    member_amount: int | None = None
    member_price_label: str = "Member price"
    discounts: tuple[Discount, ...] = ()


@dataclass(frozen=True)
class TaxRate:
    """One line of the tax breakdown: everything sold at one rate (``net + tax == gross``)."""

    rate_bp: int  # 2000 = 20 %
    net: int
    tax: int
    gross: int


@dataclass(frozen=True)
class Tender:
    label: str
    amount: int


@dataclass(frozen=True)
class Coupon:
    code: str
    description: str
    valid_until: date | None = None


@dataclass(frozen=True)
class PointsRule:
    """What one earning rule gave the sale: printed as ``2x points on produce: +40``."""

    label: str
    points: int


@dataclass(frozen=True)
class LoyaltySummary:
    """Points of the sale. ``pending`` is True when the till sold offline (credited on sync).

    ``points_earned`` includes what each of ``earned_by`` gave; ``no_points`` says, per line that
    earns nothing, why (``"Cigarettes: tobacco earns no points"``).
    """

    card_number: str
    tier: str
    points_earned: int
    new_balance: int
    points_redeemed: int = 0
    pending: bool = False
    earned_by: tuple[PointsRule, ...] = ()
    no_points: tuple[str, ...] = ()


@dataclass(frozen=True)
class CompletedSale:
    receipt_id: str
    store: StoreHeader
    sold_at: datetime
    lines: tuple[SaleLine, ...]
    subtotal: int
    total: int
    tenders: tuple[Tender, ...]
    currency: str = "EUR"
    exponent: int = 2  # the currency's minor-unit digits (JPY 0, BHD 3): how amounts are printed
    terminal: str = ""
    cashier: str = ""
    change: int = 0
    loyalty: LoyaltySummary | None = None
    coupons: tuple[Coupon, ...] = ()
    footer: tuple[str, ...] = field(default=("Thank you for shopping with us",))
    taxes: tuple[TaxRate, ...] = ()  # the breakdown per rate; empty: no tax block is printed
    tax_added: int = 0  # tax added on top of prices entered without it (0 when prices include it)
    open_drawer: bool = False  # cash was taken: the printer kicks the drawer open

    @property
    def savings(self) -> int:
        """Everything the customer saved: member prices and discounts."""
        return self.subtotal + self.tax_added - self.total
