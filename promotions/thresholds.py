"""Spend thresholds on named products or categories: counted and discounted on their lines only.

Each scoped threshold counts the spend of its own lines after item offers (gross or net, as
its ``basis`` says) and takes its tier's discount from those lines, spread by largest
remainder. Like every level, the customer gets the better of the stack of stackable scoped
thresholds (each taken from what its lines have left) or one exclusive one alone.

Worked example: "spend 40.00 on coffee, 10 % off coffee" with coffee lines of 25.00 and 17.00
after item offers and milk of 3.00: the coffee spend is 42.00, the tier is reached, 4.20 comes
off and is spread 2.50 / 1.70 over the two coffee lines; the milk keeps its 3.00.
"""

from __future__ import annotations

from collections.abc import Sequence

from loyalty.shares import largest_remainder
from promotions.catalogue import Promotion
from promotions.discounts import stack_order
from promotions.money import percent_of
from promotions.rules import ThresholdTier
from promotions.tax import spend_of
from promotions.work import LineWork

Reached = tuple[Promotion, tuple[int, ...], ThresholdTier]
Given = tuple[tuple[Promotion, tuple[int, ...], list[int]], ...]


def in_scope(promotion: Promotion, works: Sequence[LineWork]) -> tuple[int, ...]:
    """Return the positions of the lines a scoped threshold counts."""
    scope = promotion.rule.scope
    return tuple(i for i, work in enumerate(works) if scope.matches(work.line.sku, work.line.category))


def _reached(promotion: Promotion, works: Sequence[LineWork], inclusive: bool) -> Reached | None:
    positions = in_scope(promotion, works)
    if not positions:
        return None
    lines = [works[i] for i in positions]
    spend = spend_of([w.total for w in lines], [w.line.tax_rate_bp for w in lines], inclusive)
    tier = promotion.rule.reached(spend)
    return None if tier is None else (promotion, positions, tier)


def _run(totals: Sequence[int], entries: Sequence[Reached]) -> tuple[int, Given]:
    left = list(totals)
    given, applied = 0, []
    for promotion, positions, tier in entries:
        base = sum(left[i] for i in positions)
        amount = min(base, tier.amount_off + percent_of(base, tier.percent_bp))
        if promotion.max_discount is not None:
            amount = min(amount, promotion.max_discount)
        if amount <= 0:
            continue
        shares = largest_remainder(amount, [left[i] for i in positions])
        for i, share in zip(positions, shares, strict=True):
            left[i] -= share
        given += amount
        applied.append((promotion, positions, shares))
    return given, tuple(applied)


def apply_scoped_thresholds(works: Sequence[LineWork], promotions: Sequence[Promotion], inclusive: bool) -> None:
    """Book the discounts of the scoped spend thresholds the basket reaches.

    Args:
        works: The lines after item offers.
        promotions: Eligible spend thresholds whose scope is not the whole basket.
        inclusive: Whether the store's prices include tax (for net spend).
    """
    found = [r for r in (_reached(p, works, inclusive) for p in promotions) if r is not None]
    if not found:
        return
    totals = [work.total for work in works]
    by_id = {entry[0].promotion_id: entry for entry in found}
    stackable = stack_order([p for p, _, _ in found if not p.exclusive])
    best = _run(totals, [by_id[p.promotion_id] for p in stackable])
    exclusives = sorted((e for e in found if e[0].exclusive), key=lambda e: (-e[0].priority, e[0].promotion_id))
    for entry in exclusives:
        alone = _run(totals, (entry,))
        if alone[0] > best[0]:
            best = alone
    for promotion, positions, shares in best[1]:
        for i, share in zip(positions, shares, strict=True):
            works[i].add(promotion, share)
