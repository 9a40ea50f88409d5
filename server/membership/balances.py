"""Balances and open lots kept in step with the ledger, so cost does not grow with a member's history.

``post_entries`` updates a member's ``member_balances`` row in the transaction that adds the
entries. Credits that replay after the latest entry (a member's sale, most of the time) only add
lots (loyalty.ledger.credit_lots): the balance, debt, open points and first expiry change by
arithmetic and the new lots join the row's short ``lot_tail``, so the older lots are neither read
nor decoded nor written. Other entries that replay after the latest one continue from the kept
state (loyalty.ledger.resume), which decodes the lots; an entry that arrives late, with an earlier
time, changes history, so the member's entries are replayed in full once and the row rewritten.
Look-ups read only the row's figures (``kept_figures``), not its open lots. A journal batch reads
the rows of its sales' members once, with their locks (``read_locked``), keeps their state in
memory as its items change it, and writes the changed rows at its end (``write_kept``); nobody
else changes them while the locks are held.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from loyalty.entries import Entry, replay_key
from loyalty.ledger import Ledger, LedgerState, Lot, credit_lots, fifo_key
from server.membership import batch_work
from server.models import MemberBalance

# The most lots ``lot_tail`` holds: a credit that would make it longer moves the tail into ``lots``
# (one read and one write of every open lot, once every so many sales, instead of on each).
TAIL_LIMIT = 32


@dataclass(frozen=True)
class KeptLedger:
    """A member's ledger as kept: its figures, its open lots, and the replay key of its latest entry.

    The open lots are the row's ``lots`` and ``lot_tail`` columns, as stored (encoded), and are
    decoded only when ``state`` is asked for. ``lots`` may be unread (None): ``read_lots`` then
    reads the row's column when first needed, in the session that read the row, so a state read
    that way is for use in that session. ``lots_written`` says whether the row's ``lots`` column
    must be written (changed since read) or only the figures and the tail.
    """

    account_id: str
    balance: int
    debt: int
    lot_shortfall: int
    open_points: int
    first_expiry: datetime | None
    last_key: tuple | None
    lots: list | None
    tail: tuple = ()
    lots_written: bool = False
    read_lots: Callable[[], list] | None = field(default=None, repr=False, compare=False)
    decoded: LedgerState | None = field(default=None, repr=False, compare=False)

    @classmethod
    def of(cls, ledger: Ledger) -> KeptLedger:
        last = replay_key(ledger.entries[-1]) if ledger.entries else None
        return cls.of_state(ledger.state, last)

    @classmethod
    def of_state(cls, state: LedgerState, last_key: tuple | None) -> KeptLedger:
        """A state computed from entries (replayed or resumed), to be written whole."""
        open_lots = state.open_lots()
        return cls(state.account_id, state.balance, state.debt, state.lot_shortfall,
                   sum(lot.remaining for lot in open_lots),
                   min((lot.expires_at for lot in open_lots if lot.expires_at is not None), default=None),
                   last_key, [_encode_lot(lot) for lot in open_lots], (), True, decoded=state)

    @property
    def state(self) -> LedgerState:
        """The kept state with its open lots decoded (once), first-expiring first."""
        if self.decoded is None:
            lots = [*self._stored_lots(), *self.tail]
            object.__setattr__(self, "decoded", LedgerState(
                account_id=self.account_id, balance=self.balance, debt=self.debt, lot_shortfall=self.lot_shortfall,
                lots=tuple(sorted(map(_decode_lot, lots), key=fifo_key))))
        return self.decoded

    def available(self, at: datetime) -> int:
        """What may be spent at ``at`` (loyalty.ledger.LedgerState.available), decoding the lots only
        once the first of them has expired."""
        figure = _available(self.open_points, self.debt, self.first_expiry, at)
        return self.state.available(at) if figure is None else figure

    def follows(self, entries: list[Entry]) -> bool:
        """True if every entry replays after everything kept, so the state can simply continue."""
        return self.last_key is None or all(replay_key(e) > self.last_key for e in entries)

    def credited(self, credits: list[Entry]) -> KeptLedger:
        """The state after ``credits``, which all replay after everything kept: figures changed by
        arithmetic and the credits' lots added to the tail; the other lots untouched."""
        added = credit_lots(self.account_id, self.debt, credits)
        expiries = [lot.expires_at for lot in added.lots if lot.expires_at is not None]
        after = replace(self, balance=self.balance + added.points, debt=added.debt,
                        open_points=self.open_points + sum(lot.remaining for lot in added.lots),
                        first_expiry=min(filter(None, [self.first_expiry, *expiries]), default=None),
                        last_key=max(filter(None, [self.last_key, *map(replay_key, credits)])),
                        tail=(*self.tail, *map(_encode_lot, added.lots)), decoded=None)
        if len(after.tail) <= TAIL_LIMIT:
            return after
        return replace(after, lots=[*after._stored_lots(), *after.tail], tail=(), lots_written=True)

    def _stored_lots(self) -> list:
        if self.lots is None:
            object.__setattr__(self, "lots", self.read_lots())
        return self.lots

    def as_written(self) -> KeptLedger:
        """This state once its row holds it: nothing of its ``lots`` is left to write."""
        return replace(self, lots_written=False) if self.lots_written else self


