"""Exact integer arithmetic for money (minor units) and points.

`PointValue` converts points to money and back in whole steps (e.g. 100 points = 100 cents), so
a redemption is always worth an exact number of cents. Splitting an amount over lines is
`loyalty.shares.largest_remainder`, shared with the pricing engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from loyalty.exceptions import InvalidValue, PointsNotMultipleOfStep
from loyalty.guards import require_non_negative, require_positive


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
