"""Coupon holds: an online till reserves a sale's coupon codes before the sale completes.

A single-use code, or one limited per member, can be redeemed by two tills at once only if
nothing stops them before their sales arrive. So an online till reserves the codes of a sale
first (``POST /api/v1/coupon-holds``); the server locks each code's row, so two tills reserving
one code at once are served one after the other, and refuses (409) a single-use code that is
used or held by another live reservation, and a code the member has used or holds up to its
per-member limit. A reservation lives as long as a points hold (``program.hold_ttl``); the sale
that names it confirms it, a cancelled basket releases it, and otherwise it lapses by itself.
A sale that does not name one (offline, or from a till that skipped it) is still counted by
``server.pricing.usage`` when it arrives: refused online, flagged when settled. The same
reservation may also hold the member's per-member limited promotions (``server.pricing.offer_holds``)
and uses of chain-capped promotions (``server.pricing.cap_holds``); the rows' life is
``server.pricing.reservations``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.exceptions import NotFound
from server.membership.program import LoyaltyProgram
from server.models import CouponCode, CouponHold, CouponRedemption, PromotionRecord, PromotionVersion
from server.pricing.exceptions import CouponNotAvailable
from server.pricing.reservations import Reservations

COUPON_HOLDS = Reservations(CouponHold, "code", "coupon hold")


def reserve_coupons(session: Session, hold_id: uuid.UUID, codes: Sequence[str], member_id: uuid.UUID | None,
                    store: str, terminal: str, program: LoyaltyProgram, now: datetime) -> list[CouponHold]:
    """Reserve ``codes`` for one sale; the same id again returns the first reservation (a retry)."""
    wanted = sorted(set(codes))  # one lock order for every till: no deadlock between two reservations
    coupons = [_locked(session, code) for code in wanted]
    existing = COUPON_HOLDS.replayed(session, hold_id, wanted, member_id)
    if existing is not None:
        return existing
    for coupon in coupons:
        _check_available(session, coupon, hold_id, member_id, now)
    return COUPON_HOLDS.place(session, hold_id, wanted, member_id, (store, terminal), program.hold_ttl, now)


def release_coupons(session: Session, hold_id: uuid.UUID) -> list[CouponHold]:
    """Release the reservation's codes (none when it reserved none)."""
    return COUPON_HOLDS.release(session, hold_id)


def held_elsewhere(session: Session, code: str, hold_id: uuid.UUID | None, now: datetime,
                   member_id: uuid.UUID | None = None) -> int:
    """Live reservations of ``code`` other than ``hold_id`` (only the member's, if one is named)."""
    return COUPON_HOLDS.live_elsewhere(session, code, hold_id, now, member_id)


def confirm_coupon(session: Session, hold_id: uuid.UUID | None, code: str, at: datetime,
                   transaction_id: str) -> bool:
    """Confirm the sale's reservation of ``code``: True if it held the code when the sale was made."""
    return COUPON_HOLDS.confirm(session, hold_id, code, at, transaction_id)


def coupon_rule(session: Session, coupon: CouponCode, version: int | None = None) -> dict | None:
    """The coupon section of the promotion version ``version`` (the current one if None)."""
    if version is None:
        version = session.get(PromotionRecord, coupon.promotion_id).current_version
    return session.get(PromotionVersion, (coupon.promotion_id, version)).definition["coupon"]


def _locked(session: Session, code: str) -> CouponCode:
    coupon = session.scalar(select(CouponCode).where(CouponCode.code == code).with_for_update())
    if coupon is None:
        raise NotFound(f"no coupon {code}")
    return coupon


def _check_available(session: Session, coupon: CouponCode, hold_id: uuid.UUID, member_id: uuid.UUID | None,
                     now: datetime) -> None:
    rule = coupon_rule(session, coupon) or {}
    code = coupon.code
    if rule.get("single_use"):
        if coupon.uses >= 1:
            raise CouponNotAvailable(code, "coupon-already-used", f"coupon {code} was already used")
        if held_elsewhere(session, code, hold_id, now):
            raise CouponNotAvailable(code, "coupon-held-elsewhere", f"coupon {code} is reserved by another till")
    limit = rule.get("per_member_limit")
    if limit and member_id is not None:
        used = session.scalar(select(func.count()).where(CouponRedemption.code == code,
                                                         CouponRedemption.member_id == member_id))
        if used + held_elsewhere(session, code, hold_id, now, member_id) >= limit:
            raise CouponNotAvailable(code, "coupon-member-limit",
                                     f"coupon {code} allows {limit} use(s) per member; this member has used "
                                     f"or reserved {used + held_elsewhere(session, code, hold_id, now, member_id)}")
