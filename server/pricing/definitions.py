"""Stored promotion definitions to the engine's ``promotions.Promotion`` (the codec itself is shared
with the tills in ``store_sync.promotion_definitions``); a contradiction becomes a 422 here.
"""

from __future__ import annotations

from collections.abc import Iterable

from promotions import InvalidPromotion, Promotion
from server.pricing.exceptions import InvalidDefinition
from store_sync.promotion_definitions import has_real_codes
from store_sync.promotion_definitions import to_promotion as _to_promotion

__all__ = ["has_real_codes", "to_promotion"]


def to_promotion(promotion_id: str, version: int, definition: dict, codes: Iterable[str] = ()) -> Promotion:
    """Build the engine's promotion from a stored definition.

    Raises:
        InvalidDefinition: the definition contradicts itself; names the field.
    """
    try:
        return _to_promotion(promotion_id, version, definition, codes)
    except InvalidPromotion as exc:
        raise InvalidDefinition(exc.field, exc.message) from None
