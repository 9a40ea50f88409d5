"""Till slips that are not sales: a no-sale drawer opening and a shift's X or Z report. Plain data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from devices.sale import StoreHeader, Tender


@dataclass(frozen=True)
class NoSaleSlip:
    """The drawer opened without a sale: the slip says why and who, and the drawer is kicked."""

    receipt_id: str
    store: StoreHeader
    at: datetime
    reason: str
    terminal: str = ""
    cashier: str = ""


@dataclass(frozen=True)
class ShiftReport:
    """A shift's figures as the till counted them (minor units, points).

    ``final`` is a Z report (the shift closed, ``counted_cash`` the cash count); otherwise an X
    report of the shift so far.
    """

    receipt_id: str
    store: StoreHeader
    at: datetime
    opened_at: datetime
    final: bool
    float_amount: int
    sales_count: int
    sales: int
    refunds_count: int
    refunds: int
    voids_count: int
    no_sales: int
    tenders: tuple[Tender, ...]
    points_redeemed: int
    expected_cash: int
    counted_cash: int | None = None
    currency: str = "EUR"
    exponent: int = 2  # the currency's minor-unit digits (JPY 0, BHD 3): how amounts are printed
    terminal: str = ""
    cashier: str = ""

    @property
    def title(self) -> str:
        return "Z REPORT" if self.final else "X REPORT"
