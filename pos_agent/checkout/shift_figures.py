"""A shift's figures from the transactions a till kept: pure, so X and Z reports can be checked by hand.

Worked example: a float of 100.00; a sale of 12.50 paid 10.00 cash + 2.50 with 250 points; a sale of
8.00 by card; a return refunding 4.00 in cash. Sales 2 for 20.50; refunds 1 for 4.00; tenders cash
6.00 (10.00 - 4.00), card 8.00, points 2.50; points redeemed 250; expected cash 106.00.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class ShiftFigures:
    float_minor: int
    sales_count: int = 0
    sales_minor: int = 0
    refunds_count: int = 0
    refunds_minor: int = 0
    voids_count: int = 0
    no_sales: int = 0
    tenders: dict[str, int] = field(default_factory=dict)
    points_redeemed: int = 0
    expected_cash_minor: int = 0
    counted_cash_minor: int | None = None
    difference_minor: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def shift_figures(records: Iterable[dict[str, Any]], float_minor: int, no_sales: int,
                  counted_cash_minor: int | None = None) -> ShiftFigures:
    """Figures of the kept ``records`` (``{"body", "total_minor"}`` as ``store.sales`` keeps them).

    A sale adds its total and its tenders (cash as kept: what it paid, change already given back);
    a return or void subtracts the money tenders it paid back, and counts its refund (money and the
    points share) in ``refunds_minor``. Expected cash is the float plus the net cash.
    """
    sales = refunds = voids = sales_minor = refunds_minor = points = 0
    tenders: dict[str, int] = {}
    for record in records:
        body = record["body"]
        sign = 1 if body["kind"] == "sale" else -1
        for tender in body["tenders"]:
            tenders[tender["kind"]] = tenders.get(tender["kind"], 0) + sign * tender["amount_minor"]
        if sign == 1:
            sales, sales_minor = sales + 1, sales_minor + record["total_minor"]
            points += sum(t.get("points", 0) for t in body["tenders"] if t["kind"] == "points")
        else:
            voids += body["kind"] == "void"
            refunds += body["kind"] == "return"
            refunds_minor -= record["total_minor"]
    expected = float_minor + tenders.get("cash", 0)
    difference = None if counted_cash_minor is None else counted_cash_minor - expected
    return ShiftFigures(float_minor, sales, sales_minor, refunds, refunds_minor, voids, no_sales, tenders, points,
                        expected, counted_cash_minor, difference)
