"""Settlement per partner and period: points issued and redeemed there, and the money owed each way."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loyalty.partners import Settlement, settle
from server.models import Partner, PartnerTransaction
from server.partners.keys import Scope, terms_of


def settlement(session: Session, partner: Partner, start: datetime, end: datetime) -> Settlement:
    """Sums over ``start <= at < end``, rounded once per period (``loyalty.partners.settle``)."""
    sums = dict(session.execute(
        select(PartnerTransaction.kind, func.coalesce(func.sum(PartnerTransaction.points), 0))
        .where(PartnerTransaction.partner_id == partner.id, PartnerTransaction.at >= start,
               PartnerTransaction.at < end)
        .group_by(PartnerTransaction.kind)).all())
    return settle(terms_of(partner), int(sums.get(Scope.EARN.value, 0)), int(sums.get(Scope.BURN.value, 0)))
