"""Exact integer arithmetic for money (minor units) and points.

Two helpers carry every rounding decision of the package:

* `allocate` splits an integer total over weights by the largest-remainder method, so the parts
  always add up to the total exactly: no cent or point is created or lost by a split.
* `PointValue` converts points to money and back in whole steps (e.g. 100 points = 100 cents),
  so a redemption is always worth an exact number of cents.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from loyalty.exceptions import InvalidValue, PointsNotMultipleOfStep
from loyalty.guards import require_int, require_non_negative, require_positive

Weight = int | Fraction


def allocate(total: int, weights: Sequence[Weight]) -> list[int]:
    """Split `total` over `weights` in proportion, by largest remainder.

    Each part gets the floor of its exact share; the units left over go one each to the parts with
    the largest fractional remainders, ties to the earlier part (so the result is deterministic).

    Args:
        total: the integer to split; may be negative (the split of -total, negated).
        weights: non-negative ints or Fractions; at least one must be positive unless total is 0.

    Returns:
        One int per weight, summing to exactly `total`.

    Raises:
        NotAnInteger: the total or a weight is a float (or another non-int, non-Fraction).
        InvalidValue: a weight is negative, or all weights are zero for a non-zero total.

    Example:
        >>> allocate(100, [1, 1, 1])
        [34, 33, 33]
    """
    require_int(total, "total")
    if total < 0:
        return [-part for part in allocate(-total, weights)]
    exact = [Fraction(_weight(w)) for w in weights]
    whole = sum(exact, Fraction(0))
    if whole == 0:
        if total:
            raise InvalidValue("weights", list(weights), "cannot split a non-zero total over zeros")
        return [0] * len(exact)
    shares = [total * w / whole for w in exact]
    parts = [math.floor(s) for s in shares]
    left = total - sum(parts)
    by_remainder = sorted(range(len(shares)), key=lambda i: (-(shares[i] - parts[i]), i))
    for i in by_remainder[:left]:
        parts[i] += 1
    return parts


def _weight(value: Weight) -> Weight:
    if isinstance(value, Fraction):
        if value < 0:
            raise InvalidValue("weight", value, "must not be negative")
        return value
    return require_non_negative(value, "weight")


def require_ratio(value: int | Fraction, what: str) -> Fraction:
    """Return a non-negative exact ratio (int or Fraction); floats are refused.

    Raises:
        InvalidValue: `value` is a float, another type, or negative.
    """
    if isinstance(value, bool) or not isinstance(value, int | Fraction):
        raise InvalidValue(what, value, "must be an int or a Fraction, never a float")
    if value < 0:
        raise InvalidValue(what, value, "must not be negative")
    return Fraction(value)


@dataclass(frozen=True)
class PointValue:
    """What points are worth as a tender: `step_points` points pay `step_minor` minor units.

    Attributes:
        step_points: points per step, e.g. 100.
        step_minor: minor units one step pays, e.g. 100 (= 1.00).
    """

    step_points: int = 100
    step_minor: int = 100

    def __post_init__(self) -> None:
        require_positive(self.step_points, "step_points")
        require_positive(self.step_minor, "step_minor")

    def value_minor(self, points: int) -> int:
        """Return the exact money value of `points`.

        Raises:
            PointsNotMultipleOfStep: `points` is not a whole number of steps (that would need
                rounding, and rounding up would create money).
        """
        require_non_negative(points, "points")
        if points % self.step_points:
            raise PointsNotMultipleOfStep(points, self.step_points)
        return points // self.step_points * self.step_minor

    def floor_points(self, points: int) -> int:
        """Return `points` rounded down to a whole number of steps."""
        require_non_negative(points, "points")
        return points - points % self.step_points

    def points_for(self, amount_minor: int) -> int:
        """Return the most points (whole steps) whose value does not exceed `amount_minor`."""
        require_non_negative(amount_minor, "amount_minor")
        return amount_minor // self.step_minor * self.step_points
