"""Whether a promotion may apply to this sale: store, window, chain-wide cap, targeting, usage limit."""

from __future__ import annotations

from promotions.basket import Member, PricingRequest
from promotions.catalogue import Promotion
from promotions.holdout import is_held_out
from promotions.result import CouponRejection


class Eligibility:
    """Per-request memo of each promotion's eligibility (coupon codes are checked elsewhere)."""

    __slots__ = ("_at", "_cache", "_exhausted", "_member", "_store", "_zone")

    def __init__(self, request: PricingRequest) -> None:
        self._store = request.store.store_id
        self._zone = request.store.zone
        self._at = request.at
        self._member = request.member
        self._exhausted = request.exhausted
        self._cache: dict[str, CouponRejection | None] = {}

    def ok(self, promotion: Promotion) -> bool:
        """Return True when the promotion may apply to this sale."""
        return self.refusal(promotion) is None

    def refusal(self, promotion: Promotion) -> CouponRejection | None:
        """Return why the promotion may not apply, or None when it may."""
        if promotion.always_live:
            return None
        key = promotion.promotion_id
        if key not in self._cache:
            self._cache[key] = self._check(promotion)
        return self._cache[key]

    def _check(self, promotion: Promotion) -> CouponRejection | None:
        if promotion.stores and self._store not in promotion.stores:
            return CouponRejection.NOT_ACTIVE
        if not promotion.window.contains(self._at, self._zone):
            return CouponRejection.NOT_ACTIVE
        if promotion.chain_cap is not None and promotion.promotion_id in self._exhausted:
            return CouponRejection.CAP_REACHED
        member = self._member
        if member is None:
            return CouponRejection.MEMBER_REQUIRED if promotion.needs_member else None
        if not in_audience(promotion, member):
            return CouponRejection.NOT_ELIGIBLE
        if promotion.targeting.clip and promotion.promotion_id not in member.clipped:
            return CouponRejection.NOT_ELIGIBLE
        limit = promotion.usage_limit
        if limit and member.promotion_uses.get(promotion.promotion_id, 0) >= limit.max_uses:
            return CouponRejection.MEMBER_LIMIT_REACHED
        return None


def in_audience(promotion: Promotion, member: Member) -> bool:
    """True when the promotion's targeting reaches ``member`` (tiers, segments, list, hold-out).

    Clipping is not part of it: a personal offer (``Targeting.clip``) is offered to its audience,
    and applies at a till only once the member has clipped it.
    """
    target = promotion.targeting
    if target.tiers and member.tier not in target.tiers:
        return False
    if target.segments and not target.segments & member.segments:
        return False
    if target.member_ids and member.member_id not in target.member_ids:
        return False
    return not is_held_out(promotion.promotion_id, member.member_id, target.holdout_bp)
