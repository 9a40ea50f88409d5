"""Points to earn: the simple base rule and the earning rules of bonus-points promotions.

This is a separate, last step on plain data (paid line amounts), so the loyalty package can
replace or re-check base earning with its detailed rules. The server (posting a sale, quoting)
and every till reach these rules through ``price_basket`` only, so they agree to the point.

An earning rule (``rules.BonusPoints``) looks at the lines in its scope that earn points at all
(a line excluded from points never counts towards a rule, nor earns by one). Rules add up:

1. Conditions: the order (what the customer pays for the whole basket) reaches
   ``min_order_minor``, and the units bought in scope reach ``min_qty``; at least one line in
   scope earns. Otherwise the rule gives nothing.
2. Own points, exact (a Fraction, never a float): ``points_per`` per ``per_minor`` paid on the
   scope + ``unit_points`` per unit + ``extra_bp`` of the base rate on what is paid; times
   ``multiplier_bp``; floored once per rule.
3. Plus ``fixed_points`` once per order.
4. A ``standalone`` rule that gives points replaces base earning on its lines: those lines earn
   no base points (``Awarded.replaced``; loyalty's ``compute_earning`` is told the same).

Worked example (base 1 point per 1.00; produce 13.00, bread 3.00 paid):

* "1 point per 2.00 on produce": 13.00 / 2.00 = 6.5 -> 6 points.
* "2x points on produce" as ``extra_bp=20_000, standalone=True``: 13.00 x 2 = 26 points, and the
  produce line's 13 base points go, so the sale earns 3 (bread) + 26 = 29.
* "3 points per coffee, 2x, at least 2 coffees" on 3 coffees: 3 x 3 = 9, x 2 = 18 points.
* "50 points on orders of 20.00 or more": nothing on this 16.00 order.

Stacking: stackable rules add up; an exclusive one is taken alone when it gives more points than
the whole stack (ties keep the stack). Points are never negative.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from promotions.basket import BasketLine, EarnConfig
from promotions.catalogue import Promotion
from promotions.money import BASIS_POINTS
from promotions.rules import BonusPoints, SpendThreshold
from promotions.tax import Spend


@dataclass(frozen=True)
class Awarded:
    """What one promotion gave: its points and the line positions whose base earning it replaced."""

    promotion: Promotion
    points: int
    replaced: tuple[int, ...] = ()


def base_points(eligible_paid: int, earn: EarnConfig) -> int:
    """Return floor(points_per_unit * eligible_paid / minor_per_unit)."""
    return eligible_paid * earn.points_per_unit // earn.minor_per_unit


def rule_points(rule: BonusPoints, paid: int, units: int, earn: EarnConfig) -> int:
    """Points an earning rule gives on ``paid`` minor units and ``units`` bought in scope (conditions met).

    Example (base 1 point per 1.00):
        >>> from promotions.rules import Scope
        >>> produce = Scope(categories=frozenset({"produce"}))
        >>> rule_points(BonusPoints(produce, points_per=1, per_minor=200), 1300, 4, EarnConfig())
        6
        >>> rule_points(BonusPoints(produce, unit_points=3, multiplier_bp=20_000), 1300, 3, EarnConfig())
        18
        >>> rule_points(BonusPoints(produce, extra_bp=10_000, fixed_points=5), 1399, 1, EarnConfig())
        18
    """
    own = Fraction(units * rule.unit_points)
    if rule.per_minor:
        own += Fraction(paid * rule.points_per, rule.per_minor)
    own += Fraction(paid * earn.points_per_unit * rule.extra_bp, earn.minor_per_unit * BASIS_POINTS)
    return math.floor(own * rule.multiplier_bp / BASIS_POINTS) + rule.fixed_points


def _units(line: BasketLine) -> int:
    return 1 if line.weighed else line.qty


def _award(promotion, reached, lines, totals, spend, earn) -> Awarded:
    rule = promotion.rule
    if isinstance(rule, SpendThreshold):
        tier = rule.reached(spend)
        return Awarded(promotion, 0 if tier is None else tier.bonus_points)
    if not isinstance(rule, BonusPoints):
        return Awarded(promotion, 0)
    earning = [i for i in reached if not lines[i].excluded_from_points]
    units = sum(_units(lines[i]) for i in earning)
    if not earning or sum(totals) < rule.min_order_minor or units < rule.min_qty:
        return Awarded(promotion, 0)
    points = rule_points(rule, sum(totals[i] for i in earning), units, earn)
    return Awarded(promotion, points, tuple(earning) if rule.standalone else ())


def bonus_points(
    promotions: Sequence[tuple[Promotion, Sequence[int]]],
    lines: Sequence[BasketLine],
    totals: Sequence[int],
    spend: Spend,
    earn: EarnConfig,
) -> list[Awarded]:
    """Return what each rule that applies gave, in promotion-id order (see the module docstring).

    Args:
        promotions: Eligible bonus-points and spend-threshold promotions, each with the
            positions of the lines in its scope.
        lines: Basket lines.
        totals: What the customer pays per line, after every discount.
        spend: Gross and net after item offers (what thresholds qualify on).
        earn: Base earning rule the ``extra_bp`` multiples scale.
    """
    scored = [_award(p, reached, lines, totals, spend, earn) for p, reached in promotions]
    scored = [award for award in scored if award.points > 0]
    best = sorted((a for a in scored if not a.promotion.exclusive), key=_by_id)
    best_total = sum(a.points for a in best)
    exclusives = sorted((a for a in scored if a.promotion.exclusive), key=_by_id)
    for award in sorted(exclusives, key=lambda a: (-a.promotion.priority, _by_id(a))):
        if award.points > best_total:
            best, best_total = [award], award.points
    return best


def _by_id(award: Awarded) -> str:
    return award.promotion.promotion_id
