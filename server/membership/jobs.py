"""Loyalty jobs: points expiry, hold expiry and tier review. Idempotent; safe twice or at once.

Each member is processed in its own short transaction under its row lock, and every entry's id
comes from its lot, so two workers running the same job produce each entry once.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from sqlalchemy import exists, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from loyalty.expiry import expire_due
from loyalty.tiers import evaluate_tier
from loyalty.tiers import is_review_date as review_day
from server.jobs.context import job_services
from server.membership.holds import expire_holds
from server.membership.ledger import load_ledger, lock_member, post_entries
from server.membership.member_cache import aged_out_members, member_stores
from server.membership.program import LoyaltyProgram
from server.membership.publishing import publish_member, withdraw_out_of_scope
from server.membership.tier_crossing import qualifying_history
from server.models import JobWatermark, LedgerEntry, Member, TierChange

log = logging.getLogger(__name__)


def expire_points_for(session, member_id: uuid.UUID, program: LoyaltyProgram, now: datetime) -> int:
    lock_member(session, member_id)
    ledger = load_ledger(session, member_id)
    entries = expire_due(ledger.state, now)
    post_entries(session, ledger, entries, now, allow_debt=True)
    expired = -sum(e.points for e in entries if e.id not in ledger.ids)
    if expired:
        publish_member(session, member_id, program, now)
    return expired


EXPIRY_JOB = "expire-points"
# A run looks back this far before its watermark: an entry committed while the previous run was
# reading (recorded just before its start) is still seen.
EXPIRY_OVERLAP = timedelta(hours=1)


def expiry_candidates(session, now: datetime, since: datetime | None) -> list[uuid.UUID]:
    """Members with a lot past its expiry that no expire entry has closed yet.

    A lot used up before it expired never gets an expire entry, so without ``since`` (the last
    run's watermark) every run would look at it again. With it, only lots that expired since, or
    were recorded since (a lot moved by a merge keeps its expiry), are looked at.
    """
    expiry = aliased(LedgerEntry)
    stmt = select(LedgerEntry.member_id).where(
        LedgerEntry.expires_at <= now, LedgerEntry.points > 0,
        ~exists().where(expiry.kind == "expire", expiry.lot_id == LedgerEntry.id))
    if since is not None:
        stmt = stmt.where(or_(LedgerEntry.expires_at > since, LedgerEntry.recorded_at > since))
    return list(session.scalars(stmt.distinct()))


def run_points_expiry(now: datetime | None = None) -> int:
    """Expire what is left of every lot past its expiry. Returns points expired by this run."""
    services = job_services()
    now = now or services.clock()
    with services.db.session() as session:
        since = session.scalar(select(JobWatermark.watermark).where(JobWatermark.job == EXPIRY_JOB))
        member_ids = expiry_candidates(session, now, since)
    expired = 0
    for member_id in member_ids:
        with services.db.session() as session:
            expired += expire_points_for(session, member_id, services.program, now)
            session.commit()
    with services.db.session() as session:  # only a run that got through moves the watermark
        _advance(session, EXPIRY_JOB, now - EXPIRY_OVERLAP)
        session.commit()
    log.info("points expiry at %s: %d points expired over %d accounts", now, expired, len(member_ids))
    return expired


def _advance(session, job: str, watermark: datetime) -> None:
    """Move the job's watermark forward (one statement: two runs finishing at once both succeed);
    a run for an earlier instant, late or replayed, never moves it back."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(JobWatermark).values(job=job, watermark=watermark)
    session.execute(stmt.on_conflict_do_update(index_elements=[JobWatermark.job], set_={"watermark": watermark},
                                               where=JobWatermark.watermark < watermark))


def run_hold_expiry(now: datetime | None = None) -> int:
    services = job_services()
    with services.db.session() as session:
        count = expire_holds(session, now or services.clock())
        session.commit()
    return count


def review_tier(session, member_id: uuid.UUID, program: LoyaltyProgram, now: datetime,
                is_review_date: bool) -> str | None:
    """Upgrade at once, downgrade only on a review date; record a tier change event."""
    member = lock_member(session, member_id)
    change = evaluate_tier(str(member_id), qualifying_history(session, member_id), member.tier, now,
                           program.tiers, is_review_date=is_review_date)
    if change is None:
        return None
    session.add(TierChange(member_id=member_id, from_tier=change.from_tier, to_tier=change.to_tier,
                           at=now))
    member.tier, member.tier_since = change.to_tier, now
    publish_member(session, member_id, program, now)
    return change.to_tier


def run_tier_review(now: datetime | None = None, is_review_date: bool | None = None) -> int:
    """Re-evaluate every active member's tier; review dates are the first day of each review period
    of the programme in force (`loyalty.tiers.is_review_date`, on UTC dates; quarterly in version 1)."""
    services = job_services()
    now = now or services.clock()
    program = services.programmes.at(now)
    review = is_review_date if is_review_date is not None else review_day(now.date(),
                                                                         program.programme.tiers.review_months)
    with services.db.session() as session:
        member_ids = session.scalars(select(Member.id).where(Member.merged_into.is_(None),
                                                             Member.erased_at.is_(None))).all()
    changed = 0
    for member_id in member_ids:
        with services.db.session() as session:
            changed += review_tier(session, member_id, program, now, review) is not None
            session.commit()
    return changed


def run_member_cache_review(now: datetime | None = None) -> int:
    """ONECARD_MEMBER_CACHE=recent: make stores forget members whose last visit there aged out.

    Returns how many (member, store) snapshots were withdrawn; does nothing under other settings.
    """
    services = job_services()
    program, now = services.program, now or services.clock()
    if program.member_cache != "recent":
        return 0
    with services.db.session() as session:
        member_ids = aged_out_members(session, program, now)
    withdrawn = 0
    for member_id in member_ids:
        with services.db.session() as session:
            member = lock_member(session, member_id)  # a sale posting now may bring the store back in scope
            if not (member.merged_into or member.erased_at):
                withdrawn += withdraw_out_of_scope(session, member_id, member_stores(session, member, program, now),
                                                   now)
            session.commit()
    log.info("member cache review at %s: %d store snapshots withdrawn", now, withdrawn)
    return withdrawn
