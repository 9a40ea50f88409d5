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


def monthly_settlements(session: Session, partner: Partner, start: datetime,
                        end: datetime) -> list[tuple[datetime, datetime, Settlement]]:
    """One settlement per calendar month (UTC) from ``start`` to ``end``, the first and last clipped to them."""
    periods, at = [], start
    while at < end:
        month_end = _next_month(at)
        until = min(month_end, end)
        periods.append((at, until, settlement(session, partner, at, until)))
        at = until
    return periods


def _next_month(at: datetime) -> datetime:
    first = at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return first.replace(year=first.year + 1, month=1) if first.month == 12 else first.replace(month=first.month + 1)
