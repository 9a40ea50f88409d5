"""Buy X, get Y: how one application of a ``BuyGet`` is discounted.

The allocator (``promotions.allocation``) fills the buy slots and then the get slots of each
application; these functions say what one filling saves. Because the saving depends on which
unit fills which part, the allocator searches the fillings instead of taking the dearest units
first, so the customer gets the largest discount the basket allows.

Worked example: "buy a coffee (3.00), get a pastry free" on one coffee and pastries of 2.40
and 1.90: the fillings save 2.40 (the 2.40 pastry as the get unit) or 1.90, so 2.40 it is.
"""

from __future__ import annotations

from collections.abc import Sequence

from promotions.money import percent_of
from promotions.rules import BuyGet


def buy_get_discounts(rule: BuyGet, values: Sequence[int]) -> list[int]:
    """Return the discount on each unit of one application, units in slot order.

    The first ``buy_qty`` values are the bought units (no discount); the last ``get_qty`` get
    ``percent_bp`` off each, rounded half up per unit.

    Example:
        >>> from promotions.rules import Scope
        >>> rule = BuyGet(Scope(skus=frozenset({"coffee"})), 1, Scope(categories=frozenset({"pastry"})), 1, 5_000)
        >>> buy_get_discounts(rule, [300, 249])
        [0, 125]
    """
    return [0] * rule.buy_qty + [percent_of(value, rule.percent_bp) for value in values[rule.buy_qty :]]


def buy_get_saving(rule: BuyGet, values: Sequence[int]) -> int:
    """Return the total discount of one application: ``sum(buy_get_discounts(rule, values))``."""
    return sum(percent_of(value, rule.percent_bp) for value in values[rule.buy_qty :])
