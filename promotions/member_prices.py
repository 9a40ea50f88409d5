"""Member prices: the lowest applicable member price replaces the shelf price."""

from __future__ import annotations

from collections.abc import Iterable

from promotions.catalogue import Promotion


def best_member_price(sku: str, shelf_price: int, promotions: Iterable[Promotion]) -> tuple[int, Promotion] | None:
    """Return the lowest member unit price for ``sku`` below the shelf price, with its promotion.

    A tier price and an all-members price for the same product are alternatives, not a stack:
    the member pays the lower. Equal prices go to the higher priority, then the lower id.

    Args:
        sku: The product.
        shelf_price: Its shelf unit price.
        promotions: Eligible member-price promotions that list the sku.
    """
    best: tuple[int, int, str, Promotion] | None = None
    for promotion in promotions:
        price = promotion.rule.price_for(sku)
        if price is None or price >= shelf_price:
            continue
        key = (price, -promotion.priority, promotion.promotion_id, promotion)
        if best is None or key[:3] < best[:3]:
            best = key
    return None if best is None else (best[0], best[3])
