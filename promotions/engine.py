"""The one entry point: ``price_basket(request, catalogue) -> PricedBasket``.

Order of work, each step on the output of the one before:

1. Eligibility: store scope, window (store-local), targeting, usage limits; coupon codes.
2. Member price: the lowest eligible member price replaces the shelf price.
3. Item offers: per unit, the stack of stackable product/category discounts or the best single
   exclusive one; multi-buys and bundles then take the units where that is best for the
   customer (``promotions.allocation``). A unit in an exclusive multi-buy/bundle takes no other
   item discount; a unit in a stackable one keeps the stackable discounts it is priced after.
   Item offers with a per-basket cap are then held to it (``promotions.caps``).
4. Basket offers on the total after item offers: first spend thresholds scoped to products or
   categories, counted and taken on their own lines (``promotions.thresholds``); then
   whole-basket discounts and spend thresholds (counting gross or net spend after item offers,
   as each threshold says), stack versus exclusive again, each capped at its ``max_discount``
   and spread over lines by largest remainder, so they reduce the taxable amount of those lines.
   Then the rewards the member takes with points (``promotions.rewards``), on what is left.
5. Tax per rate on what is left (``promotions.tax``): tax-inclusive prices contain it, and
   tax-exclusive prices have it added to each line, so a line's total is always what the
   customer pays.
6. Points (base + earning rules per promotion, ``promotions.bonus_points``) on what the customer
   pays; a stand-alone rule's lines earn no base points. What points may pay is loyalty's rule
   (``loyalty.redemption``), applied by the caller to the priced total.

Exclusivity acts within a level (item, basket, points): an exclusive item offer still lets a
basket offer apply to what is left, and member prices always apply.

Monotonicity: adding a promotion the customer qualifies for never raises the total, because
every choice above is a minimum over alternatives that only grow, and every discount is a
non-decreasing function of the price it is taken from. It cannot hold (1) across spend
thresholds: a new item discount can pull the spend below a threshold and lose its larger
reward; (2) when a large multi-buy/bundle mix falls back to the greedy allocation
(``PricedBasket.allocation_exact`` is False); (3) with per-basket caps on item offers
(``promotions.caps``): the choice between item offers is made before the cap.
"""

from __future__ import annotations

from dataclasses import replace

from loyalty.shares import largest_remainder
from promotions.basket import PricingRequest
from promotions.bonus_points import base_points, bonus_points
from promotions.caps import cap_item_discounts
from promotions.catalogue import Catalogue, Promotion
from promotions.coupons import check_coupons
from promotions.discounts import best_price
from promotions.eligibility import Eligibility
from promotions.index import scopes_of
from promotions.member_prices import best_member_price
from promotions.money import weighed_amount
from promotions.offers import apply_offers
from promotions.result import (
    AppliedPromotion,
    BonusAward,
    CouponRejection,
    Discount,
    PricedBasket,
    PricedLine,
    RejectedCoupon,
)
from promotions.rewards import Reward, apply_rewards
from promotions.rules import (
    GROUPED,
    AmountOff,
    BonusPoints,
    MemberPrice,
    PercentOff,
    SpendThreshold,
)
from promotions.tax import Spend, Taxed, spend_of, tax_lines
from promotions.thresholds import apply_scoped_thresholds
from promotions.work import LineWork


def price_basket(request: PricingRequest, catalogue: Catalogue) -> PricedBasket:
    """Price a basket for a member (or none), at a store, at a time.

    Pure and deterministic: the same request and catalogue give the same result on the server
    and on every till, whatever order the promotions were loaded in.

    Args:
        request: Lines, store, time, member, coupons, earn rule, rewards taken.
        catalogue: The live promotions, indexed.

    Returns:
        The priced basket: per-line prices and discounts, totals, points and coupon outcomes.
    """
    eligibility = Eligibility(request)
    unlocked, rejected = check_coupons(request, catalogue.index, eligibility)
    works, basket_promotions, point_promotions, scoped = _gather(
        request, catalogue, eligibility, [p for p, _ in unlocked.values()]
    )
    for work in works:
        _price_line(work)
    exact = apply_offers(works)
    for work in works:
        _finish_line(work)
    cap_item_discounts(works)
    inclusive = request.store.prices_include_tax
    rates = [work.line.tax_rate_bp for work in works]
    spend = spend_of([work.total for work in works], rates, inclusive)
    apply_scoped_thresholds(works, [scoped[pid] for pid in sorted(scoped)], inclusive)
    _apply_basket(works, basket_promotions, spend)
    rewards = apply_rewards(request.rewards, catalogue.index.rewards, eligibility, works) if request.rewards else None
    taxed = tax_lines([work.total for work in works], rates, inclusive)
    result = _result(request, works, point_promotions, spend, taxed, (unlocked, rejected), exact)
    return replace(result, rewards=tuple(rewards[0]), refused_rewards=tuple(rewards[1])) if rewards else result


