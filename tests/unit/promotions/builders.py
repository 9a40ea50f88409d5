"""Small builders so scenario tests read like the receipts they describe."""

from __future__ import annotations

from datetime import UTC, datetime

from promotions.basket import BasketLine, Member, PresentedCoupon, PricingRequest, Store
from promotions.catalogue import Catalogue, Promotion
from promotions.engine import price_basket
from promotions.result import PricedBasket
from promotions.rules import Scope

TUESDAY_NOON = datetime(2025, 3, 4, 11, 0, tzinfo=UTC)  # 12:00 in Berlin
BERLIN = Store("berlin-1", "Europe/Berlin")


def skus(*names: str) -> Scope:
    return Scope(skus=frozenset(names))


def categories(*names: str) -> Scope:
    return Scope(categories=frozenset(names))


WHOLE_BASKET = Scope(whole_basket=True)


def promo(promotion_id: str, rule, label: str | None = None, **kwargs) -> Promotion:
    return Promotion(promotion_id, kwargs.pop("version", 1), label or promotion_id, rule, **kwargs)


def line(sku: str, unit_price: int, qty: int = 1, category: str = "grocery", **kwargs):
    line_id = kwargs.pop("line_id", sku)
    return BasketLine(line_id, sku, unit_price, qty=qty, category=category, **kwargs)


def member(member_id: str = "m-1", **kwargs) -> Member:
    return Member(member_id, **kwargs)


def price(
    lines,
    promotions,
    *,
    member: Member | None = None,
    at: datetime = TUESDAY_NOON,
    store: Store = BERLIN,
    coupons: tuple[PresentedCoupon, ...] = (),
    **kwargs,
) -> PricedBasket:
    request = PricingRequest(lines=tuple(lines), store=store, at=at, member=member, coupons=coupons, **kwargs)
    return price_basket(request, Catalogue(promotions))


def discounts_of(result: PricedBasket, line_id: str) -> dict[str, int]:
    priced = next(item for item in result.lines if item.line_id == line_id)
    return {d.promotion_id: d.amount for d in priced.discounts}


def total_of(result: PricedBasket, line_id: str) -> int:
    return next(item.total for item in result.lines if item.line_id == line_id)
