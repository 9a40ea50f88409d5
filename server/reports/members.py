"""Member reports from the roll-ups and the members table: cross-store shopping and flows between
stores, tier distribution and movement, and churn risk."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import BigInteger, Float, Numeric, case, cast, func, literal, select
from sqlalchemy.orm import Session

from server.models import Member, MemberActivity, MemberStoreMonth, TierChange

# A member is at risk once the time since their last visit exceeds this many of their own usual
# intervals (and at least MIN_QUIET); their usual interval needs MIN_VISITS visits to be known.
CHURN_FACTOR = 2
MIN_QUIET = timedelta(days=14)
MIN_VISITS = 3
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _months(query, since: date, until: date):
    return query.where(MemberStoreMonth.month >= since.replace(day=1), MemberStoreMonth.month <= until)


def cross_store(session: Session, since: date, until: date, store: str | None) -> dict:
    """Members who bought in the months from ``since`` to ``until``, how many of them in 2+ stores,
    and the flows: members, visits and sales by home store and the store bought in (a member's
    home store as it is now). With ``store``: the members who bought there and how many of them
    also bought elsewhere, and the flows into or out of that store.

    Hashed GROUP BYs only, which PostgreSQL can spill and run in parallel, where counts of distinct
    stores and distinct members sorted every row of the range: a member bought in 2+ stores when
    their lowest and highest store codes differ; a member has one home store, so a pair of stores'
    distinct members are the (member, store) rows the months add up to.
    """
    per_member = _months(select(func.min(MemberStoreMonth.store_code).label("lowest"),
                                func.max(MemberStoreMonth.store_code).label("highest")), since, until)
    per_member = per_member.group_by(MemberStoreMonth.member_id)
    if store:  # the members with a month in that store, in the same pass
        per_member = per_member.having(func.max(case((MemberStoreMonth.store_code == store, 1), else_=0)) == 1)
    counted = per_member.subquery()
    active, multi = session.execute(select(func.count(), func.count().filter(counted.c.lowest != counted.c.highest))
                                    .select_from(counted)).one()
    return {"first_month": since.replace(day=1).isoformat()[:7], "last_month": until.isoformat()[:7],
            "active_members": active, "cross_store_members": multi,
            "cross_store_share": round(multi / active, 4) if active else None,
            "flows": _flows(session, since, until, store)}


def _flows(session: Session, since: date, until: date, store: str | None) -> list[dict]:
    pairs = _months(select(MemberStoreMonth.member_id, MemberStoreMonth.store_code,
                           func.sum(MemberStoreMonth.visits).label("visits"),
                           func.sum(MemberStoreMonth.amount_minor).label("amount")), since, until)
    pairs = pairs.group_by(MemberStoreMonth.member_id, MemberStoreMonth.store_code).subquery()
    # Sums cast back to bigint (PostgreSQL sums bigints as numeric): ints reach Python, not Decimals.
    query = (select(Member.home_store, pairs.c.store_code, func.count(), cast(func.sum(pairs.c.visits), BigInteger),
                    cast(func.sum(pairs.c.amount), BigInteger)).join(Member, Member.id == pairs.c.member_id))
    if store:
        query = query.where((pairs.c.store_code == store) | (Member.home_store == store))
    query = query.group_by(Member.home_store, pairs.c.store_code).order_by(Member.home_store, pairs.c.store_code)
    return [dict(home_store=home or "", store=shop, members=members, visits=visits, sales_minor=amount)
            for home, shop, members, visits, amount in session.execute(query)]


def tiers(session: Session, since: date, until: date) -> dict:
    """Members per tier now (merged and erased accounts left out), and tier changes in the range."""
    live = Member.merged_into.is_(None) & Member.erased_at.is_(None)
    counts = session.execute(select(Member.tier, func.count()).where(live).group_by(Member.tier)
                             .order_by(Member.tier)).all()
    moves = session.execute(
        select(TierChange.from_tier, TierChange.to_tier, func.count())
        .where(TierChange.at >= _start(since), TierChange.at < _start(until + timedelta(days=1)))
        .group_by(TierChange.from_tier, TierChange.to_tier).order_by(TierChange.from_tier, TierChange.to_tier)).all()
    return {"tiers": [dict(tier=tier, members=n) for tier, n in counts],
            "movements": [dict(from_tier=a, to_tier=b, members=n) for a, b, n in moves]}


def _epoch_us(session: Session, column):
    """Microseconds since 1970 of a UTC datetime column, as an exact integer on either database."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.extract("epoch", column) * 1_000_000, BigInteger)
    # SQLite keeps 'YYYY-MM-DD HH:MM:SS.ffffff' (SQLAlchemy's format, microseconds always written).
    return (cast(func.strftime("%s", column), BigInteger) * 1_000_000
            + cast(func.substr(column, 21, 6), BigInteger))


def _ratio(session: Session, quiet, span):
    """quiet / span for ordering: exact (numeric) on PostgreSQL, a double on SQLite."""
    kind = Numeric if session.get_bind().dialect.name == "postgresql" else Float
    return cast(quiet, kind) / func.nullif(span, 0)


def churn_risk(session: Session, now: datetime, limit: int) -> dict:
    """Members whose time since their last visit is well past their own usual interval.

    Chosen, counted and ordered in SQL (most overdue first: a member whose visits all fell at one
    instant, then by quiet time over usual interval, then by member id); only the ``limit`` members
    shown are read into Python. A member is at risk when quiet x (visits - 1) > CHURN_FACTOR x
    (last - first), in whole microseconds.
    """
    last, first = _epoch_us(session, MemberActivity.last_at), _epoch_us(session, MemberActivity.first_at)
    quiet = literal(_micros(now), BigInteger) - last
    span = last - first
    at_risk = (MemberActivity.visits >= MIN_VISITS, MemberActivity.last_at < now - MIN_QUIET,
               quiet * (MemberActivity.visits - 1) > CHURN_FACTOR * span)
    count = session.scalar(select(func.count()).select_from(MemberActivity).where(*at_risk))
    ratio = _ratio(session, quiet * (MemberActivity.visits - 1), span)
    rows = session.scalars(select(MemberActivity).where(*at_risk)
                           .order_by(case((span == 0, 0), else_=1), ratio.desc(), MemberActivity.member_id)
                           .limit(limit))
    return {"as_of": now, "members_at_risk": count, "members": [_at_risk(r, now) for r in rows]}


def _at_risk(r: MemberActivity, now: datetime) -> dict:
    usual = (r.last_at - r.first_at) / (r.visits - 1)
    quiet = now - r.last_at
    return dict(member_id=str(r.member_id), visits=r.visits, last_visit_at=r.last_at,
                usual_interval_days=round(usual.total_seconds() / 86400, 1),
                days_since_last_visit=round(quiet.total_seconds() / 86400, 1),
                sales_minor=r.amount_minor, overdue_ratio=round(quiet / usual, 2) if usual else None)


def _micros(moment: datetime) -> int:
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
