"""The roll-up job: adds posted sales and ledger entries recorded since its watermarks to the
roll-ups the reports read (server/models/rollups.py). It never runs inside a posting.

Figures, one home each:
* a sale counts once in its store's local day, as a basket of its total and its lines by category
  (and once more in the chain's figures for that day and category, the stores' days added up);
  a return or a void counts as a return of the amount it refunded;
* members are the sales posted with a known card (``member_id`` set);
* ledger entries count by UTC day and kind; points *issued* are earn, bonus and positive adjust
  entries, by the month of their time, and a lot's *expired* points count in the month it was
  issued (expiry of points a merge moved counts in neither);
* a member's outstanding points by expiry month are what their open lots have left, read from the
  state ``post_entries`` keeps in step with their ledger (``member_balances``, in the transaction
  that adds the entries), not by replaying the ledger; the first catch-up rebuilds every member's
  buckets from that state in one pass instead of reading the ledger's history batch by batch;
* the promotion report's roll-ups, and its members' hold-out buckets: server/reports/promotion_rollups.py.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from loyalty.ledger import LedgerState
from server.jobs.context import job_services
from server.membership.balances import every_kept_state, kept_states
from server.models import (
    CategoryDay,
    ChainCategoryDay,
    ChainDay,
    LedgerEntry,
    MemberActivity,
    MemberLots,
    MemberStoreMonth,
    PointsCohort,
    PointsDay,
    PostedTransaction,
    SalesDay,
    Store,
)
from server.reports.feeds import SETTLE, Feed, catch_up
from server.reports.promotion_rollups import apply_promotion_points, apply_promotion_sales, fill_holdout_buckets
from server.reports.sums import Sums, add_to, month_of

log = logging.getLogger(__name__)

ISSUE_KINDS = frozenset({"earn", "bonus", "adjust"})
SALE = "sale"
MEMBERS_PER_QUERY = 500
MEMBERS_PER_REBUILD_QUERY = 5000
HOLDOUT_JOB = "rollup-holdout-buckets"  # members newly bucketed (no watermark: it looks for members without one)
LIABILITY_JOB = "rollup-liability"  # rollup_member_lots changes only where this job's watermark moves


def _store_zones(session: Session) -> dict[str, ZoneInfo]:
    return {code: ZoneInfo(zone) for code, zone in session.execute(select(Store.code, Store.timezone))}


def apply_sales(session: Session, rows: Sequence) -> None:
    zones = _store_zones(session)
    days = Sums(("store_code", "day", "member"))
    chain = Sums(("day", "member"))
    categories = Sums(("store_code", "day", "category", "member"))
    visits = Sums(("member_id", "store_code", "month"))
    activity = Sums(("member_id",))
    for _, kind, store, at, member_id, total, lines in rows:
        day = at.astimezone(zones.get(store, UTC)).date()
        member = member_id is not None
        if kind != SALE:
            days.add((store, day, member), sales=0, sales_minor=0, items=0, returns=1, returns_minor=-total)
            continue
        lines = lines or ()
        days.add((store, day, member), sales=1, sales_minor=total, items=sum(ln["qty"] for ln in lines),
                 returns=0, returns_minor=0)
        for line in lines:
            categories.add((store, day, line.get("category", ""), member), lines=1, qty=line["qty"],
                           amount_minor=line.get("paid_minor", 0))
        if member:
            visits.add((member_id, store, month_of(at.date())), visits=1, amount_minor=total)
            activity.add((member_id,), visits=1, amount_minor=total)
            activity.extend((member_id,), earliest={"first_at": at}, latest={"last_at": at})
    add_to(session, SalesDay, days)
    for (_, day, member), figures in days.rows.items():
        chain.add((day, member), **figures)
    add_to(session, ChainDay, chain)
    add_to(session, CategoryDay, categories)
    chain_categories = Sums(("day", "category", "member"))
    for (_, day, category, member), figures in categories.rows.items():
        chain_categories.add((day, category, member), **figures)
    add_to(session, ChainCategoryDay, chain_categories)
    add_to(session, MemberStoreMonth, visits)
    add_to(session, MemberActivity, activity, earliest=("first_at",), latest=("last_at",))


def apply_points(session: Session, rows: Sequence) -> None:
    days = Sums(("day", "kind"))
    cohorts = Sums(("month",))
    lot_ids = {lot_id for _, kind, _, _, lot_id in rows if kind == "expire" and lot_id is not None}
    lots = {lot_id: (kind, at) for lot_id, kind, at in session.execute(
        select(LedgerEntry.id, LedgerEntry.kind, LedgerEntry.at).where(LedgerEntry.id.in_(lot_ids)))} if lot_ids else {}
    for _, kind, points, at, lot_id in rows:
        days.add((at.date(), kind), credited=max(points, 0), debited=max(-points, 0), entries=1)
        if kind in ISSUE_KINDS and points > 0:
            cohorts.add((month_of(at.date()),), issued=points, expired=0)
        lot = lots.get(lot_id) if kind == "expire" else None
        if lot is not None and lot[0] in ISSUE_KINDS:
            cohorts.add((month_of(lot[1].date()),), issued=0, expired=-points)
    add_to(session, PointsDay, days)
    add_to(session, PointsCohort, cohorts)


def apply_liability(session: Session, rows: Sequence) -> None:
    """Replace the buckets of the members the entries touched, from their kept open lots: one read
    of ``member_balances`` per chunk of members, however long their ledgers are."""
    members = sorted({member_id for _, member_id in rows})
    for start in range(0, len(members), MEMBERS_PER_QUERY):
        chunk = members[start:start + MEMBERS_PER_QUERY]
        session.execute(delete(MemberLots).where(MemberLots.member_id.in_(chunk)))
        _insert_buckets(session, kept_states(session, chunk))


def rebuild_liability(session: Session) -> None:
    """Every member's buckets afresh, in one pass over the kept lots (the first catch-up)."""
    session.execute(delete(MemberLots))
    for states in every_kept_state(session, MEMBERS_PER_REBUILD_QUERY):
        _insert_buckets(session, states)


