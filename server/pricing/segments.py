"""Member segments for targeting: rules evaluated by a job, or uploaded lists; and audience size.

A rule is an AND of the conditions it names: tiers, home stores, joined within N days, spent over
N in the last M days, bought category C in the last N days, an RFM bucket (quintile ranges of
recency, frequency and monetary value over a window, scored by ``loyalty.rfm``), "for you" members of
a product (its latest picks, ``server.pricing.for_you``, for members consenting to profiling).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from loyalty.rfm import Activity, rfm_scores
from loyalty.transactions import TransactionKind
from server.exceptions import Conflict, NotFound
from server.membership.ledger import lock_member
from server.membership.program import LoyaltyProgram
from server.membership.publishing import publish_member
from server.models import ForYouPick, Member, PostedTransaction, Product, Segment, SegmentMember
from server.pricing.references import check_references, segment_rule_references


class SegmentKind(StrEnum):
    RULE = "rule"  # members chosen by a rule, refreshed by a job
    LIST = "list"  # members named one by one


RULE, LIST = SegmentKind.RULE, SegmentKind.LIST


def members_in_good_standing():
    """Members who can be targeted: not erased, not merged away."""
    return select(Member.id).where(Member.erased_at.is_(None), Member.merged_into.is_(None))


def get_segment(session: Session, segment_id: uuid.UUID) -> Segment:
    segment = session.get(Segment, segment_id)
    if segment is None:
        raise NotFound(f"no segment {segment_id}")
    return segment


def create_segment(session: Session, name: str, rule: dict | None, member_ids: list[uuid.UUID] | None,
                   program: LoyaltyProgram, now: datetime) -> Segment:
    if session.scalar(select(Segment.id).where(Segment.name == name)) is not None:
        raise Conflict(f"a segment named {name!r} exists already")
    if rule is not None:
        check_references(session, program, segment_rule_references(rule))
    segment = Segment(name=name, kind=LIST if rule is None else RULE, rule=rule or {}, created_at=now,
                      updated_at=now)
    session.add(segment)
    session.flush()
    if rule is None:
        replace_members(session, segment, _known(session, member_ids or []), program, now)
    else:
        refresh_segment(session, segment, program, now)
    return segment


def refresh_segment(session: Session, segment: Segment, program: LoyaltyProgram, now: datetime) -> int:
    """Re-evaluate a rule segment as of ``now``; returns its size."""
    if segment.kind != RULE:
        return segment.size
    ids = list(session.scalars(_rule_query(session, segment.rule, now)))
    replace_members(session, segment, ids, program, now)
    return segment.size


def replace_members(session: Session, segment: Segment, member_ids: Iterable[uuid.UUID], program: LoyaltyProgram,
                    now: datetime) -> None:
    """Set the segment's members; members who joined or left are republished so offline tills
    target them right (their feed snapshot carries their segments)."""
    ids = set(member_ids)
    before = set(session.scalars(select(SegmentMember.member_id).where(SegmentMember.segment_id == segment.id)))
    session.execute(delete(SegmentMember).where(SegmentMember.segment_id == segment.id))
    session.add_all(SegmentMember(segment_id=segment.id, member_id=mid) for mid in sorted(ids))
    segment.size, segment.refreshed_at, segment.updated_at = len(ids), now, now
    session.flush()
    for member_id in sorted(before ^ ids):
        lock_member(session, member_id)  # per-entity feed order: writers of one member take turns
        publish_member(session, member_id, program, now)


def _known(session: Session, member_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    found = set(session.scalars(members_in_good_standing().where(Member.id.in_(member_ids))))
    missing = [str(mid) for mid in member_ids if mid not in found]
    if missing:
        raise NotFound(f"no member {', '.join(missing[:5])}" + (" ..." if len(missing) > 5 else ""))
    return list(found)


def _rule_query(session: Session, rule: dict, now: datetime):
    stmt = members_in_good_standing()
    if rule.get("tiers"):
        stmt = stmt.where(Member.tier.in_(rule["tiers"]))
    if rule.get("home_stores"):
        stmt = stmt.where(Member.home_store.in_(rule["home_stores"]))
    if rule.get("joined_within_days") is not None:
        stmt = stmt.where(Member.created_at >= now - timedelta(days=rule["joined_within_days"]))
    if rule.get("spent_over"):
        stmt = stmt.where(Member.id.in_(_big_spenders(rule["spent_over"], now)))
    if rule.get("bought_category"):
        stmt = stmt.where(Member.id.in_(_buyers_of(session, rule["bought_category"], now)))
    if rule.get("rfm"):
        stmt = stmt.where(Member.id.in_(_rfm_bucket(session, rule["rfm"], now)))
    if rule.get("for_you"):
        stmt = stmt.where(Member.id.in_(picked_for(session, rule["for_you"])))
    return stmt


def picked_for(session: Session, sku: str) -> list[uuid.UUID]:
    """Members whose latest picks include ``sku`` and who consent to profiling now (a withdrawal counts at once)."""
    rows = session.execute(select(Member.id, Member.consents).join(ForYouPick, ForYouPick.member_id == Member.id)
                           .where(ForYouPick.sku == sku))
    return [member_id for member_id, consents in rows if (consents or {}).get("profiling")]


def _rfm_bucket(session: Session, rfm: dict, now: datetime) -> list[uuid.UUID]:
    """Members whose RFM quintiles fall in every named range; all members in good standing are
    scored together, those without purchases in the window as the least active."""
    since = now - timedelta(days=rfm["days"])
    activity = {mid: Activity(rfm["days"], 0, 0) for mid in session.scalars(members_in_good_standing())}
    rows = session.execute(select(PostedTransaction.member_id, func.max(PostedTransaction.at),
                                  func.count(PostedTransaction.id), func.sum(PostedTransaction.total_minor))
                           .where(PostedTransaction.at >= since, PostedTransaction.kind == TransactionKind.SALE,
                                  PostedTransaction.member_id.is_not(None))
                           .group_by(PostedTransaction.member_id))
    for member_id, last, purchases, spend in rows:
        if member_id in activity:
            activity[member_id] = Activity(max((now - last).days, 0), purchases, int(spend or 0))
    scores = rfm_scores(activity)

    def within(axis: str, score: int) -> bool:
        bounds = rfm.get(axis)
        return not bounds or bounds[0] <= score <= bounds[1]

    return [mid for mid, s in scores.items()
            if within("recency", s.recency) and within("frequency", s.frequency) and within("monetary", s.monetary)]


def _big_spenders(spent: dict, now: datetime):
    # Returns carry negative totals, so what was brought back does not count as spend.
    since = now - timedelta(days=spent["days"])
    return (select(PostedTransaction.member_id).where(PostedTransaction.at >= since,
                                                      PostedTransaction.member_id.is_not(None))
            .group_by(PostedTransaction.member_id)
            .having(func.sum(PostedTransaction.total_minor) > spent["amount_minor"]))


def _buyers_of(session: Session, bought: dict, now: datetime) -> list[uuid.UUID]:
    """Members with a sale line in the category. Lines live in the posted JSON body, which the two
    databases query differently, so this reads the window's member sales and filters here."""
    category, since = bought["category"], now - timedelta(days=bought["days"])
    skus = set(session.scalars(select(Product.sku).where(Product.category == category)))
    rows = session.execute(select(PostedTransaction.member_id, PostedTransaction.body).where(
        PostedTransaction.kind == TransactionKind.SALE, PostedTransaction.at >= since,
        PostedTransaction.member_id.is_not(None))).yield_per(1000)
    # A sale kept without its lines (the demo's history before it kept them) bought nothing we can see.
    return list({mid for mid, body in rows
                 if any(ln.get("category") == category or ln.get("sku") in skus for ln in body.get("lines", ()))})


