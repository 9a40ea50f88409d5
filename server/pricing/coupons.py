"""Coupon codes: generated batches, and the usage counts a quote hands to the engine."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from promotions import PresentedCoupon, generate_codes
from server.audit import Actor, write_audit
from server.exceptions import Conflict
from server.models import CouponBatch, CouponCode, CouponRedemption, PromotionRecord
from server.pricing.publishing import publish_promotion

_CHUNK = 5_000


def generate_batch(session: Session, record: PromotionRecord, definition: dict, prefix: str, count: int,
                   now: datetime, actor: Actor) -> tuple[CouponBatch, list[str]]:
    """Generate ``count`` codes for a coupon promotion and store them with zero uses."""
    if definition["coupon"] is None:
        raise Conflict("this promotion is not a coupon offer; give it a 'coupon' section first")
    batch = CouponBatch(promotion_id=record.id, prefix=prefix, secret=secrets.token_hex(16), count=count,
                        created_at=now, created_by=actor.name)
    session.add(batch)
    session.flush()
    codes = generate_codes(prefix, batch.secret, count)
    clash = _existing_code(session, codes)
    if clash is not None:
        raise Conflict(f"code {clash} exists already; use another prefix")
    session.add_all(CouponCode(code=code, promotion_id=record.id, batch_id=batch.id, uses=0, created_at=now)
                    for code in codes)
    write_audit(session, at=now, actor=actor, action="promotion.coupons", target=str(record.id),
                details={"batch_id": str(batch.id), "count": count, "prefix": prefix})
    session.flush()
    publish_promotion(session, record, now)
    return batch, codes


def _existing_code(session: Session, codes: list[str]) -> str | None:
    """One of ``codes`` that exists already, asked in chunks: a batch may hold more codes than
    a statement may have bind parameters (65,535 on PostgreSQL, 32,766 on SQLite)."""
    for start in range(0, len(codes), _CHUNK):
        chunk = codes[start:start + _CHUNK]
        clash = session.scalar(select(CouponCode.code).where(CouponCode.code.in_(chunk)).limit(1))
        if clash is not None:
            return clash
    return None


def presented(session: Session, codes: Sequence[str], member_id: uuid.UUID | None) -> tuple[PresentedCoupon, ...]:
    """The presented codes with their uses so far, overall and by this member."""
    codes = list(dict.fromkeys(codes))
    if not codes:
        return ()
    totals = dict(session.execute(select(CouponCode.code, CouponCode.uses).where(CouponCode.code.in_(codes))).all())
    mine: dict[str, int] = {}
    if member_id is not None:
        mine = dict(session.execute(select(CouponRedemption.code, func.count()).where(
            CouponRedemption.code.in_(codes), CouponRedemption.member_id == member_id)
            .group_by(CouponRedemption.code)).all())
    return tuple(PresentedCoupon(code, totals.get(code, 0), mine.get(code, 0)) for code in codes)
