"""A cap on what one promotion gives off one basket (``Promotion.max_discount``).

Basket-level discounts are capped where they are computed (the cap is on one amount). Item
offers are capped once every item offer is booked: when a capped promotion's discounts add up
to more than its cap, the cap is spread over the same lines by largest remainder in proportion
to what each line was given, so no line gets more than before and the shares add up to the cap.

Worked example: "20 % off snacks, at most 5.00 per basket" on lines given 4.00 and 2.40 (6.40
in all) keeps 5.00, spread as 3.13 and 1.87; the lines' totals rise by 0.87 and 0.53.

The choice between offers (stack or exclusive, which multi-buy takes which units) is made
before the cap: a capped item offer can win units where, counting its cap, another offer
would have saved the customer more.
"""

from __future__ import annotations

from collections.abc import Sequence

from loyalty.shares import largest_remainder
from promotions.work import LineWork


def capped(cap: int | None, amounts: Sequence[int]) -> list[int]:
    """Return ``amounts`` limited to ``cap`` in total, by largest remainder.

    Example:
        >>> capped(500, [400, 240])
        [313, 187]
        >>> capped(None, [400, 240])
        [400, 240]
    """
    if cap is None or sum(amounts) <= cap:
        return list(amounts)
    return largest_remainder(cap, list(amounts))


def cap_item_discounts(works: Sequence[LineWork]) -> None:
    """Limit each capped promotion's item discounts on the basket to its ``max_discount``."""
    given: dict[str, list[int]] = {}
    for position, work in enumerate(works):
        for pid, (promotion, _) in work.discounts.items():
            if promotion.max_discount is not None:
                given.setdefault(pid, []).append(position)
    for pid in sorted(given):
        positions = given[pid]
        promotion = works[positions[0]].discounts[pid][0]
        amounts = [works[i].discounts[pid][1] for i in positions]
        for i, amount in zip(positions, capped(promotion.max_discount, amounts), strict=True):
            works[i].lower(pid, amount)
