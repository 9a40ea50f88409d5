"""The sequencer: gives committed changes their feed position, one serialized step at a time.

Why: ``order_key`` comes from a sequence when a writer inserts, but writers commit in any order,
so a reader following ``order_key`` can pass a number whose transaction is still open and never
come back for it. Here only committed rows are numbered, and only by one sequencer at a time
(a PostgreSQL transaction-level advisory lock; SQLite runs one writer at a time anyway). Each
run continues from the highest ``seq`` already committed, so the numbers given are a gap-free
prefix 1..N, and a slow writer's change simply gets a later ``seq`` than faster ones. Compaction
(server.sync.compaction) later deletes superseded member changes below N, never the row holding
N itself, so the next run's max(seq) never goes back and no number is given twice.

Run it at READ COMMITTED (the default): each statement must see the previous run's commit.
"""

from __future__ import annotations

from sqlalchemy import Engine, func, select, text, update
from sqlalchemy.orm import Session

from server.models import ChangeRecord

LOCK_KEY = 0x4F43_5345_5155_454E  # "OCSEQUEN": one PostgreSQL advisory lock for the whole feed
BATCH = 10_000

_log = ChangeRecord.__table__


def sequence_pending(target: Engine | Session, *, wait: bool = True, batch: int = BATCH) -> int:
    """Number the committed, unsequenced changes in order_key order; return how many were numbered.

    With an Engine, each batch runs in its own committed transaction. With a Session, the work
    joins the session's transaction and the caller commits (the lock is held until then).
    ``wait=False`` gives up at once when another sequencer is running (readers use it, so they
    never queue behind the sequencer; the running one or the next read does the work).
    """
    if isinstance(target, Session):
        return _run(target, wait, batch)
    with Session(target) as session:
        numbered = _run(session, wait, batch, commit_each=True)
    return numbered


def _run(session: Session, wait: bool, batch: int, commit_each: bool = False) -> int:
    total = 0
    while _has_pending(session) and _lock(session, wait):
        numbered = session.execute(_number_batch(batch)).rowcount
        if commit_each:
            session.commit()
        total += numbered
        if numbered < batch:
            break
    return total


def _has_pending(session: Session) -> bool:
    """A cheap look (partial index) so readers do not write when there is nothing to number."""
    return session.scalar(select(ChangeRecord.order_key).where(ChangeRecord.seq.is_(None)).limit(1)) is not None


def _lock(session: Session, wait: bool) -> bool:
    if session.get_bind().dialect.name != "postgresql":
        return True
    if wait:
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        return True
    return bool(session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": LOCK_KEY}))


def _number_batch(batch: int):
    """One statement: the next ``batch`` unsequenced rows get max(seq)+1, +2, ... by order_key.

    The statement reads max(seq) itself, after the lock is held, so it sees the last run's commit.
    """
    base = select(func.coalesce(func.max(_log.c.seq), 0)).scalar_subquery()
    pending = (select(_log.c.order_key,
                      (base + func.row_number().over(order_by=_log.c.order_key)).label("new_seq"))
               .where(_log.c.seq.is_(None))
               .order_by(_log.c.order_key)
               .limit(batch)
               .subquery())
    return (update(_log).where(_log.c.order_key == pending.c.order_key)
            .values(seq=pending.c.new_seq))
