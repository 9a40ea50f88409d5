"""Near misses: offers the basket almost qualifies for, so the till can say what would get them.

``near_misses(request, catalogue, priced)`` reads a priced basket and returns structured hints;
the caller words them and formats the money ("add 1 more for 3 for 2 — Snacks", "spend 3.20
more for 10 % off"). Pure, deterministic, and built from the same eligibility and spend rules
as ``price_basket``, so the server's quote and the till's basket view give the same hints.

Kinds hinted:

- Spend thresholds (whole basket or scoped): the next tier above the spend counted, after item
  offers, on the threshold's lines and basis. Spend 36.80 on a "spend 40.00, 10 % off" threshold
  -> ``missing_amount=320``. A basket past the top tier gets no hint, nor does an anonymous
  basket for a tier that gives only points.
- Multi-buys: a started group. Two snacks on "3 for 2" -> ``missing_qty=1``; three or six -> none;
  none once ``max_applications`` groups are complete.
- Buy X get Y that gave nothing: the units still missing from either part. One coffee and no
  pastry on "buy a coffee, get a pastry free" -> ``missing_qty=1``.

Not hinted: coupon offers (nothing was presented), bundles, item discounts (no condition).
"""

from __future__ import annotations

from dataclasses import dataclass

from promotions.basket import PricingRequest
from promotions.catalogue import Catalogue, Promotion
from promotions.eligibility import Eligibility
from promotions.result import PricedBasket
from promotions.rewards import Reward
from promotions.rules import AmountOff, BuyGet, MultiBuy, PercentOff, Scope, SpendBasis, SpendThreshold
from promotions.tax import spend_of


@dataclass(frozen=True)
class NearMiss:
    """One offer the basket almost gets.

    Attributes:
        promotion_id: The promotion.
        promotion_version: Its version.
        label: Its receipt label.
        missing_qty: Units in the promotion's scope still to add (0 for spend thresholds).
        missing_amount: Minor units still to spend on its lines, on its basis (0 for units).
    """

    promotion_id: str
    promotion_version: int
    label: str
    missing_qty: int = 0
    missing_amount: int = 0


def near_misses(request: PricingRequest, catalogue: Catalogue, priced: PricedBasket) -> tuple[NearMiss, ...]:
    """Return the near misses of ``priced`` (the result of ``price_basket(request, catalogue)``).

    Returns:
        Hints in promotion-id order, at most one per promotion.
    """
    eligibility = Eligibility(request)
    applied = {a.promotion_id for a in priced.applied}
    amounts = _after_item_offers(priced, catalogue)
    found = []
    for promotion in _candidates(request, catalogue):
        if not eligibility.ok(promotion):
            continue
        hint = _hint(promotion, request, amounts, applied)
        if hint is not None:
            found.append(hint)
    return tuple(found)


def _candidates(request: PricingRequest, catalogue: Catalogue) -> list[Promotion]:
    index = catalogue.index
    seen: dict[str, Promotion] = {p.promotion_id: p for p in index.basket_wide}
    for line in request.lines:
        for promotion in index.for_line(line.sku, line.category):
            seen.setdefault(promotion.promotion_id, promotion)
    return [seen[pid] for pid in sorted(seen)]


def _hint(promotion, request, amounts, applied) -> NearMiss | None:
    rule = promotion.rule
    if isinstance(rule, SpendThreshold):
        missing = _missing_spend(rule, request, amounts)
        return None if not missing else NearMiss(promotion.promotion_id, promotion.version, promotion.label,
                                                  missing_amount=missing)
    if isinstance(rule, MultiBuy):
        missing = _missing_group(rule, request)
    elif isinstance(rule, BuyGet) and promotion.promotion_id not in applied:
        missing = _missing_parts(rule, request)
    else:
        return None
    return None if not missing else NearMiss(promotion.promotion_id, promotion.version, promotion.label,
                                              missing_qty=missing)


def _units(scope: Scope, request: PricingRequest) -> int:
    return sum(line.qty for line in request.lines if not line.weighed and scope.matches(line.sku, line.category))


def _missing_group(rule: MultiBuy, request: PricingRequest) -> int:
    units, size = _units(rule.scope, request), rule.buy + rule.get
    if rule.max_applications is not None and units >= size * rule.max_applications:
        return 0
    return 0 if units % size == 0 else size - units % size


def _missing_parts(rule: BuyGet, request: PricingRequest) -> int:
    bought, got = _units(rule.buy_scope, request), _units(rule.get_scope, request)
    either = sum(line.qty for line in request.lines if not line.weighed and (
        rule.buy_scope.matches(line.sku, line.category) or rule.get_scope.matches(line.sku, line.category)))
    apart = max(0, rule.buy_qty - bought) + max(0, rule.get_qty - got)
    return max(apart, rule.buy_qty + rule.get_qty - either)


def _is_basket_level(promotion: Promotion | None) -> bool:
    """Basket offers, and rewards (taken after them): thresholds count the spend before either."""
    rule = None if promotion is None else promotion.rule
    if isinstance(rule, (SpendThreshold, Reward)):
        return True
    return isinstance(rule, (PercentOff, AmountOff)) and rule.scope.whole_basket


def _after_item_offers(priced: PricedBasket, catalogue: Catalogue) -> list[int]:
    # A line's amount as its prices are entered, before basket offers: what thresholds count.
    given = {d.promotion_id for line in priced.lines for d in line.discounts}
    level = {pid for pid in given if _is_basket_level(catalogue.get(pid))}
    return [line.base_amount - sum(d.amount for d in line.discounts if d.promotion_id not in level)
            for line in priced.lines]


def _missing_spend(rule: SpendThreshold, request: PricingRequest, amounts: list[int]) -> int:
    chosen = [i for i, line in enumerate(request.lines) if rule.scope.matches(line.sku, line.category)]
    spend = spend_of([amounts[i] for i in chosen], [request.lines[i].tax_rate_bp for i in chosen],
                     request.store.prices_include_tax)
    counted = spend.net if rule.basis is SpendBasis.NET else spend.gross
    # A tier that gives only points gives an anonymous customer nothing: no hint for it.
    above = [tier.min_spend for tier in rule.tiers if tier.min_spend > counted
             and (request.member is not None or tier.amount_off or tier.percent_bp)]
    return above[0] - counted if above else 0
