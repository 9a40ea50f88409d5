"""The allocation problem: pools of identical units, offers that group them, and savings."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property


@dataclass(frozen=True)
class Offer:
    """One competing offer as the allocator sees it.

    Attributes:
        key: Promotion id (tie-break).
        groups: ``(eligible pools, units)`` per slot group, pools ascending.
        value: Unit value per pool the offer prices from (indexed by pool).
        discount: Discount of one instance from its units' values in slot order; never more
            than their sum (no unit goes below zero), which the exact search relies on to stop.
        limit: Instances allowed, or None.
        by_slot: True when the discount depends on which group a unit fills (buy X get Y),
            so taking the dearest units first is not known to be best.
    """

    key: str
    groups: tuple[tuple[tuple[int, ...], int], ...]
    value: tuple[int, ...]
    discount: Callable[[Sequence[int]], int]
    limit: int | None = None
    by_slot: bool = False

    @cached_property
    def pools(self) -> frozenset[int]:
        """Pools this offer can draw from."""
        return frozenset(pool for eligible, _ in self.groups for pool in eligible)


@dataclass(frozen=True)
class Problem:
    """Units available per pool, their price alone, and the offers (sorted by key)."""

    counts: tuple[int, ...]
    alone: tuple[int, ...]
    offers: tuple[Offer, ...]


def saving_of(problem: Problem, offer: Offer, pools: Sequence[int]) -> int:
    """Return what one instance saves against leaving its units alone."""
    values = [offer.value[pool] for pool in pools]
    return sum(problem.alone[pool] for pool in pools) - sum(values) + offer.discount(values)
