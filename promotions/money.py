"""Integer money arithmetic: minor units, basis points and the one rounding rule we use.

Rounding rule (the only one in the engine): a percentage of an amount is rounded **half up** to
the minor unit, ``10 % of 0.95 = 0.095 -> 0.10``. Amounts are never negative here, so half up and
half away from zero agree. Floats are refused so that a float can never sneak into a total.
"""

from __future__ import annotations

BASIS_POINTS = 10_000  # 100 % = 10,000 basis points
MILLI = 1_000  # weighed goods carry their quantity in thousandths (grams of a kilo)


def _check_int(value: int, name: str) -> None:
    # bool is an int subclass; True as a price is always a bug.
    if type(value) is not int:
        raise TypeError(f"{name} must be an int of minor units, got {type(value).__name__}")


def percent_of(amount: int, basis_points: int) -> int:
    """Return ``basis_points`` of ``amount``, rounded half up to the minor unit.

    Args:
        amount: Non-negative amount in minor units.
        basis_points: 0..10,000 (1,500 = 15 %).

    Returns:
        The share in minor units, never more than ``amount``.
    """
    _check_int(amount, "amount")
    _check_int(basis_points, "basis_points")
    return (amount * basis_points + BASIS_POINTS // 2) // BASIS_POINTS


def weighed_amount(unit_price: int, qty_milli: int) -> int:
    """Return the price of ``qty_milli`` thousandths of a unit, rounded half up.

    Args:
        unit_price: Price of one whole unit (a kilo) in minor units.
        qty_milli: Quantity in thousandths (1,250 = 1.25 kg).
    """
    _check_int(unit_price, "unit_price")
    _check_int(qty_milli, "qty_milli")
    return (unit_price * qty_milli + MILLI // 2) // MILLI
