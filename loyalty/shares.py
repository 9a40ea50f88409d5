"""Spreading an amount over weights by the largest-remainder rule, so the shares always add up.

The one split of money and points in OneCard: a basket discount over its lines, a bundle's saving
over its units, the part of a sale paid with points over the sale's lines. The server and every
till call this same function, so they agree to the cent.

Rule: each weight first gets ``floor(amount * weight / total_weight)``; the units left over go one
each to the weights with the largest remainders. Tie-break (when remainders are equal): the larger
weight first, then the earlier position, so the result is deterministic and the extra unit goes to
the line that can best carry it. With ``amount <= sum(weights)`` no share exceeds its weight, so a
spread discount never takes a line below zero, and a later refund of one line returns exactly the
share it was given.
"""

from __future__ import annotations

from collections.abc import Sequence


def largest_remainder(amount: int, weights: Sequence[int]) -> list[int]:
    """Split ``amount`` in proportion to ``weights``.

    Args:
        amount: Non-negative integer (minor units or points) to spread, at most ``sum(weights)``.
        weights: Non-negative integers (line amounts), at least one positive if amount > 0.

    Returns:
        One share per weight; ``sum(shares) == amount`` and ``0 <= share <= weight``.

    Raises:
        TypeError: ``amount`` or a weight is not an int (a float or a bool is always a bug here).
        ValueError: A weight is negative, or the amount cannot be spread within the weights.

    Example:
        >>> largest_remainder(100, [300, 300, 300])
        [34, 33, 33]
        >>> largest_remainder(1, [100, 300])
        [0, 1]
    """
    for value in (amount, *weights):
        if type(value) is not int:
            raise TypeError(f"largest_remainder takes ints, got {type(value).__name__} {value!r}")
    if any(weight < 0 for weight in weights):
        raise ValueError(f"weights must not be negative: {list(weights)}")
    total = sum(weights)
    if amount < 0 or amount > total:
        raise ValueError(f"cannot spread {amount} over weights totalling {total}")
    if amount == 0:
        return [0] * len(weights)
    shares = [amount * weight // total for weight in weights]
    left = amount - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: (-(amount * weights[i] % total), -weights[i], i))
    for i in order[:left]:
        shares[i] += 1
    return shares
