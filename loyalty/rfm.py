"""RFM scores: how recently, how often and how much a member buys, each as a quintile 1-5.

Scores are relative to the members scored together: 5 is the best fifth (most recent, most
frequent, biggest spend), 1 the worst. Ties share a score (equal values are never split across
quintiles), and the result depends only on the values, not on the order members come in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from loyalty.guards import require_int, require_non_negative

QUINTILES = 5


@dataclass(frozen=True)
class Activity:
    """One member's purchasing in the scoring window.

    Attributes:
        days_since_last: whole days since the last purchase (smaller is better).
        purchases: number of purchases.
        spend_minor: money spent, in minor units, net of returns.
    """

    days_since_last: int
    purchases: int
    spend_minor: int

    def __post_init__(self) -> None:
        require_non_negative(self.days_since_last, "days_since_last")
        require_non_negative(self.purchases, "purchases")
        require_int(self.spend_minor, "spend_minor")


@dataclass(frozen=True)
class RfmScore:
    recency: int
    frequency: int
    monetary: int


def quintiles(values: Mapping[str, int]) -> dict[str, int]:
    """Score each key 1-5 by its value's rank (higher value, higher score); ties score alike.

    Example:
        >>> quintiles({"a": 10, "b": 20, "c": 30, "d": 40, "e": 50})
        {'a': 1, 'b': 2, 'c': 3, 'd': 4, 'e': 5}
    """
    ordered = sorted(set(values.values()))
    below = {}  # how many members have a strictly smaller value
    count = 0
    counts = {value: 0 for value in ordered}
    for value in values.values():
        counts[value] += 1
    for value in ordered:
        below[value] = count
        count += counts[value]
    total = len(values)
    return {key: 1 + below[value] * QUINTILES // total for key, value in values.items()}


def rfm_scores(activity: Mapping[str, Activity]) -> dict[str, RfmScore]:
    """Score every member's recency, frequency and monetary value against the others."""
    recency = quintiles({k: -a.days_since_last for k, a in activity.items()})
    frequency = quintiles({k: a.purchases for k, a in activity.items()})
    monetary = quintiles({k: a.spend_minor for k, a in activity.items()})
    return {k: RfmScore(recency[k], frequency[k], monetary[k]) for k in activity}
