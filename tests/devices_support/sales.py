"""A sample completed sale with real numbers, for receipt tests."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from typing import Any

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
