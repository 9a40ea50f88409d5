"""Previewing a promotion version: a sample basket priced with it in place of its live version."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.membership.program import LoyaltyProgram
from server.models import CouponCode, PromotionRecord, PromotionVersion
from server.pricing.catalogues import CATALOGUES, build
from server.pricing.definitions import to_promotion
from server.pricing.quotes import Quote, QuoteRequest, price_quote
from server.pricing.segments import audience_size


@dataclass(frozen=True)
class Preview:
    quote: Quote
    members: int  # members the version's targeting reaches
    anonymous: bool  # customers without a card qualify too


def preview_promotion(session: Session, record: PromotionRecord, version: PromotionVersion,
                      request: QuoteRequest, program: LoyaltyProgram) -> Preview:
    """Price ``request`` against the live catalogue with ``version`` (a draft too) in place of the live one."""
    codes = session.scalars(select(CouponCode.code).where(CouponCode.promotion_id == record.id)).all()
    extra = to_promotion(str(record.id), version.version, version.definition, codes)
    priced = price_quote(session, request, program, CATALOGUES.live(session), build(session, extra).catalogue)
    return Preview(priced, audience_size(session, version.definition["targeting"]), not extra.needs_member)
