"""Errors of the pricing engine; every one carries the data a caller needs to explain it."""

from __future__ import annotations


class PromotionError(Exception):
    """Base class for every error raised by the promotions package."""


class InvalidPromotion(PromotionError):
    """A promotion definition contradicts itself (end before start, bundle of one, 120 % off).

    Attributes:
        field: The offending field, dotted for nested values (``"rule.percent_bp"``).
        message: A sentence marketing staff can act on.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class InvalidBasket(PromotionError):
    """A pricing request cannot be priced (negative price, duplicate line id, naive time).

    Attributes:
        field: The offending field.
        message: What is wrong with it.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class DuplicatePromotion(PromotionError):
    """Two promotions (or two coupon codes) in one catalogue share an identifier.

    Attributes:
        promotion_id: The identifier used twice (a coupon code for duplicate codes).
    """

    def __init__(self, promotion_id: str) -> None:
        super().__init__(f"duplicate promotion or coupon code: {promotion_id}")
        self.promotion_id = promotion_id


class CouponNotApplicable(PromotionError):
    """A presented coupon was rejected; raised by ``PricedBasket.raise_for_rejected_coupons``.

    The engine itself never raises this: it reports rejections in the result so a till can show
    them and still finish the sale.

    Attributes:
        code: The coupon code as presented.
        reason: Why it was rejected (a ``CouponRejection`` value).
    """

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"coupon {code!r} not applicable: {reason}")
        self.code = code
        self.reason = reason