def may_apply(request: PricingRequest, catalogue: Catalogue, promotion_id: str) -> bool:
    """False when ``price_basket(request, catalogue)`` cannot apply the promotion ``promotion_id``,
    found without pricing: it is not in the catalogue, is not eligible for this sale (store, window,
    chain cap, targeting, usage limit: ``Eligibility``), or nothing in the request can reach it the
    way pricing does (a coupon offer through a presented code of its own, a reward through a claim, any
    other through a line its scopes name, or every line for a basket-wide one). True does not mean it
    applies. For a caller that wants to know what one promotion does to many baskets (the server's
    simulation on past sales) and need not price those it cannot touch.
    """
    promotion = catalogue.get(promotion_id)
    if promotion is None or not Eligibility(request).ok(promotion):
        return False
    if isinstance(promotion.rule, Reward):
        return any(claim.promotion_id == promotion_id for claim in request.rewards)
    if promotion.coupon is not None:
        return any(catalogue.index.by_code.get(coupon.code) is promotion for coupon in request.coupons)
    return _is_wide(promotion) or any(_touches(promotion, line) for line in request.lines)


def _gather(request, catalogue, eligibility, coupon_promotions):
    index = catalogue.index
    wide = [p for p in index.basket_wide if eligibility.ok(p)]
    wide += [p for p in coupon_promotions if _is_wide(p)]
    scoped_coupons = [p for p in coupon_promotions if not _is_wide(p)]
    basket = [p for p in wide if isinstance(p.rule, (PercentOff, AmountOff, SpendThreshold))]
    everyone = list(range(len(request.lines)))
    points = {p.promotion_id: (p, everyone) for p in wide if isinstance(p.rule, (BonusPoints, SpendThreshold))}
    per_line = [p for p in wide if isinstance(p.rule, GROUPED)]
    scoped: dict[str, Promotion] = {}
    works = []
    for position, line in enumerate(request.lines):
        work = LineWork(position, line)
        works.append(work)
        found = index.for_line(line.sku, line.category)
        if per_line or scoped_coupons:
            extra = [p for p in scoped_coupons if _touches(p, line)]
            found = (*found, *per_line, *extra)
        # A sku and its category can both lead to one promotion: classify it once.
        seen: set[str] = set()
        for promotion in found:
            if promotion.promotion_id not in seen and eligibility.ok(promotion):
                seen.add(promotion.promotion_id)
                _classify(work, promotion, points, scoped)
    return works, basket, [points[pid] for pid in sorted(points)], scoped


def _is_wide(promotion: Promotion) -> bool:
    return any(scope.whole_basket for scope in scopes_of(promotion))


def _touches(promotion: Promotion, line) -> bool:
    return any(scope.matches(line.sku, line.category) for scope in scopes_of(promotion))


def _classify(work: LineWork, promotion: Promotion, points: dict, scoped: dict) -> None:
    rule = promotion.rule
    if isinstance(rule, (PercentOff, AmountOff)):
        work.discountable.append(promotion)
    elif isinstance(rule, SpendThreshold):
        scoped[promotion.promotion_id] = promotion
    elif isinstance(rule, GROUPED):
        work.grouped[promotion.promotion_id] = promotion
    elif isinstance(rule, BonusPoints):
        points.setdefault(promotion.promotion_id, (promotion, []))[1].append(work.position)
    elif isinstance(rule, MemberPrice):
        work.member_prices.append(promotion)


def _price_line(work: LineWork) -> None:
    line = work.line
    member = best_member_price(line.sku, line.unit_price, work.member_prices)
    if member is not None:
        price, promotion = member
        work.member_unit = price
        amount = weighed_amount(price, line.qty_milli) if line.weighed else price * line.qty
        work.add(promotion, line.base_amount - amount)
        work.unit = price
    if line.weighed:
        # A weighed line is one piece: discounts apply to its amount, once.
        work.unit = work.total
    work.best, work.stack = best_price(work.unit, work.discountable)


