"""Compaction: deleting the member snapshots in the change log that newer changes superseded.

Every member sale appends the member's whole snapshot to the log, so the log grows with sales while
a till only ever needs a member's newest one. A member upsert is *superseded* when every store that
can see it also sees a newer change (any op) for the same member:

- a row for store X, by a newer row for X or for every store (store_code NULL);
- a row for every store, only by a newer row for every store (a row for X covers X alone).

Compaction deletes superseded member upserts created before a cutoff (the grace period,
ONECARD_FEED_COMPACT_AFTER_DAYS), and nothing else: never a delete (a withdrawal or an erasure's
tombstone), never another entity's row, never an unsequenced row, and never because of an
unsequenced row (a reader cannot see it yet).

Why readers stay right (``tests/integration/sync/test_compaction.py`` plays each case):

- The newest change a store sees for a member has nothing newer, so it stays: a snapshot at the
  head, and a till that is caught up, hold what they held before.
- Superseding is transitive (a change newer than a row's superseder, for the superseder's store or
  for every store, also supersedes the row), so whatever one statement or two runs at once delete,
  the newest superseder of each deleted row stays.
- A till whose cursor is behind a deleted row reads that row's superseder later in the feed (a
  higher seq its store sees). Each upsert carries the whole state and a till keeps the change with
  the highest seq, so it ends where a till that also read the deleted row ends.
- A snapshot as of cursor C whose pages are read while compaction runs: where a deleted row was a
  member's newest up to C, its superseder comes after C, so the page shows the member as of an
  older change (or not at all) and the feed after C brings the superseder.
- The highest seq in the log has nothing newer, so it is never deleted: ``head_seq``, the
  sequencer's next number and the watermarks' head never go back, and no seq is issued twice.
  Seqs below the head may be missing; a missing one was a superseded change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, exists, func, or_, select
from sqlalchemy.orm import Session

from server.models import ChangeRecord
from store_sync.entities import Entity
from store_sync.feed import Op

CHUNK = 10_000  # sequenced rows looked at per transaction

_log = ChangeRecord.__table__
_newer = _log.alias("newer")


@dataclass(frozen=True)
class Compaction:
    """What one run did: sequenced rows looked at (of every entity), rows deleted, transactions."""

    scanned: int
    deleted: int
    chunks: int


def compact_member_changes(engine: Engine, before: datetime, *, chunk: int = CHUNK) -> Compaction:
    """Delete superseded member upserts created before ``before``, in seq order, one chunk per transaction.

    Each chunk is the next ``chunk`` sequenced rows and is committed on its own, so a large backlog
    never holds one long transaction. The run stops after the first chunk that ends in a row created
    at or after ``before``: past it the log is young (only a slow writer's row can be older), and a
    later run, with a later cutoff, goes on. Running it again, or twice at once, deletes nothing more.
    """
    scanned = deleted = chunks = 0
    after = 0
    while True:
        with Session(engine) as session:
            rows, last, last_at = _next_chunk(session, after, chunk)
            if not rows:
                break
            deleted += session.execute(_delete_superseded(after, last, before)).rowcount
            session.commit()
        scanned, chunks, after = scanned + rows, chunks + 1, last
        if rows < chunk or last_at >= before:
            break
    return Compaction(scanned=scanned, deleted=deleted, chunks=chunks)


def _next_chunk(session: Session, after: int, chunk: int) -> tuple[int, int | None, datetime | None]:
    """How many of the next ``chunk`` sequenced rows after ``after`` there are, the last one's seq and its time."""
    ahead = select(_log.c.seq).where(_log.c.seq > after).order_by(_log.c.seq).limit(chunk).subquery()
    rows, last = session.execute(select(func.count(), func.max(ahead.c.seq))).one()
    if not rows:
        return 0, None, None
    return rows, last, session.scalar(select(_log.c.created_at).where(_log.c.seq == last))


def _delete_superseded(after: int, upto: int, before: datetime):
    """One statement: the member upserts with seq in (after, upto], created before ``before``, superseded."""
    superseded = exists().where(
        _newer.c.entity_type == _log.c.entity_type, _newer.c.entity_id == _log.c.entity_id,
        _newer.c.seq > _log.c.seq,
        or_(_newer.c.store_code.is_(None), _newer.c.store_code == _log.c.store_code))
    return delete(_log).where(
        _log.c.seq > after, _log.c.seq <= upto, _log.c.entity_type == Entity.MEMBER.value,
        _log.c.op == Op.UPSERT.value, _log.c.created_at < before, superseded)
