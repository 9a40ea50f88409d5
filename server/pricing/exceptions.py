"""Errors of the pricing use cases; the API turns each into one problem+json response."""

from __future__ import annotations

from server.exceptions import OneCardError


class InvalidDefinition(OneCardError):
    """A promotion contradicts itself; ``errors`` maps the field to the engine's message."""

    status = 422
    slug = "invalid-promotion"
    title = "Invalid promotion"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", field=field, errors={field: [message]})


class InvalidProduct(OneCardError):
    status = 422
    slug = "invalid-product"
    title = "Invalid product"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", field=field, errors={field: [message]})


class InvalidTaxClass(OneCardError):
    status = 422
    slug = "invalid-tax-class"
    title = "Invalid tax class"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", field=field, errors={field: [message]})


class UnknownItem(OneCardError):
    """A quote line names a sku or barcode the catalogue does not sell."""

    status = 422
    slug = "unknown-item"
    title = "Unknown item"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", field=field, errors={field: [message]})


class IllegalStateChange(OneCardError):
    status = 409
    slug = "promotion-state"
    title = "Promotion state cannot change that way"


class UsageRejected(OneCardError):
    """An online sale used a coupon or promotion beyond its limit (same slug as other rejections)."""

    status = 422
    slug = "transaction-rejected"
    title = "Transaction rejected"

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail, reason=reason)
        self.reason = reason


class CouponNotAvailable(OneCardError):
    """A coupon code an online till asked to reserve is used up or reserved by another till."""

    status = 409
    slug = "coupon-not-available"
    title = "Coupon not available"

    def __init__(self, code: str, reason: str, detail: str) -> None:
        super().__init__(detail, code=code, reason=reason)
        self.reason = reason


class OfferNotAvailable(OneCardError):
    """A limited promotion an online till asked to reserve is used up: for the member
    (``usage-limit-reached``) or in the whole chain (``chain-cap-reached``)."""

    status = 409
    slug = "offer-not-available"
    title = "Offer not available"

    def __init__(self, promotion_id: str, detail: str, reason: str = "usage-limit-reached") -> None:
        super().__init__(detail, promotion_id=promotion_id, reason=reason)
        self.promotion_id = promotion_id