def _finish_line(work: LineWork) -> None:
    if work.line.weighed:
        work.add_applied(work.best[1], 1)
        return
    exclusive, stackable = work.consumed
    work.add_applied(work.stack[1], stackable)
    work.add_applied(work.best[1], work.line.qty - exclusive - stackable)


def _apply_basket(works: list[LineWork], promotions: list[Promotion], spend: Spend) -> None:
    if not promotions or not works:
        return
    (_, applied), _ = best_price(sum(work.total for work in works), promotions, spend, capped=True)
    for promotion, amount in applied:
        shares = largest_remainder(amount, [work.total for work in works])
        for work, share in zip(works, shares, strict=True):
            work.add(promotion, share)


def _result(request, works, point_promotions, spend, taxed: Taxed, coupons, exact) -> PricedBasket:
    unlocked, rejected = coupons
    codes = {pid: code for pid, (_, code) in unlocked.items()}
    lines = tuple(_priced_line(work, codes, tax, taxed.inclusive) for work, tax in zip(works, taxed.line_taxes,
                                                                                       strict=True))
    base, bonus = 0, []
    if request.member is not None:
        totals = [line.total for line in lines]
        bonus = bonus_points(point_promotions, request.lines, totals, spend, request.earn)
        replaced = {i: award.promotion.promotion_id for award in bonus for i in award.replaced}
        lines = tuple(replace(line, base_replaced_by=replaced.get(i)) for i, line in enumerate(lines))
        paid = sum(t for i, (t, w) in enumerate(zip(totals, works, strict=True))
                   if not w.line.excluded_from_points and i not in replaced)
        base = base_points(paid, request.earn)
    total = sum(line.total for line in lines)
    subtotal = sum(line.base_amount for line in lines)
    discount_total = sum(d.amount for line in lines for d in line.discounts)
    applied = _applied(works, bonus, codes)
    used = {a.promotion_id for a in applied}
    rejected = rejected + [
        RejectedCoupon(code, CouponRejection.NOT_APPLIED, pid)
        for pid, code in sorted(codes.items(), key=lambda item: item[1])
        if pid not in used
    ]
    return PricedBasket(
        lines=lines,
        subtotal=subtotal,
        discount_total=discount_total,
        total=total,
        applied=applied,
        base_points=base,
        bonus=tuple(BonusAward(a.promotion.promotion_id, a.promotion.version, a.promotion.label, a.points,
                               bool(a.replaced)) for a in bonus),
        points_to_earn=base + sum(a.points for a in bonus),
        accepted_coupons=tuple(sorted(codes[pid] for pid in codes if pid in used)),
        rejected_coupons=tuple(rejected),
        allocation_exact=exact,
        taxes=taxed.rates,
        tax=taxed.tax,
        prices_include_tax=taxed.inclusive,
    )


def _priced_line(work: LineWork, codes: dict[str, str], tax: int, inclusive: bool) -> PricedLine:
    line = work.line
    discounts = tuple(
        Discount(p.promotion_id, p.version, p.label, amount, codes.get(p.promotion_id))
        for p, amount in work.discounts.values()
    )
    return PricedLine(
        line_id=line.line_id,
        sku=line.sku,
        qty=line.qty,
        qty_milli=line.qty_milli,
        base_unit_price=line.unit_price,
        member_unit_price=work.member_unit,
        base_amount=line.base_amount,
        discounts=discounts,
        total=work.total if inclusive else work.total + tax,
        tax_rate_bp=line.tax_rate_bp,
        tax=tax,
    )


def _applied(works, bonus, codes) -> tuple[AppliedPromotion, ...]:
    money: dict[str, list] = {}
    for work in works:
        for promotion, amount in work.discounts.values():
            money.setdefault(promotion.promotion_id, [promotion, 0, 0])[1] += amount
    for award in bonus:
        money.setdefault(award.promotion.promotion_id, [award.promotion, 0, 0])[2] += award.points
    return tuple(
        AppliedPromotion(p.promotion_id, p.version, p.label, amount, points, codes.get(pid))
        for pid, (p, amount, points) in sorted(money.items())
    )