def load_kept(session: Session, member_id: uuid.UUID, *, for_update: bool = False) -> KeptLedger:
    """The member's kept state; a member without a row has no entries (rows are kept from the first).
    The open lots in the row's ``lots`` column are read when first needed (``KeptLedger.state``)."""
    work = _batch_of(session, member_id)
    if work is not None:
        return work.kept.get(member_id) or _nothing_kept(member_id)
    query = select(*KEPT_FIGURES).where(MemberBalance.member_id == member_id)
    row = session.execute(query.with_for_update() if for_update else query).first()
    if row is None:
        return _nothing_kept(member_id)
    return _from_row(row, _lots_reader(session, member_id))


def load_kept_with(session: Session, member_id: uuid.UUID, column, params: dict[str, Any]
                   ) -> tuple[KeptLedger, Any] | None:
    """``load_kept`` outside a journal batch, with ``column`` (a scalar subquery, built once by the
    caller, with ``params`` for its bound parameters; ``kept_member`` is the member's id) read by
    the same statement; None when the member has no row (nor entries)."""
    row = session.execute(_kept_with(column), {"kept_member": member_id, **params}).first()
    if row is None:
        return None
    batch_work.keep_read(session, (_ROW_READ, member_id), True)
    return _from_row(row, _lots_reader(session, member_id)), row.extra


_ROW_READ = "kept row read"


@cache
def _kept_with(column):
    """Built once per column (a statement built anew costs its construction and cache key each time)."""
    return select(*KEPT_FIGURES, column.label("extra")).where(MemberBalance.member_id == bindparam("kept_member"))


@cache
def _kept_update(names: tuple[str, ...]):
    """UPDATE of the named columns of one member's row, its values given as parameters (``kept_<name>``,
    ``kept_member_id``): built once per set of columns, so a sale's end write can be kept whole
    (``batch_work``)."""
    table = MemberBalance.__table__
    return update(table).where(table.c.member_id == bindparam("kept_member_id")).values(
        {table.c[name]: bindparam(f"kept_{name}", type_=table.c[name].type) for name in names})


def store_kept(session: Session, kept: KeptLedger) -> KeptLedger:
    """Write the kept state (insert or replace) in the caller's transaction; in a journal batch,
    for its locked members, at its end (``write_kept``). Returns it as written."""
    member_id = uuid.UUID(kept.account_id)
    work = _batch_of(session, member_id)
    if work is not None:
        work.kept[member_id] = kept
        return kept
    # An UPDATE first, an INSERT only for a member who has no row yet: ``load_kept`` keeps no ORM
    # row alive, so looking the row up again here would cost a SELECT before the UPDATE. The
    # caller holds the member's lock (``lock_member``), so no one inserts the row meanwhile.
    columns = _changed_columns(kept)
    statement = _kept_update(tuple(columns))
    params = {"kept_member_id": member_id, **{f"kept_{name}": value for name, value in columns.items()}}
    # A sale posted online that read the row (``load_kept_with``) updates it at its end, with its other rows.
    if batch_work.was_read(session, (_ROW_READ, member_id)) and batch_work.write_later(
            session, (MemberBalance, member_id), statement, params):
        return kept.as_written()
    updated = session.execute(statement, params)
    if updated.rowcount == 0:
        session.execute(insert(MemberBalance).values(member_id=member_id, **_row_columns(kept)))
    return kept.as_written()


def read_locked(session: Session, member_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, KeptLedger]:
    """The kept state of the members a journal batch has locked (those with a row), read at once;
    a member's ``lots`` column is read when one of its items needs it."""
    rows = session.execute(select(*KEPT_FIGURES).where(MemberBalance.member_id.in_(member_ids)))
    return {row.member_id: _from_row(row, _lots_reader(session, row.member_id)) for row in rows}


def write_kept(session: Session) -> None:
    """Write what a journal batch kept for its locked members and changed: one UPDATE (executemany)
    for the rows whose lots changed, one for those that only gained a tail, one INSERT for members
    who had none."""
    work = batch_work.pending(session)
    changed = {member_id: kept for member_id, kept in work.kept.items() if kept is not work.kept_read.get(member_id)}
    inserts = [{"member_id": member_id, **_row_columns(kept)} for member_id, kept in changed.items()
               if member_id not in work.kept_read]
    updates = [{"member_id": member_id, **_changed_columns(kept)} for member_id, kept in changed.items()
               if member_id in work.kept_read]
    for rows in ([row for row in updates if "lots" in row], [row for row in updates if "lots" not in row]):
        if rows:
            session.execute(update(MemberBalance), rows)
    if inserts:
        session.execute(insert(MemberBalance), inserts)
    work.kept = {member_id: kept.as_written() for member_id, kept in work.kept.items()}
    work.kept_read = dict(work.kept)


