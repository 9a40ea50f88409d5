"""Persisting the pure ledger: rows <-> `loyalty.entries.Entry`, member locks, posting entries.

``post_entries`` keeps the member's balance and open lots (server.membership.balances) in step
with the entries it adds; callers on hot paths read that (``load_kept``) instead of the ledger.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from loyalty.entries import Entry, EntryKind, replay_key
from loyalty.exceptions import ConflictingEntry
from loyalty.ledger import Ledger, refuse_new_debt, resume, unique_entries
from server.exceptions import NotFound
from server.membership import batch_work
from server.membership.balances import KeptLedger, load_kept, store_kept
from server.models import Hold, LedgerEntry, Member


class HoldStatus(StrEnum):
    """The life of an online points hold (`server.membership.holds`)."""

    HELD = "held"
    CONFIRMED = "confirmed"  # a sale used it
    RELEASED = "released"  # the till gave it back
    EXPIRED = "expired"  # its lifetime (the programme's hold_ttl) ran out


HELD = HoldStatus.HELD


def lock_member(session: Session, member_id: uuid.UUID) -> Member:
    """Load a member for update: on PostgreSQL a row lock serialises every change to one balance
    (SQLite transactions already start with the write lock, see server.db)."""
    work = batch_work.pending(session)
    if work is not None and member_id in work.locked:  # locked by the journal batch, and in its session
        return session.get(Member, member_id)
    member = session.scalar(select(Member).where(Member.id == member_id).with_for_update())
    if member is None:
        raise NotFound(f"no member {member_id}")
    return member


def to_entry(row: LedgerEntry) -> Entry:
    return Entry(id=row.id, account_id=str(row.member_id), kind=EntryKind(row.kind), points=row.points,
                 at=row.at, expires_at=row.expires_at, lot_id=row.lot_id, source_id=row.source_id,
                 offline=row.offline, reason=row.reason, actor=row.actor)


def to_row(entry: Entry, recorded_at: datetime) -> LedgerEntry:
    return LedgerEntry(**row_values(entry, recorded_at))


def row_values(entry: Entry, recorded_at: datetime) -> dict:
    return {"id": entry.id, "member_id": uuid.UUID(entry.account_id), "kind": entry.kind.value,
            "points": entry.points, "at": entry.at, "expires_at": entry.expires_at, "lot_id": entry.lot_id,
            "source_id": entry.source_id[:128], "offline": entry.offline, "reason": entry.reason,
            "actor": entry.actor[:128], "recorded_at": recorded_at}


def load_ledger(session: Session, member_id: uuid.UUID) -> Ledger:
    """Every entry of the member (for the ledger page, merges, expiry); hot paths use ``load_kept``."""
    rows = session.scalars(select(LedgerEntry).where(LedgerEntry.member_id == member_id)).all()
    return Ledger(str(member_id), tuple(to_entry(row) for row in rows))


def post_entries(session: Session, ledger: Ledger | KeptLedger, entries: Iterable[Entry], now: datetime, *,
                 allow_debt: bool = False) -> KeptLedger:
    """Add ``entries`` to the member's ledger (the pure rules decide) and keep their state in step.

    ``ledger`` is the member's ledger, in full or as kept, read under ``lock_member``. Entries
    whose id is already stored are skipped (a replayed source inserts nothing); one stored with
    a different body is refused (ConflictingEntry). Unless ``allow_debt``, entries that would add
    debt are refused (InsufficientPoints). Returns the state after them, as kept. Inside a journal
    batch the new rows wait for the batch's one insert (``server.membership.batch_work``).
    """
    incoming = unique_entries(entries)
    new = _unstored(session, incoming)
    kept = ledger if isinstance(ledger, KeptLedger) else KeptLedger.of(ledger)
    if not new:
        return kept
    if kept.follows(new):
        state = resume(kept.state, new)
    else:  # a late entry changes history: replay everything once, the batch's waiting rows included
        batch_work.write_rows(session)
        state = load_ledger(session, uuid.UUID(kept.account_id)).apply(new, allow_debt=True).state
    if not allow_debt:
        refuse_new_debt(kept.state, state, new)
    after = KeptLedger(kept.account_id, state, max(filter(None, [kept.last_key, *map(replay_key, new)])))
    writes = batch_work.pending(session)
    if writes is None:
        session.add_all(to_row(entry, now) for entry in new)
    else:
        for entry in new:
            writes.add(LedgerEntry, row_values(entry, now))
    store_kept(session, after)
    session.flush()
    return after


def _unstored(session: Session, incoming: dict[uuid.UUID, Entry]) -> list[Entry]:
    """The entries not stored yet; an id stored with another body is refused."""
    stored = session.scalars(select(LedgerEntry).where(LedgerEntry.id.in_(list(incoming)))).all() if incoming else []
    for row in stored:
        if to_entry(row) != incoming[row.id]:
            raise ConflictingEntry(row.id)
    known = {row.id for row in stored}
    return [entry for entry in incoming.values() if entry.id not in known]


def held_sum(member_id, now: datetime) -> Select:
    """The points reserved by a member's live holds, as a query (a hold past its expiry no longer
    counts); ``member_id`` may be a column of an outer query, for a scalar subquery."""
    return select(func.coalesce(func.sum(Hold.points), 0)).where(
        Hold.member_id == member_id, Hold.status == HELD, Hold.expires_at > now)


def held_points(session: Session, member_id: uuid.UUID, now: datetime,
                excluding: uuid.UUID | None = None) -> int:
    """Points reserved by live holds (a hold past its expiry no longer counts)."""
    query = held_sum(member_id, now)
    if excluding is not None:
        query = query.where(Hold.id != excluding)
    return int(session.scalar(query) or 0)


__all__ = ["HELD", "KeptLedger", "held_points", "load_kept", "load_ledger", "lock_member", "post_entries",
           "to_entry", "to_row"]
