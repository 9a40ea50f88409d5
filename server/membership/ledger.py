"""Persisting the pure ledger: rows <-> `loyalty.entries.Entry`, member locks, posting entries.

``post_entries`` keeps the member's balance and open lots (server.membership.balances) in step
with the entries it adds; callers on hot paths read that (``load_kept``) instead of the ledger.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Select, bindparam, func, insert, select
from sqlalchemy.orm import Session

from loyalty.entries import Entry, EntryKind, replay_key
from loyalty.exceptions import ConflictingEntry
from loyalty.ledger import Ledger, refuse_new_debt, resume, unique_entries
from server.exceptions import NotFound
from server.membership import batch_work
from server.membership.balances import KeptLedger, load_kept, load_kept_with, store_kept
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


def _whole_ledger(session: Session, member_id: uuid.UUID) -> Ledger:
    """Every entry of the member: those stored and, in a journal batch, its rows still waiting (the
    stored ones read without flushing the session first: nothing of the batch waits there for them)."""
    writes = batch_work.pending(session)
    if writes is None:
        return load_ledger(session, member_id)
    with session.no_autoflush:
        stored = load_ledger(session, member_id)
    waiting = tuple(_waiting_entry(values) for values in writes.rows.get(LedgerEntry, ())
                    if values["member_id"] == member_id)
    return Ledger(stored.account_id, stored.entries + waiting)


def _waiting_entry(values: dict) -> Entry:
    """An entry from a row waiting in a journal batch (``row_values``), as ``to_entry`` reads it stored."""
    return Entry(id=values["id"], account_id=str(values["member_id"]), kind=EntryKind(values["kind"]),
                 points=values["points"], at=values["at"], expires_at=values["expires_at"], lot_id=values["lot_id"],
                 source_id=values["source_id"], offline=values["offline"], reason=values["reason"],
                 actor=values["actor"])


def post_entries(session: Session, ledger: Ledger | KeptLedger, entries: Iterable[Entry], now: datetime, *,
                 allow_debt: bool = False, claimed_source: str | None = None) -> KeptLedger:
    """Add ``entries`` to the member's ledger (the pure rules decide) and keep their state in step.

    ``ledger`` is the member's ledger, in full or as kept, read under ``lock_member``. Entries
    whose id is already stored are skipped (a replayed source inserts nothing); one stored with
    a different body is refused (ConflictingEntry). Unless ``allow_debt``, entries that would add
    debt are refused (InsufficientPoints). Returns the state after them, as kept. Inside a journal
    batch the new rows wait for the batch's one insert (``server.membership.batch_work``).
    ``claimed_source``: the id of a transaction this database transaction has just claimed (an
    online sale): entries of that source are known to be unstored without reading them.
    """
    incoming = unique_entries(entries)
    new = _unstored(session, incoming, claimed_source)
    kept = ledger if isinstance(ledger, KeptLedger) else KeptLedger.of(ledger)
    if not new:
        return kept
    after = _kept_after(session, kept, new, allow_debt)
    writes = batch_work.pending(session)
    if writes is None:  # inserted, never changed: no ORM objects to track
        rows = [row_values(entry, now) for entry in new]
        if not batch_work.insert_later(session, LedgerEntry, rows):
            session.execute(insert(LedgerEntry), rows)
    else:
        for entry in new:
            writes.add(LedgerEntry, row_values(entry, now))
    after = store_kept(session, after)
    if writes is None:
        session.flush()
    return after


def _kept_after(session: Session, kept: KeptLedger, new: list[Entry], allow_debt: bool) -> KeptLedger:
    """The kept state after ``new`` (unstored entries), by the cheapest way the pure rules allow."""
    if kept.follows(new) and all(entry.is_credit for entry in new):
        return kept.credited(new)  # credits only repay debt and add lots: no debt to refuse
    if kept.follows(new):
        state = resume(kept.state, new)
    else:  # a late entry changes history: replay everything once, the batch's waiting rows included
        state = _whole_ledger(session, uuid.UUID(kept.account_id)).apply(new, allow_debt=True).state
    if not allow_debt:
        refuse_new_debt(kept.state, state, new)
    return KeptLedger.of_state(state, max(filter(None, [kept.last_key, *map(replay_key, new)])))


def _unstored(session: Session, incoming: dict[uuid.UUID, Entry], claimed_source: str | None = None) -> list[Entry]:
    """The entries not stored yet; an id stored with another body is refused.

    An entry's id derives from its source and purpose (loyalty.ids), so the entries of a source
    whose transaction was claimed in this database transaction cannot be stored: an attempt that
    stored them would have committed the claim with them. They need no look-up.
    """
    if claimed_source is not None and all(entry.source_id == claimed_source for entry in incoming.values()):
        return list(incoming.values())
    stored = _stored(session, incoming)
    for entry in stored:
        if entry != incoming[entry.id]:
            raise ConflictingEntry(entry.id)
    known = {entry.id for entry in stored}
    return [entry for entry in incoming.values() if entry.id not in known]


def _stored(session: Session, incoming: dict[uuid.UUID, Entry]) -> list[Entry]:
    """The stored entries with these ids. An entry's id derives from its source (loyalty.ids), so in
    a journal batch, entries of the batch's own transactions are among those it read by source at
    its start (``read_sources``); only the transaction that claimed its id adds more of them."""
    if not incoming:
        return []
    work = batch_work.pending(session)
    if work is not None and all(entry.source_id[:128] in work.entry_sources for entry in incoming.values()):
        return [work.stored_entries[entry_id] for entry_id in incoming if entry_id in work.stored_entries]
    return [to_entry(row) for row in session.scalars(select(LedgerEntry).where(LedgerEntry.id.in_(list(incoming))))]


def read_sources(session: Session, source_ids: list[str]) -> dict[uuid.UUID, Entry]:
    """The stored entries of these sources (a journal batch's transactions), by id."""
    if not source_ids:
        return {}
    rows = session.scalars(select(LedgerEntry).where(LedgerEntry.source_id.in_(source_ids)))
    return {row.id: to_entry(row) for row in rows}


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


# The points a member's live holds reserve at ``held_at``, as a column of ``load_kept_with``'s statement.
_HELD_NOW = held_sum(bindparam("kept_member"), bindparam("held_at")).scalar_subquery()


def kept_and_held(session: Session, member_id: uuid.UUID, now: datetime) -> tuple[KeptLedger, int]:
    """The member's kept state (``load_kept``) and the points their live holds reserve (``held_points``),
    in one statement when the member has a kept row (outside a journal batch)."""
    found = None if batch_work.pending(session) is not None else load_kept_with(
        session, member_id, _HELD_NOW, {"held_at": now})
    if found is None:
        return load_kept(session, member_id), held_points(session, member_id, now)
    return found[0], int(found[1])


def held_points_of(session: Session, member_ids: list[uuid.UUID], now: datetime) -> dict[uuid.UUID, int]:
    """``held_points`` of each of these members, read at once (members holding none are left out)."""
    return {member_id: int(points) for member_id, points in session.execute(
        select(Hold.member_id, func.sum(Hold.points)).where(
            Hold.member_id.in_(member_ids), Hold.status == HELD, Hold.expires_at > now).group_by(Hold.member_id))}


__all__ = ["HELD", "KeptLedger", "held_points", "held_points_of", "kept_and_held", "load_kept", "load_ledger",
           "lock_member", "post_entries", "read_sources", "to_entry", "to_row"]
