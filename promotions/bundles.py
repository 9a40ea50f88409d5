"""Fixed-price bundles: how one complete bundle is discounted."""

from __future__ import annotations

from collections.abc import Sequence

from loyalty.shares import largest_remainder
from promotions.rules import Bundle


def bundle_discounts(rule: Bundle, values: Sequence[int]) -> list[int]:
    """Return the discount on each unit of one complete bundle.

    The bundle saves ``sum(values) - price`` (never less than zero: a bundle dearer than its
    parts saves nothing), spread over the units by largest remainder so each receipt line
    carries its own share and a returned item gives back exactly its part.

    Args:
        rule: The bundle rule.
        values: Unit prices of the bundle's units, in slot order.
    """
    saving = max(0, sum(values) - rule.price)
    return largest_remainder(saving, values)


def bundle_saving(rule: Bundle, values: Sequence[int]) -> int:
    """Return the total discount of one bundle: ``sum(bundle_discounts(rule, values))``."""
    return max(0, sum(values) - rule.price)
