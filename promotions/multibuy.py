"""Buy X get Y: how one group of units is discounted."""

from __future__ import annotations

from collections.abc import Sequence

from promotions.money import percent_of
from promotions.rules import MultiBuy


def multibuy_discounts(rule: MultiBuy, values: Sequence[int]) -> list[int]:
    """Return the discount on each unit of one ``buy + get`` group.

    The ``get`` cheapest units get ``percent_bp`` off (rounded half up per unit); among equal
    prices the later slot is discounted, which changes nothing in money but keeps it stable.

    Args:
        rule: The multi-buy rule.
        values: Unit prices of the group's units, ``buy + get`` of them.
    """
    cheapest = sorted(range(len(values)), key=lambda i: (values[i], -i))[: rule.get]
    discounts = [0] * len(values)
    for i in cheapest:
        discounts[i] = percent_of(values[i], rule.percent_bp)
    return discounts


def multibuy_saving(rule: MultiBuy, values: Sequence[int]) -> int:
    """Return the total discount of one group: ``sum(multibuy_discounts(rule, values))``."""
    return sum(percent_of(value, rule.percent_bp) for value in sorted(values)[: rule.get])
