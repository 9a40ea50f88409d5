"""Tiers: earned by qualifying spend (or points) over a rolling window.

A member moves up as soon as the window qualifies them (the job runs daily) but moves down only
on a review date, so a quiet month never costs a tier mid-year. Tiers are evaluated by a job on
the server, never at the till: the till reads the tier from its cache.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from loyalty.events import TierChanged
from loyalty.exceptions import InvalidValue
from loyalty.guards import require_int, require_non_negative, require_utc


class Basis(StrEnum):
    """What qualifies a member for a tier."""

    SPEND = "spend"  # minor units paid, net of returns
    POINTS = "points"  # points earned, net of reversals


@dataclass(frozen=True)
class Tier:
    """A tier and the qualifying total (minor units or points) that reaches it."""

    name: str
    threshold: int

    def __post_init__(self) -> None:
        require_non_negative(self.threshold, "threshold")


@dataclass(frozen=True)
class TierRules:
    """The chain's tiers, lowest first; the first threshold must be 0 (everyone has a tier).

    Attributes:
        tiers: e.g. (Tier("basic", 0), Tier("silver", 500_00), Tier("gold", 2_000_00)).
        basis: spend or points.
        window: the rolling window, e.g. 365 days ending at the evaluation time.
    """

    tiers: tuple[Tier, ...]
    basis: Basis = Basis.SPEND
    window: timedelta = timedelta(days=365)

    def __post_init__(self) -> None:
        thresholds = [tier.threshold for tier in self.tiers]
        if not thresholds or thresholds[0] != 0 or thresholds != sorted(set(thresholds)):
            raise InvalidValue("tiers", self.tiers, "thresholds must rise strictly from 0")
        if len({tier.name for tier in self.tiers}) != len(self.tiers):
            raise InvalidValue("tiers", self.tiers, "tier names must be unique")

    def rank(self, name: str) -> int:
        """Return the position of tier `name`, lowest 0."""
        for rank, tier in enumerate(self.tiers):
            if tier.name == name:
                return rank
        raise InvalidValue("tier", name, "unknown tier")

    def qualified(self, total: int) -> Tier:
        """Return the highest tier `total` reaches."""
        return [tier for tier in self.tiers if tier.threshold <= total][-1]


@dataclass(frozen=True)
class Qualifying:
    """One sale's or return's contribution (negative for returns)."""

    at: datetime
    spend_minor: int
    points: int = 0

    def __post_init__(self) -> None:
        require_int(self.spend_minor, "spend_minor")
        require_int(self.points, "points")
        object.__setattr__(self, "at", require_utc(self.at, "at"))


def qualifying_total(history: Iterable[Qualifying], as_of: datetime, rules: TierRules) -> int:
    """Sum the history in the window (as_of - window, as_of] on the rules' basis."""
    as_of = require_utc(as_of, "as_of")
    start = as_of - rules.window
    in_window = [item for item in history if start < item.at <= as_of]
    if rules.basis is Basis.POINTS:
        return sum(item.points for item in in_window)
    return sum(item.spend_minor for item in in_window)


def evaluate_tier(
    member_id: str,
    history: Iterable[Qualifying],
    current_tier: str,
    as_of: datetime,
    rules: TierRules,
    *,
    is_review_date: bool,
) -> TierChanged | None:
    """Decide a member's tier at `as_of`.

    Returns:
        A `TierChanged` event if the tier moves (up at once, down only on a review date),
        else None.
    """
    target = rules.qualified(qualifying_total(history, as_of, rules))
    # A tier that a later programme version no longer has ranks below all: the member moves to
    # the tier the window reaches.
    known = current_tier in {tier.name for tier in rules.tiers}
    current_rank, target_rank = rules.rank(current_tier) if known else -1, rules.rank(target.name)
    if target_rank > current_rank or (target_rank < current_rank and is_review_date):
        return TierChanged(member_id, current_tier, target.name, require_utc(as_of, "as_of"))
    return None


def tier_at(changes: Sequence[TierChanged], at: datetime, initial: str) -> str:
    """Return the tier in force at `at` from the member's tier history."""
    at = require_utc(at, "at")
    tier = initial
    for change in sorted(changes, key=lambda c: c.at):
        if change.at <= at:
            tier = change.to_tier
    return tier


def tier_after_sale(current_tier: str, qualifying_before: int, sale: int, rules: TierRules) -> str:
    """Return the tier a sale earns at when a sale that crosses a threshold earns at the new tier.

    The higher of the member's tier and the tier the window's total reaches with the sale; a sale
    never lowers a tier (a downgrade waits for a review date).

    Example:
        Silver from 500.00, a member at 480.00 in the window buying for 30.00: "silver".
    """
    reached = rules.qualified(qualifying_before + sale)
    if current_tier not in {tier.name for tier in rules.tiers}:  # a tier an earlier version had
        return reached.name if reached.threshold > 0 else current_tier
    return reached.name if rules.rank(reached.name) > rules.rank(current_tier) else current_tier


def is_review_date(local_day: date, review_months: int) -> bool:
    """Return True on the first day of each review period of `review_months` months from January.

    Example:
        Quarterly (3): 1 January, 1 April, 1 July and 1 October.
    """
    return local_day.day == 1 and (local_day.month - 1) % review_months == 0


@dataclass(frozen=True)
class TierProgress:
    """Where a member stands: their tier, the next one up, and the qualifying total still missing.

    ``total`` and ``missing`` are minor units (spend basis) or points (points basis); ``next_tier``
    is None at the top tier. A member kept in a tier above what the window now reaches (downgrades
    wait for a review date) is shown the tier above their own.
    """

    tier: str
    total: int
    next_tier: str | None
    missing: int


def tier_progress(tier: str, total: int, rules: TierRules) -> TierProgress:
    """Return the progress of a member in ``tier`` with qualifying ``total`` towards the next tier."""
    rank = rules.rank(tier)
    if rank + 1 >= len(rules.tiers):
        return TierProgress(tier, total, None, 0)
    following = rules.tiers[rank + 1]
    return TierProgress(tier, total, following.name, max(0, following.threshold - total))
