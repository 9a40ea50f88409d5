"""Balances and open lots kept in step with the ledger, so cost does not grow with a member's history.

``post_entries`` updates a member's ``member_balances`` row in the transaction that adds the
entries: entries that replay after the latest one continue from the kept state
(loyalty.ledger.resume); an entry that arrives late, with an earlier time, changes history, so
the member's entries are replayed in full once and the row rewritten. Sales read the row instead
of the whole ledger; look-ups read only its figures (``kept_figures``), not its open lots. A journal
batch reads the rows of its sales' members once, with their locks (``read_locked``), keeps their
state in memory as its items change it, and writes the changed rows at its end (``write_kept``);
nobody else changes them while the locks are held.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from loyalty.entries import Entry, replay_key
from loyalty.ledger import Ledger, LedgerState, Lot
from server.membership import batch_work
from server.models import MemberBalance


@dataclass(frozen=True)
class KeptLedger:
    """A member's ledger state as kept (open lots only), and the replay key of its latest entry."""

    account_id: str
    state: LedgerState
    last_key: tuple | None

    @classmethod
    def of(cls, ledger: Ledger) -> KeptLedger:
        last = replay_key(ledger.entries[-1]) if ledger.entries else None
        return cls(ledger.account_id, ledger.state, last)

    def follows(self, entries: list[Entry]) -> bool:
        """True if every entry replays after everything kept, so the state can simply continue."""
        return self.last_key is None or all(replay_key(e) > self.last_key for e in entries)


def load_kept(session: Session, member_id: uuid.UUID, *, for_update: bool = False) -> KeptLedger:
    """The member's kept state; a member without a row has no entries (rows are kept from the first)."""
    work = _batch_of(session, member_id)
    if work is not None:
        return work.kept.get(member_id) or _nothing_kept(member_id)
    query = select(MemberBalance).where(MemberBalance.member_id == member_id)
    row = session.scalar(query.with_for_update() if for_update else query)
    if row is None:
        return _nothing_kept(member_id)
    return _from_row(row)


def store_kept(session: Session, kept: KeptLedger) -> None:
    """Write the kept state (insert or replace) in the caller's transaction; in a journal batch,
    for its locked members, at its end (``write_kept``)."""
    member_id = uuid.UUID(kept.account_id)
    work = _batch_of(session, member_id)
    if work is not None:
        work.kept[member_id] = kept
        return
    # An UPDATE first, an INSERT only for a member who has no row yet: ``load_kept`` keeps no ORM
    # row alive, so looking the row up again here would cost a SELECT before the UPDATE. The
    # caller holds the member's lock (``lock_member``), so no one inserts the row meanwhile.
    columns = kept_columns(kept)
    updated = session.execute(update(MemberBalance).where(MemberBalance.member_id == member_id).values(**columns))
    if updated.rowcount == 0:
        session.execute(insert(MemberBalance).values(member_id=member_id, **columns))


def read_locked(session: Session, member_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, KeptLedger]:
    """The kept state of the members a journal batch has locked (those with a row), read at once."""
    rows = session.scalars(select(MemberBalance).where(MemberBalance.member_id.in_(member_ids)))
    return {row.member_id: _from_row(row) for row in rows}


def write_kept(session: Session) -> None:
    """Write what a journal batch kept for its locked members and changed: one UPDATE (executemany)
    for the rows it read, one INSERT for members who had none."""
    work = batch_work.pending(session)
    changed = {member_id: kept for member_id, kept in work.kept.items() if kept is not work.kept_read.get(member_id)}
    rows = [{"member_id": member_id, **kept_columns(kept)} for member_id, kept in changed.items()]
    updates = [row for row in rows if row["member_id"] in work.kept_read]
    inserts = [row for row in rows if row["member_id"] not in work.kept_read]
    if updates:
        session.execute(update(MemberBalance), updates)
    if inserts:
        session.execute(insert(MemberBalance), inserts)
    work.kept_read = dict(work.kept)


def _batch_of(session: Session, member_id: uuid.UUID) -> batch_work.BatchWork | None:
    """The journal batch that locked this member (their kept state is then in ``work.kept``), or None."""
    work = batch_work.pending(session)
    return work if work is not None and member_id in work.locked else None


def _nothing_kept(member_id: uuid.UUID) -> KeptLedger:
    return KeptLedger(str(member_id), LedgerState(account_id=str(member_id)), None)


