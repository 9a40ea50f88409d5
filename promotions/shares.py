"""Spreading an amount over lines by the largest-remainder rule, so the shares always add up.

Each line first gets ``floor(amount * weight / total_weight)``; the minor units left over go one
each to the lines with the largest remainders (ties: larger weight, then earlier line). With
``amount <= sum(weights)`` no share exceeds its weight, so a spread discount never takes a line
below zero, and a later refund of one line returns exactly the share it was given.
"""

from __future__ import annotations

from collections.abc import Sequence


def largest_remainder(amount: int, weights: Sequence[int]) -> list[int]:
    """Split ``amount`` in proportion to ``weights``.

    Args:
        amount: Non-negative minor units to spread, at most ``sum(weights)``.
        weights: Non-negative weights (line amounts), at least one positive if amount > 0.

    Returns:
        One share per weight; ``sum(shares) == amount`` and ``0 <= share <= weight``.

    Raises:
        ValueError: When the amount cannot be spread within the weights.
    """
    total = sum(weights)
    if amount < 0 or amount > total:
        raise ValueError(f"cannot spread {amount} over weights totalling {total}")
    if amount == 0:
        return [0] * len(weights)
    shares = [amount * weight // total for weight in weights]
    left = amount - sum(shares)
    if left:
        order = sorted(
            range(len(weights)),
            key=lambda i: (-(amount * weights[i] % total), -weights[i], i),
        )
        for i in order[:left]:
            shares[i] += 1
    return shares