def _insert_buckets(session: Session, states: Sequence[LedgerState]) -> None:
    """Write the members' buckets (their old rows already deleted), in one statement on PostgreSQL."""
    buckets = Sums(("member_id", "bucket"))
    for state in states:
        for bucket, points in lot_buckets(state).items():
            buckets.add((uuid.UUID(state.account_id), bucket), points=points)
    add_to(session, MemberLots, buckets)


def lot_buckets(state: LedgerState) -> dict[str, int]:
    """Points left by expiry month ('YYYY-MM' or 'never'), and the debt as 'debt' (negative)."""
    buckets: dict[str, int] = {}
    for lot in state.open_lots():
        bucket = lot.expires_at.astimezone(UTC).strftime("%Y-%m") if lot.expires_at else "never"
        buckets[bucket] = buckets.get(bucket, 0) + lot.remaining
    if state.debt:
        buckets["debt"] = -state.debt
    return buckets


T, L = PostedTransaction, LedgerEntry
LINES = T.body["lines"]  # only the lines of a sale's body travel from the database
FEEDS = (
    Feed("rollup-sales", T.received_at, (T.kind, T.store_code, T.at, T.member_id, T.total_minor, LINES),
         apply_sales),
    Feed("rollup-points", L.recorded_at, (L.kind, L.points, L.at, L.lot_id), apply_points),
    Feed(LIABILITY_JOB, L.recorded_at, (L.member_id,), apply_liability, rebuild=rebuild_liability),
    Feed("rollup-promotion-sales", T.received_at, (T.kind, T.at, T.member_id, T.total_minor, LINES),
         apply_promotion_sales),
    Feed("rollup-promotion-points", L.recorded_at, (L.kind, L.points, L.at, L.member_id, L.reason),
         apply_promotion_points),
)


def run_rollups(now: datetime | None = None) -> dict[str, int]:
    """Bring every roll-up up to ``now`` less SETTLE. Returns the rows each feed applied."""
    services = job_services()
    horizon = (now or services.clock()) - SETTLE
    applied = {feed.job: catch_up(services.db, feed, horizon) for feed in FEEDS}
    applied[HOLDOUT_JOB] = fill_holdout_buckets(services.db)
    log.info("roll-ups up to %s: %s", horizon, applied)
    return applied
