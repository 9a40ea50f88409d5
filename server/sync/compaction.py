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

CHUNK = 10_000  # member rows per transaction, and the rest of the last member's

_log = ChangeRecord.__table__
_newer = _log.alias("newer")
_MEMBER = Entity.MEMBER.value


@dataclass(frozen=True)
class Compaction:
    """What one run did: sequenced member rows looked at, rows deleted, transactions."""

    scanned: int
    deleted: int
    chunks: int


def compact_member_changes(engine: Engine, before: datetime, *, chunk: int = CHUNK) -> Compaction:
    """Delete superseded member upserts created before ``before``, a range of members per transaction.

    A chunk is the members whose ids follow the last chunk's, as many as hold the next ``chunk``
    member rows (all of the last one's rows go with it), so a member's rows and their superseders
    are always in the same chunk. Each is committed on its own, so a large backlog never holds one
    long transaction, and each statement reads only its chunk's range of ix_change_log_entity_seq,
    whichever plan the database picks, so a chunk's work grows with the chunk, not with the log (a
    range of seqs would not do: a row's superseders lie anywhere after it, and PostgreSQL then
    hashed the whole log for every chunk). Running it again, or twice at once, deletes nothing more.
    """
    scanned = deleted = chunks = 0
    after = ""  # below every member id: the recorder refuses an empty one
    while True:
        with Session(engine) as session:
            last, rows = _next_chunk(session, after, chunk)
            if last is None:
                break
            scanned += _sequenced_rows(session, after, last)
            deleted += session.execute(_delete_superseded(after, last, before, _dialect(session))).rowcount
            session.commit()
        chunks, after = chunks + 1, last
        if rows < chunk:
            break
    return Compaction(scanned=scanned, deleted=deleted, chunks=chunks)


def _members(table, after: str, last: str | None = None):
    """The member rows of ids in (``after``, ``last``]: one range of ix_change_log_entity_seq."""
    within = [table.c.entity_type == _MEMBER, table.c.entity_id > after]
    return within if last is None else [*within, table.c.entity_id <= last]


def _next_chunk(session: Session, after: str, chunk: int) -> tuple[str | None, int]:
    """The member id of the ``chunk``-th member row after ``after`` (or of the last, if fewer), and how many rows."""
    ahead = select(_log.c.entity_id).where(*_members(_log, after)).order_by(_log.c.entity_id).limit(chunk).subquery()
    rows, last = session.execute(select(func.count(), func.max(ahead.c.entity_id))).one()
    return last, rows


def _sequenced_rows(session: Session, after: str, last: str) -> int:
    return session.scalar(select(func.count()).where(*_members(_log, after, last), _log.c.seq.is_not(None)))


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _delete_superseded(after: str, last: str, before: datetime, dialect: str):
    """One statement: the chunk's member upserts created before ``before`` that a sequenced change supersedes.

    On PostgreSQL the superseders are read within the chunk's range too: the planner may choose a
    hash or merge join, and the range keeps its inner side to the chunk instead of the whole log.
    SQLite always looks superseders up row by row, and given the range it walks the chunk for each
    row instead of the row's member alone, so there the member's id is all it gets. An unsequenced
    row is never deleted, nor does it supersede: its NULL seq is neither greater nor smaller than any.
    """
    within = _members(_newer, after, last) if dialect == "postgresql" else [_newer.c.entity_type == _MEMBER]
    superseded = exists().where(
        *within, _newer.c.entity_id == _log.c.entity_id, _newer.c.seq > _log.c.seq,
        or_(_newer.c.store_code.is_(None), _newer.c.store_code == _log.c.store_code))
    return delete(_log).where(
        *_members(_log, after, last), _log.c.op == Op.UPSERT.value, _log.c.created_at < before, superseded)
