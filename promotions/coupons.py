"""Presented coupon codes: which unlock a promotion, which are rejected and why; code batches."""

from __future__ import annotations

import hashlib

from promotions.basket import PricingRequest
from promotions.catalogue import Promotion
from promotions.eligibility import Eligibility
from promotions.index import CatalogueIndex
from promotions.result import CouponRejection, RejectedCoupon

_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY3479"  # no 0/O, 1/I, 2/Z, 5/S, 8/B: cashiers type these


def check_coupons(
    request: PricingRequest, index: CatalogueIndex, eligibility: Eligibility
) -> tuple[dict[str, tuple[Promotion, str]], list[RejectedCoupon]]:
    """Validate presented coupons against their promotions and the usage counts passed in.

    Codes are examined in sorted order so the answer does not depend on scan order when two
    codes unlock the same promotion.

    Returns:
        ``{promotion_id: (promotion, code)}`` for codes that unlock a promotion, and the
        rejected codes with reasons.
    """
    unlocked: dict[str, tuple[Promotion, str]] = {}
    rejected: list[RejectedCoupon] = []
    for coupon in sorted(request.coupons, key=lambda c: c.code):
        promotion = index.by_code.get(coupon.code)
        reason = _refusal(coupon, promotion, request, eligibility, unlocked)
        if reason is None:
            unlocked[promotion.promotion_id] = (promotion, coupon.code)
        else:
            pid = promotion.promotion_id if promotion else None
            rejected.append(RejectedCoupon(coupon.code, reason, pid))
    return unlocked, rejected


def _refusal(coupon, promotion, request, eligibility, unlocked) -> CouponRejection | None:
    if promotion is None:
        return CouponRejection.UNKNOWN_CODE
    if promotion.promotion_id in unlocked:
        return CouponRejection.DUPLICATE
    rule = promotion.coupon
    if rule.single_use and coupon.uses_total >= 1:
        return CouponRejection.ALREADY_USED
    if rule.per_member_limit is not None:
        if request.member is None:
            return CouponRejection.MEMBER_REQUIRED
        if coupon.uses_by_member >= rule.per_member_limit:
            return CouponRejection.MEMBER_LIMIT_REACHED
    return eligibility.refusal(promotion)


def generate_codes(prefix: str, batch_secret: str, count: int, length: int = 8) -> list[str]:
    """Generate a batch of distinct single-use codes, reproducibly from a secret.

    Pure: the same prefix, secret and count give the same codes, so a batch can be re-created
    for audit. The server keeps the secret; codes are unguessable without it.

    Args:
        prefix: Printed before each code ("SPRING-").
        batch_secret: Secret seed of the batch.
        count: How many codes.
        length: Characters after the prefix.
    """
    codes: list[str] = []
    seen: set[str] = set()
    counter = 0
    while len(codes) < count:
        digest = hashlib.blake2b(f"{batch_secret}:{counter}".encode(), digest_size=16).digest()
        counter += 1
        number = int.from_bytes(digest, "big")
        chars = []
        for _ in range(length):
            number, rest = divmod(number, len(_ALPHABET))
            chars.append(_ALPHABET[rest])
        code = prefix + "".join(chars)
        if code not in seen:
            seen.add(code)
            codes.append(code)
    return codes
