"""Persisting the pure ledger: rows <-> `loyalty.entries.Entry`, member locks, posting entries."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loyalty.entries import Entry, EntryKind
from loyalty.ledger import Ledger
from server.exceptions import NotFound
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
    member = session.scalar(select(Member).where(Member.id == member_id).with_for_update())
    if member is None:
        raise NotFound(f"no member {member_id}")
    return member


def to_entry(row: LedgerEntry) -> Entry:
    return Entry(id=row.id, account_id=str(row.member_id), kind=EntryKind(row.kind), points=row.points,
                 at=row.at, expires_at=row.expires_at, lot_id=row.lot_id, source_id=row.source_id,
                 offline=row.offline, reason=row.reason, actor=row.actor)


def to_row(entry: Entry, recorded_at: datetime) -> LedgerEntry:
    return LedgerEntry(id=entry.id, member_id=uuid.UUID(entry.account_id), kind=entry.kind.value,
                       points=entry.points, at=entry.at, expires_at=entry.expires_at,
                       lot_id=entry.lot_id, source_id=entry.source_id[:128], offline=entry.offline,
                       reason=entry.reason, actor=entry.actor[:128], recorded_at=recorded_at)


def load_ledger(session: Session, member_id: uuid.UUID) -> Ledger:
    rows = session.scalars(select(LedgerEntry).where(LedgerEntry.member_id == member_id)).all()
    return Ledger(str(member_id), tuple(to_entry(row) for row in rows))


def post_entries(session: Session, ledger: Ledger, entries: Iterable[Entry], now: datetime, *,
                 allow_debt: bool = False) -> Ledger:
    """Apply ``entries`` to ``ledger`` (the pure rules decide) and add the new ones as rows.

    Entries whose id the ledger already holds are skipped: a replayed source inserts nothing.
    """
    entries = list(entries)
    known = set(ledger.ids)
    updated = ledger.apply(entries, allow_debt=allow_debt)
    for entry in entries:
        if entry.id not in known:
            session.add(to_row(entry, now))
            known.add(entry.id)
    session.flush()
    return updated


def held_points(session: Session, member_id: uuid.UUID, now: datetime,
                excluding: uuid.UUID | None = None) -> int:
    """Points reserved by live holds (a hold past its expiry no longer counts)."""
    query = select(func.coalesce(func.sum(Hold.points), 0)).where(
        Hold.member_id == member_id, Hold.status == HELD, Hold.expires_at > now)
    if excluding is not None:
        query = query.where(Hold.id != excluding)
    return int(session.scalar(query) or 0)