def kept_columns(kept: KeptLedger) -> dict:
    """The ``member_balances`` columns (but the member's id) that hold the kept state; bulk loads
    (``server.demo.generator``) write the same columns without a session."""
    state, open_lots = kept.state, kept.state.open_lots()
    return {"balance": state.balance, "debt": state.debt, "lot_shortfall": state.lot_shortfall,
            "lots": [[str(lot.lot_id), lot.credited_at.isoformat(), lot.expires_at and lot.expires_at.isoformat(),
                      lot.points, lot.remaining] for lot in open_lots],
            "last_key": _encode_key(kept.last_key),
            "open_points": sum(lot.remaining for lot in open_lots),
            "first_expiry": min((lot.expires_at for lot in open_lots if lot.expires_at is not None), default=None)}


@dataclass(frozen=True)
class KeptFigures:
    """What a look-up shows of a member's points: the balance, the debt and what may be spent at a time."""

    balance: int
    debt: int
    available: int


def kept_figures(session: Session, member_id: uuid.UUID, at: datetime) -> KeptFigures:
    """The member's figures at ``at`` from the kept row's columns, without decoding its open lots.

    Until the first open lot expires every open lot is alive, so what may be spent is the open
    points less the debt (as loyalty.ledger.LedgerState.available computes it from the lots). Past
    that instant, before the expiry job has written the expiry entries, the lots are decoded.
    """
    work = _batch_of(session, member_id)
    if work is None:
        row = session.execute(select(*FIGURE_COLUMNS).where(MemberBalance.member_id == member_id)).first()
        columns = None if row is None else tuple(row)
    else:
        kept = work.kept.get(member_id)
        figures = kept and kept_columns(kept)
        columns = figures and (figures["balance"], figures["debt"], figures["open_points"], figures["first_expiry"])
    return figures_from(session, member_id, columns or None, at)


# The kept row's columns ``kept_figures`` reads; a caller that reads them with other things
# (the card look-up, in one statement) passes them to ``figures_from``.
FIGURE_COLUMNS = (MemberBalance.balance, MemberBalance.debt, MemberBalance.open_points, MemberBalance.first_expiry)


def figures_from(session: Session, member_id: uuid.UUID, columns: tuple | None, at: datetime) -> KeptFigures:
    """``kept_figures`` from the FIGURE_COLUMNS already read (None: the member has no row)."""
    if columns is None or columns[0] is None:
        return KeptFigures(0, 0, 0)
    balance, debt, open_points, first_expiry = columns
    if first_expiry is None or at < first_expiry:
        return KeptFigures(balance, debt, max(0, open_points - debt))
    return KeptFigures(balance, debt, load_kept(session, member_id).state.available(at))


KEPT_COLUMNS = (MemberBalance.member_id, MemberBalance.balance, MemberBalance.debt, MemberBalance.lot_shortfall,
                MemberBalance.lots, MemberBalance.last_key)


def kept_states(session: Session, member_ids: Sequence[uuid.UUID]) -> list[LedgerState]:
    """The kept states of those of ``member_ids`` who have a row, in one query (reports' roll-ups)."""
    query = select(*KEPT_COLUMNS).where(MemberBalance.member_id.in_(member_ids))
    return [_from_row(row).state for row in session.execute(query)]


def every_kept_state(session: Session, per_read: int) -> Iterator[list[LedgerState]]:
    """Every member's kept state, ``per_read`` members a query, in member id order."""
    last = None
    while True:
        query = select(*KEPT_COLUMNS).order_by(MemberBalance.member_id).limit(per_read)
        rows = session.execute(query if last is None else query.where(MemberBalance.member_id > last)).all()
        if not rows:
            return
        yield [_from_row(row).state for row in rows]
        last = rows[-1].member_id


def _from_row(row) -> KeptLedger:
    """A ``member_balances`` row (or a row of its ``KEPT_COLUMNS``) as the kept ledger."""
    lots = tuple(Lot(UUID(lot_id), datetime.fromisoformat(credited), expires and datetime.fromisoformat(expires),
                     points, remaining) for lot_id, credited, expires, points, remaining in row.lots)
    state = LedgerState(account_id=str(row.member_id), balance=row.balance, debt=row.debt, lots=lots,
                        lot_shortfall=row.lot_shortfall)
    return KeptLedger(str(row.member_id), state, _decode_key(row.last_key))


def _encode_key(key: tuple | None) -> list | None:
    if key is None:
        return None
    at, credit_rank, kind_rank, entry_id = key
    return [at.isoformat(), credit_rank, kind_rank, str(entry_id)]


def _decode_key(raw: list | None) -> tuple | None:
    if raw is None:
        return None
    at, credit_rank, kind_rank, entry_id = raw
    return (datetime.fromisoformat(at), credit_rank, kind_rank, UUID(entry_id))
