"""Pricing a basket with the shared engine, and the points its sale earns by the loyalty rules.

The same ``promotions.price_basket`` runs on the server, so an offline price agrees to the cent
with the server's later re-check. Points earned come from ``loyalty.compute_earning`` with the
program's tier multipliers, which is the figure the server posts and checks.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from loyalty.earning import Earning, SaleLine, compute_earning, earns_no_points
from pos_agent.checkout.basket import Basket, Item
from pos_agent.checkout.program import Program
from promotions import (
    BasketLine,
    Catalogue,
    Member,
    NearMiss,
    PresentedCoupon,
    PricedBasket,
    PricingRequest,
    Promotion,
    RewardClaim,
    Store,
    count_uses,
    near_misses,
    offered,
    price_basket,
)


def price(basket: Basket, catalogue: Catalogue, store: dict, program: Program, at: datetime,
          exhausted: frozenset[str] = frozenset()) -> PricedBasket:
    """Price ``basket`` at ``at`` for its member (if any), without the capped promotions in ``exhausted``."""
    return price_basket(_request(basket, catalogue, store, program, at, exhausted), catalogue)


def hints(basket: Basket, priced: PricedBasket, catalogue: Catalogue, store: dict, program: Program,
          at: datetime, exhausted: frozenset[str] = frozenset()) -> tuple[NearMiss, ...]:
    """The offers ``priced`` (``price()``'s result for the same arguments) almost gets, as the server's quote says."""
    return near_misses(_request(basket, catalogue, store, program, at, exhausted), catalogue, priced)


def _request(basket: Basket, catalogue: Catalogue, store: dict, program: Program, at: datetime,
             exhausted: frozenset[str]) -> PricingRequest:
    return PricingRequest(
        lines=tuple(_line(item, program) for item in basket.items),
        store=Store(store["code"], store.get("timezone", "UTC"), store.get("prices_include_tax", True)),
        at=at,
        member=_member(basket, catalogue, ZoneInfo(store.get("timezone", "UTC")), at),
        coupons=tuple(PresentedCoupon(code) for code in basket.coupons),
        earn=program.earn_config,
        rewards=tuple(RewardClaim(reward_id, times) for reward_id, times in sorted(basket.rewards.items())),
        exhausted=exhausted,
    )


def rewards_offered(basket: Basket, priced: PricedBasket, catalogue: Catalogue, store: dict, program: Program,
                    at: datetime, available_points: int, exhausted: frozenset[str] = frozenset()) -> list[Promotion]:
    """The rewards the member can take one more of now with ``available_points`` (``promotions.reward_offers``),
    ``priced`` being ``price()``'s result for the same basket and ``exhausted``."""
    return offered(_request(basket, catalogue, store, program, at, exhausted), catalogue, priced, available_points)


def _line(item: Item, program: Program) -> BasketLine:
    unit = item.price_override if item.price_override is not None else item.unit_price
    return BasketLine(item.line_id, item.sku, unit, item.qty, item.qty_milli, item.category,
                      earns_no_points(item.category, item.excluded, program.earning, item.sku), item.tax_rate_bp)


def _member(basket: Basket, catalogue: Catalogue, zone: ZoneInfo, at: datetime) -> Member | None:
    m = basket.member
    if m is None:
        return None
    return Member(member_id=m.member_id or m.card_number, tier=m.tier, segments=frozenset(m.segments),
                  promotion_uses=count_uses(m.promotion_uses, catalogue, at, zone), clipped=frozenset(m.clipped))


def sale_lines(basket: Basket, priced: PricedBasket, program: Program) -> list[SaleLine]:
    """The lines as loyalty and the server's posting see them (what each cost after discounts)."""
    by_id = {item.line_id: item for item in basket.items}
    return [SaleLine(line.line_id, line.total, _qty(by_id[line.line_id]), by_id[line.line_id].category,
                     _excluded(by_id[line.line_id], program), sku=by_id[line.line_id].sku,
                     base_replaced=line.base_replaced_by is not None)
            for line in priced.lines]


def earning(basket: Basket, priced: PricedBasket, program: Program, points_tender_minor: int) -> Earning:
    """Points the sale earns; none without a member the till could identify."""
    lines = sale_lines(basket, priced, program)
    if basket.member is None:
        return Earning(0, {ln.line_id: 0 for ln in lines}, 0)
    return compute_earning(lines, program.earning, tier=basket.member.tier,
                           points_tender_minor=points_tender_minor)


def bonus_points(basket: Basket, priced: PricedBasket) -> int:
    """Promotion bonus points for an identified member (the server credits the same, by its own pricing)."""
    if basket.member is None or basket.member.source == "unknown":
        return 0
    return sum(award.points for award in priced.bonus)


def _qty(item: Item) -> int:
    return 1 if item.qty_milli is not None else item.qty  # a weighed line is returned whole


def _excluded(item: Item, program: Program) -> bool:
    return earns_no_points(item.category, item.excluded, program.earning, item.sku)
