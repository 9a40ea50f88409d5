"""Points to earn: the simple base rule and bonus points per promotion.

This is a separate, last step on plain data (paid line amounts), so the loyalty package can
replace or re-check it with its detailed earning rules. All points are floored per
transaction (per promotion for bonuses), never per line.
"""

from __future__ import annotations

from collections.abc import Sequence

from promotions.basket import BasketLine, EarnConfig
from promotions.catalogue import Promotion
from promotions.money import BASIS_POINTS
from promotions.rules import BonusPoints, SpendThreshold
from promotions.tax import Spend


def base_points(eligible_paid: int, earn: EarnConfig) -> int:
    """Return floor(points_per_unit * eligible_paid / minor_per_unit)."""
    return eligible_paid * earn.points_per_unit // earn.minor_per_unit


def _points(promotion, reached, lines, totals, spend, earn) -> int:
    rule = promotion.rule
    if isinstance(rule, SpendThreshold):
        tier = rule.reached(spend)
        return 0 if tier is None else tier.bonus_points
    if not isinstance(rule, BonusPoints):
        return 0
    paid, bought = 0, False
    for i in reached:
        if not lines[i].excluded_from_points:
            paid += totals[i]
            bought = True
    extra = paid * earn.points_per_unit * rule.extra_bp // (earn.minor_per_unit * BASIS_POINTS)
    return extra + (rule.fixed_points if bought else 0)


def bonus_points(
    promotions: Sequence[tuple[Promotion, Sequence[int]]],
    lines: Sequence[BasketLine],
    totals: Sequence[int],
    spend: Spend,
    earn: EarnConfig,
) -> list[tuple[Promotion, int]]:
    """Return ``(promotion, points)`` for each bonus that applies, in promotion-id order.

    Stackable bonuses add up; an exclusive one is taken alone when it gives more points than
    the whole stack (ties keep the stack).

    Args:
        promotions: Eligible bonus-points and spend-threshold promotions, each with the
            positions of the lines in its scope.
        lines: Basket lines.
        totals: What the customer pays per line, after every discount.
        spend: Gross and net after item offers (what thresholds qualify on).
        earn: Base earning rule the multipliers scale.
    """
    scored = [(p, _points(p, reached, lines, totals, spend, earn)) for p, reached in promotions]
    scored = [(p, points) for p, points in scored if points > 0]
    best = sorted((item for item in scored if not item[0].exclusive), key=_by_id)
    best_total = sum(points for _, points in best)
    exclusives = sorted((item for item in scored if item[0].exclusive), key=_by_id)
    for promotion, points in sorted(exclusives, key=lambda i: (-i[0].priority, _by_id(i))):
        if points > best_total:
            best, best_total = [(promotion, points)], points
    return best


def _by_id(item: tuple[Promotion, int]) -> str:
    return item[0].promotion_id