def refresh_all(sessions, program: LoyaltyProgram, now: datetime) -> dict[str, int]:
    """Refresh every rule segment, each in its own transaction; returns sizes by name."""
    with sessions() as session:
        ids = list(session.scalars(select(Segment.id).where(Segment.kind == RULE).order_by(Segment.name)))
    sizes = {}
    for segment_id in ids:
        with sessions() as session:
            segment = session.get(Segment, segment_id)
            sizes[segment.name] = refresh_segment(session, segment, program, now)
            session.commit()
    return sizes


def segments_of(session: Session, member_id: uuid.UUID) -> frozenset[str]:
    return frozenset(str(s) for s in session.scalars(select(SegmentMember.segment_id).where(
        SegmentMember.member_id == member_id)))


def audience_size(session: Session, targeting: dict) -> int:
    """How many members a promotion's targeting reaches (everyone in good standing if untargeted)."""
    return session.scalar(select(func.count()).select_from(audience(targeting).subquery()))


def audience(targeting: dict):
    """The ids of the members a promotion's targeting reaches, as a query (hold-outs included)."""
    stmt = members_in_good_standing()
    if targeting["tiers"]:
        stmt = stmt.where(Member.tier.in_(targeting["tiers"]))
    if targeting["segments"]:
        segment_ids = [uuid.UUID(s) for s in targeting["segments"]]
        stmt = stmt.where(Member.id.in_(select(SegmentMember.member_id)
                                        .where(SegmentMember.segment_id.in_(segment_ids))))
    if targeting["member_ids"]:
        stmt = stmt.where(Member.id.in_([uuid.UUID(m) for m in targeting["member_ids"]]))
    return stmt
