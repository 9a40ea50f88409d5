"""Percentage and amount discounts: the stack of stackable ones versus each exclusive one.

The same logic serves both levels. Item level: the amount is one unit's price (a weighed
line's amount) and the candidates are product/category discounts. Basket level: the amount is
the basket total after item offers and the candidates are whole-basket discounts and spend
thresholds (which qualify on that same total).

Stack order: percentages marked "before amounts", then amount-offs, then percentages marked
"after amounts"; within each, higher priority first, then promotion id. Each discount is taken
from what is left and never exceeds it, so no price goes below zero. The customer gets the
lowest of: the whole stack of stackable discounts, or any one exclusive discount alone; ties
keep the stack, then the higher-priority, lower-id exclusive.
"""

from __future__ import annotations

from collections.abc import Sequence

from promotions.catalogue import Promotion
from promotions.money import percent_of
from promotions.rules import AmountOff, PercentOff, SpendThreshold
from promotions.tax import Spend

Applied = tuple[tuple[Promotion, int], ...]


def _stage(promotion: Promotion) -> int:
    rule = promotion.rule
    if isinstance(rule, PercentOff):
        return 2 if rule.after_amounts else 0
    return 1


def stack_order(promotions: Sequence[Promotion]) -> list[Promotion]:
    """Return stackable promotions in the order they are applied."""
    return sorted(promotions, key=lambda p: (_stage(p), -p.priority, p.promotion_id))


def _discount(promotion: Promotion, left: int, spend: Spend | None, capped: bool) -> int:
    given = _uncapped(promotion, left, spend)
    if capped and promotion.max_discount is not None:
        return min(given, promotion.max_discount)
    return given


def _uncapped(promotion: Promotion, left: int, spend: Spend | None) -> int:
    rule = promotion.rule
    if isinstance(rule, PercentOff):
        return percent_of(left, rule.percent_bp)
    if isinstance(rule, AmountOff):
        return rule.amount
    if isinstance(rule, SpendThreshold):
        tier = None if spend is None else rule.reached(spend)
        return 0 if tier is None else tier.amount_off + percent_of(left, tier.percent_bp)
    raise TypeError(f"not a discount rule: {type(rule).__name__}")


def apply_stack(
    amount: int, ordered: Sequence[Promotion], spend: Spend | None = None, capped: bool = False
) -> tuple[int, Applied]:
    """Apply ``ordered`` promotions one after another to ``amount``.

    With ``capped`` (basket level, where ``amount`` is the whole basket) each discount is held
    to its promotion's ``max_discount``.

    Returns:
        The amount left and ``(promotion, discount)`` pairs for those that took something.
    """
    applied = []
    for promotion in ordered:
        taken = min(amount, _discount(promotion, amount, spend, capped))
        if taken:
            applied.append((promotion, taken))
            amount -= taken
    return amount, tuple(applied)


def best_price(
    amount: int, promotions: Sequence[Promotion], spend: Spend | None = None, capped: bool = False
) -> tuple[tuple[int, Applied], tuple[int, Applied]]:
    """Return the customer's best price and the stackable-only price of ``amount``.

    Args:
        amount: Unit price, weighed-line amount, or basket total.
        promotions: Eligible discount promotions.
        spend: The basket's spend, gross and net, for thresholds (basket level).
        capped: Hold each discount to its promotion's per-basket cap (basket level only).

    Returns:
        ``(best, stack)``, each ``(amount left, applied discounts)``.
    """
    if not promotions:
        return (amount, ()), (amount, ())
    stack = apply_stack(amount, stack_order([p for p in promotions if not p.exclusive]), spend, capped)
    best = stack
    exclusives = sorted((p for p in promotions if p.exclusive), key=lambda p: (-p.priority, p.promotion_id))
    for promotion in exclusives:
        alone = apply_stack(amount, (promotion,), spend, capped)
        if alone[0] < best[0]:
            best = alone
    return best, stack
