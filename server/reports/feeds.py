"""Reading rows past a watermark, batch by batch, each row exactly once.

A roll-up adds every row once, so the watermark is exact: it is the instant before which every
row has been added. A batch ends where the recorded time changes, so a watermark never splits the
rows of one instant. Rows are read only up to a horizon ``SETTLE`` behind now: a row is stamped
when its transaction starts and becomes visible when it commits, and a posting commits well within
that time, so no row can still appear behind the horizon once the job has passed it.

A roll-up that holds a state rather than sums (a member's outstanding lots) may instead be rebuilt
whole when its watermark is at the beginning: its ``rebuild`` reads the state the postings keep,
which already includes every row before the horizon, and the watermark moves to the horizon.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from server.jobs import report_progress
from server.models import JobWatermark

SETTLE = timedelta(minutes=2)
BATCH = 5000
BEGINNING = datetime(2000, 1, 1, tzinfo=UTC)
TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class Feed:
    """One source of rows for a roll-up: the job's name, the rows' recorded-time column, the
    columns to read, and what to do with a batch (in the transaction that moves the watermark);
    optionally how to rebuild the roll-up whole on its first catch-up instead."""

    job: str
    stamp: object
    columns: tuple
    apply: Callable[[Session, Sequence], None]
    rebuild: Callable[[Session], None] | None = None


def catch_up(db, feed: Feed, horizon: datetime) -> int:
    """Apply every row recorded before ``horizon`` and not yet applied; returns how many."""
    applied, total = 0, None
    while True:
        with db.session() as session:
            since = _locked_watermark(session, feed.job)
            if since >= horizon:
                return applied
            if total is None:
                total = session.scalar(select(func.count()).where(feed.stamp >= since, feed.stamp < horizon))
            if since == BEGINNING and feed.rebuild is not None:  # the whole backlog in one pass
                feed.rebuild(session)
                count, until = total, horizon
            else:
                rows, until = _next_batch(session, feed, since, horizon)
                feed.apply(session, rows)
                count = len(rows)
            session.get(JobWatermark, feed.job).watermark = until
            session.commit()
        applied += count
        report_progress(applied, max(total, applied), feed.job)
        if until >= horizon:
            return applied


def _locked_watermark(session: Session, job: str) -> datetime:
    """The job's watermark, locked for this transaction: a second run waits, then starts after us."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(JobWatermark).values(job=job, watermark=BEGINNING).on_conflict_do_nothing())
    return session.scalar(select(JobWatermark.watermark).where(JobWatermark.job == job).with_for_update())


def _next_batch(session: Session, feed: Feed, since: datetime, horizon: datetime) -> tuple[Sequence, datetime]:
    query = select(feed.stamp, *feed.columns).order_by(feed.stamp)
    rows = session.execute(query.where(feed.stamp >= since, feed.stamp < horizon).limit(BATCH)).all()
    if len(rows) < BATCH:
        return rows, horizon
    cut = rows[-1][0]
    kept = [row for row in rows if row[0] < cut]
    if kept:
        return kept, cut
    return session.execute(query.where(feed.stamp == cut)).all(), cut + TICK
