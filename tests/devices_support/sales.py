"""A sample completed sale and a sample refund with real numbers, for receipt tests."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from typing import Any

from devices.refund import PointsBack, RefundLine, RefundReceipt
from devices.sale import (
    CompletedSale,
    Coupon,
    Discount,
    LoyaltySummary,
    SaleLine,
    StoreHeader,
    Tender,
)


def sample_sale(**changes: Any) -> CompletedSale:
    """Milk at member price, two breads with a promotion, weighed apples; paid cash, 10.00."""
    sale = CompletedSale(
        receipt_id="R042-3-000117",
        store=StoreHeader("DEMO MART #042", ("12 Market St", "1000 Town"), phone="555 0100"),
        sold_at=datetime(2025, 3, 4, 17, 5, tzinfo=UTC),
        lines=(
            SaleLine("Milk 1L", unit_price=129, amount=129, member_amount=109),
            SaleLine(
                "Bread",
                unit_price=150,
                amount=300,
                quantity=2,
                discounts=(Discount("Buy 2 save 10%", 30),),
            ),
            SaleLine("Apples", unit_price=299, amount=369, weight_grams=1234),
        ),
        subtotal=798,
        total=748,
        tenders=(Tender("Cash", 1000),),
        change=252,
        terminal="3",
        cashier="Ann",
        loyalty=LoyaltySummary("2712345678902", "Gold", points_earned=7, new_balance=1234),
        coupons=(Coupon("CAFE2", "2.00 off coffee", date(2025, 4, 1)),),
    )
    return dataclasses.replace(sale, **changes)


def sample_refund(**changes: Any) -> RefundReceipt:
    """The bread and the milk of the sample sale brought back: 3.79, of which 0.50 was paid with points."""
    refund = RefundReceipt(
        receipt_id="R042-3-000118",
        original_id="R042-3-000117",
        store=StoreHeader("DEMO MART #042", ("12 Market St", "1000 Town")),
        refunded_at=datetime(2025, 3, 5, 10, 15, tzinfo=UTC),
        lines=(RefundLine("Bread", 2, 270), RefundLine("Milk 1L", 1, 109)),
        total=379,
        paid_back=(Tender("Cash", 329), Tender("Points", 50)),
        terminal="3",
        cashier="Ann",
        points=PointsBack("2712345678902", given_back=50, taken_back=3),
    )
    return dataclasses.replace(refund, **changes)
