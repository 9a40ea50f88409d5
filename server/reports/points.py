"""Points issued, redeemed, expired and adjusted; the outstanding points (liability) by expiry
month; breakage by earn month and the forecast it gives for what is outstanding."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loyalty.money import PointValue
from server.models import MemberLots, PointsCohort, PointsDay

ISSUED = ("earn", "bonus")


def points_by_period(session: Session, since: date, until: date, monthly: bool) -> list[dict]:
    """Per day (or month): issued (earn, bonus), redeemed, expired, adjusted (net), reversed (net)."""
    rows: dict[date, dict] = {}
    query = (select(PointsDay.day, PointsDay.kind, PointsDay.credited, PointsDay.debited, PointsDay.entries)
             .where(PointsDay.day >= since, PointsDay.day <= until).order_by(PointsDay.day))
    for r in session.execute(query):
        period = r.day.replace(day=1) if monthly else r.day
        row = rows.setdefault(period, dict(period=period.isoformat()[:7] if monthly else period.isoformat(),
                                           issued=0, redeemed=0, expired=0, adjusted=0, reversed=0, entries=0))
        net = r.credited - r.debited
        if r.kind in ISSUED:
            row["issued"] += net
        elif r.kind == "redeem":
            row["redeemed"] += r.debited - r.credited
        elif r.kind == "expire":
            row["expired"] += r.debited - r.credited
        elif r.kind == "adjust":
            row["adjusted"] += net
        elif r.kind == "reverse":
            row["reversed"] += net
        row["entries"] += r.entries
    return list(rows.values())


def value_minor(points: int, value: PointValue) -> int:
    """What ``points`` pay as a tender, in minor units (rounded down below one step)."""
    return points * value.step_minor // value.step_points if points >= 0 else -value_minor(-points, value)


def liability(session: Session, value: PointValue) -> list[dict]:
    """Outstanding points and their money value by expiry month ('never' last, debt apart)."""
    query = select(MemberLots.bucket, func.sum(MemberLots.points), func.count()).group_by(MemberLots.bucket)
    rows = sorted(session.execute(query), key=lambda r: (r[0] in ("never", "debt"), r[0] == "debt", r[0]))
    return [dict(expiry_month=bucket, points=int(points), members=members,
                 value_minor=value_minor(int(points), value)) for bucket, points, members in rows]


def breakage(session: Session, as_of: date, expiry_months: int | None, value: PointValue) -> dict:
    """Per earn month: issued, expired, rate. A cohort is mature once all its lots have reached
    their expiry (``expiry_months`` after the end of its month); the mature cohorts' pooled rate,
    applied to the outstanding points, forecasts how many of them will expire unredeemed."""
    cohorts = []
    mature_issued = mature_expired = 0
    for r in session.scalars(select(PointsCohort).order_by(PointsCohort.month)):
        mature = expiry_months is not None and _months_between(r.month, as_of) > expiry_months
        if mature:
            mature_issued, mature_expired = mature_issued + r.issued, mature_expired + r.expired
        cohorts.append(dict(earn_month=r.month.isoformat()[:7], issued=r.issued, expired=r.expired,
                            rate=round(r.expired / r.issued, 4) if r.issued else None, mature=mature))
    rate = mature_expired / mature_issued if mature_issued else None
    outstanding = int(session.scalar(select(func.coalesce(func.sum(MemberLots.points), 0))
                                     .where(MemberLots.bucket != "debt")))
    forecast = round(outstanding * rate) if rate is not None else None
    return {"cohorts": cohorts, "mature_rate": None if rate is None else round(rate, 4),
            "outstanding_points": outstanding, "forecast_expiring_points": forecast,
            "forecast_expiring_value_minor": None if forecast is None else value_minor(forecast, value)}


def _months_between(first: date, later: date) -> int:
    return (later.year - first.year) * 12 + later.month - first.month
