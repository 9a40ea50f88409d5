"""Points as a tender, and the one home of the redemption cap.

Points pay in whole steps at a configured value (default 100 points = 1.00), so a redemption is
always worth an exact number of cents and no rounding ever creates money. A redemption must reach
a minimum, may pay at most a share of the basket (`cap_minor`), and never takes more than is
available (online: the live balance; offline: the till's allowance). The server's quotes and
postings and the till's checkout all ask `max_redeemable` or `plan_redemption`; the pricing engine
does not decide what points may pay.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

from loyalty.commands import RedeemPoints
from loyalty.entries import Entry, EntryKind
from loyalty.exceptions import (
    InsufficientPoints,
    InvalidValue,
    RedemptionAboveMaximum,
    RedemptionBelowMinimum,
)
from loyalty.guards import require_non_negative
from loyalty.ids import entry_id
from loyalty.ledger import LedgerState
from loyalty.money import PointValue, require_ratio


@dataclass(frozen=True)
class RedemptionPolicy:
    """The chain's redemption rules.

    Attributes:
        value: what points are worth (`PointValue`: step_points points pay step_minor).
        minimum_points: the smallest redemption, e.g. 500.
        max_share: the largest part of the basket points may pay, e.g. Fraction(1, 2).
    """

    value: PointValue = field(default_factory=PointValue)
    minimum_points: int = 500
    max_share: Fraction = Fraction(1, 2)

    def __post_init__(self) -> None:
        require_non_negative(self.minimum_points, "minimum_points")
        share = require_ratio(self.max_share, "max_share")
        if share > 1:
            raise InvalidValue("max_share", self.max_share, "cannot exceed the whole basket")
        object.__setattr__(self, "max_share", share)


def cap_minor(basket_minor: int, policy: RedemptionPolicy) -> int:
    """Return the most money points may pay of a `basket_minor` basket: its share, floored.

    Example:
        With a 50% cap, points may pay at most 11.72 of a 23.45 basket.
    """
    require_non_negative(basket_minor, "basket_minor")
    return math.floor(basket_minor * policy.max_share)


def max_redeemable(available: int, basket_minor: int, policy: RedemptionPolicy) -> int:
    """Return the most points that may pay `basket_minor`, in whole steps; 0 below the minimum.

    Example:
        With 100 points = 1.00 and a 50% cap, a 23.45 basket takes at most 1100 points (11.00),
        even if the member has 5000.
    """
    require_non_negative(available, "available")
    best = min(policy.value.floor_points(available), policy.value.points_for(cap_minor(basket_minor, policy)))
    return best if best >= policy.minimum_points else 0


@dataclass(frozen=True)
class Redemption:
    """An accepted redemption: the points and their exact value."""

    points: int
    value_minor: int


def plan_redemption(points: int, available: int, basket_minor: int, policy: RedemptionPolicy) -> Redemption:
    """Check a redemption of `points` against the rules and return its exact value.

    Raises:
        PointsNotMultipleOfStep: `points` is not a whole number of steps.
        RedemptionBelowMinimum: fewer than `policy.minimum_points`.
        InsufficientPoints: more than `available`.
        RedemptionAboveMaximum: worth more than the basket share allows.
    """
    value_minor = policy.value.value_minor(points)
    if points < policy.minimum_points:
        raise RedemptionBelowMinimum(policy.minimum_points, points)
    if points > available:
        raise InsufficientPoints(available=available, requested=points)
    cap = cap_minor(basket_minor, policy)
    if value_minor > cap:
        raise RedemptionAboveMaximum(policy.value.points_for(cap), points)
    return Redemption(points, value_minor)


def redeem(
    command: RedeemPoints,
    state: LedgerState,
    policy: RedemptionPolicy,
    *,
    offline_available: int | None = None,
) -> Entry:
    """Handle `RedeemPoints`: check it and return the redeem entry (it carries the points and time;
    the value is `policy.value.value_minor(-entry.points)`).

    Online, the limit is what `state` has available at the command's time. Offline, the till
    passes `offline_available` (from `loyalty.allowance.offline_redeemable`) instead; the entry is
    then marked offline and the server accepts it even if it leaves debt.
    """
    if command.offline and offline_available is None:
        raise InvalidValue("offline_available", None, "an offline redemption needs its allowance")
    available = offline_available if command.offline else state.available(command.at)
    plan = plan_redemption(command.points, available, command.basket_minor, policy)
    return Entry(
        id=entry_id(command.transaction_id, "redeem"),
        account_id=command.account_id,
        kind=EntryKind.REDEEM,
        points=-plan.points,
        at=command.at,
        source_id=command.transaction_id,
        offline=command.offline,
    )
