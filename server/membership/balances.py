"""Balances and open lots kept in step with the ledger, so cost does not grow with a member's history.

``post_entries`` updates a member's ``member_balances`` row in the transaction that adds the
entries: entries that replay after the latest one continue from the kept state
(loyalty.ledger.resume); an entry that arrives late, with an earlier time, changes history, so
the member's entries are replayed in full once and the row rewritten. Sales read the row instead
of the whole ledger; look-ups read only its figures (``kept_figures``), not its open lots.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty.entries import Entry, replay_key
from loyalty.ledger import Ledger, LedgerState, Lot
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
    query = select(MemberBalance).where(MemberBalance.member_id == member_id)
    row = session.scalar(query.with_for_update() if for_update else query)
    if row is None:
        return KeptLedger(str(member_id), LedgerState(account_id=str(member_id)), None)
    return _from_row(row)


def store_kept(session: Session, kept: KeptLedger) -> None:
    """Write the kept state (insert or replace) in the caller's transaction."""
    member_id = uuid.UUID(kept.account_id)
    row = session.get(MemberBalance, member_id) or MemberBalance(member_id=member_id)
    for name, value in kept_columns(kept).items():
        setattr(row, name, value)
    session.add(row)


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
    row = session.execute(select(MemberBalance.balance, MemberBalance.debt, MemberBalance.open_points,
                                 MemberBalance.first_expiry).where(MemberBalance.member_id == member_id)).first()
    if row is None:
        return KeptFigures(0, 0, 0)
    balance, debt, open_points, first_expiry = row
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