def _batch_of(session: Session, member_id: uuid.UUID) -> batch_work.BatchWork | None:
    """The journal batch that locked this member (their kept state is then in ``work.kept``), or None."""
    work = batch_work.pending(session)
    return work if work is not None and member_id in work.locked else None


def _nothing_kept(member_id: uuid.UUID) -> KeptLedger:
    return KeptLedger(str(member_id), 0, 0, 0, 0, None, None, [])


def _lots_reader(session: Session, member_id: uuid.UUID) -> Callable[[], list]:
    """Reads the row's ``lots`` column when a state needs them (the caller holds the member's lock)."""
    return lambda: session.scalar(select(MemberBalance.lots).where(MemberBalance.member_id == member_id))


def _changed_columns(kept: KeptLedger) -> dict:
    """The columns to update: every one when the lots were rewritten, else all but ``lots``."""
    columns = _row_columns(kept)
    if not kept.lots_written:
        del columns["lots"]
    return columns


def _row_columns(kept: KeptLedger) -> dict:
    return {"balance": kept.balance, "debt": kept.debt, "lot_shortfall": kept.lot_shortfall,
            "lots": kept.lots, "lot_tail": list(kept.tail), "last_key": _encode_key(kept.last_key),
            "open_points": kept.open_points, "first_expiry": kept.first_expiry}


def kept_columns(kept: KeptLedger) -> dict:
    """The ``member_balances`` columns (but the member's id) that hold a state computed from
    entries (``KeptLedger.of``); bulk loads (``server.demo.generator``) write the same columns
    without a session."""
    return _row_columns(KeptLedger.of_state(kept.state, kept.last_key))


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
        return figures_from(session, member_id, None if row is None else tuple(row), at)
    kept = work.kept.get(member_id)
    return KeptFigures(0, 0, 0) if kept is None else KeptFigures(kept.balance, kept.debt, kept.available(at))


# The kept row's columns ``kept_figures`` reads; a caller that reads them with other things
# (the card look-up, in one statement) passes them to ``figures_from``.
FIGURE_COLUMNS = (MemberBalance.balance, MemberBalance.debt, MemberBalance.open_points, MemberBalance.first_expiry)


def figures_from(session: Session, member_id: uuid.UUID, columns: tuple | None, at: datetime) -> KeptFigures:
    """``kept_figures`` from the FIGURE_COLUMNS already read (None: the member has no row)."""
    if columns is None or columns[0] is None:
        return KeptFigures(0, 0, 0)
    balance, debt, open_points, first_expiry = columns
    available = _available(open_points, debt, first_expiry, at)
    return KeptFigures(balance, debt, load_kept(session, member_id).available(at) if available is None else available)


def _available(open_points: int, debt: int, first_expiry: datetime | None, at: datetime) -> int | None:
    """What may be spent at ``at`` from the kept figures alone, or None once the first open lot has
    expired (then only the lots tell which are alive)."""
    if first_expiry is None or at < first_expiry:
        return max(0, open_points - debt)
    return None


# What a sale reads of the kept row: all but the ``lots`` column, which only debits and late
# entries need (``KeptLedger.state`` reads it then).
KEPT_FIGURES = (MemberBalance.member_id, MemberBalance.balance, MemberBalance.debt, MemberBalance.lot_shortfall,
                MemberBalance.open_points, MemberBalance.first_expiry, MemberBalance.last_key, MemberBalance.lot_tail)
KEPT_COLUMNS = (*KEPT_FIGURES, MemberBalance.lots)


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


def _from_row(row, read_lots: Callable[[], list] | None = None) -> KeptLedger:
    """A row of ``KEPT_COLUMNS`` (lots read) or of ``KEPT_FIGURES`` with the reader of its lots."""
    lots = row.lots if read_lots is None else None
    return KeptLedger(str(row.member_id), row.balance, row.debt, row.lot_shortfall, row.open_points, row.first_expiry,
                      _decode_key(row.last_key), lots, tuple(row.lot_tail), read_lots=read_lots)


def _encode_lot(lot: Lot) -> list:
    return [str(lot.lot_id), lot.credited_at.isoformat(), lot.expires_at and lot.expires_at.isoformat(),
            lot.points, lot.remaining]


def _decode_lot(raw: list) -> Lot:
    lot_id, credited, expires, points, remaining = raw
    return Lot(UUID(lot_id), datetime.fromisoformat(credited), expires and datetime.fromisoformat(expires),
               points, remaining)


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
