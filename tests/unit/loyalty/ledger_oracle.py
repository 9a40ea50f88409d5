"""The ledger replay as it was before it walked a heap: every unaimed debit sorts every lot alive at
its time and takes from them in turn (work grows with entries times lots). Kept only as the oracle
``loyalty.ledger.replay`` and ``resume`` must equal (tests/unit/loyalty/test_ledger_replay_cost.py)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from uuid import UUID

from loyalty.entries import Entry, replay_key
from loyalty.exceptions import ForeignEntry
from loyalty.ledger import LedgerState, Lot, fifo_key, unique_entries


class RescanBook:
    def __init__(self) -> None:
        self.lots: dict[UUID, Lot] = {}
        self.debt = 0
        self.shortfall = 0

    def credit(self, entry: Entry) -> None:
        repaid = min(self.debt, entry.points)
        self.debt -= repaid
        if entry.points > repaid:
            left = entry.points - repaid
            self.lots[entry.id] = Lot(entry.id, entry.at, entry.expires_at, left, left)

    def debit(self, entry: Entry) -> None:
        wanted = -entry.points
        if entry.lot_id is not None:
            taken = self._take(entry.lot_id, wanted)
            self.shortfall += wanted - taken
            self.debt += wanted - taken
            return
        alive = sorted((lot for lot in self.lots.values() if lot.alive_at(entry.at)), key=fifo_key)
        for lot in alive:
            wanted -= self._take(lot.lot_id, wanted)
        self.debt += wanted

    def _take(self, lot_id: UUID, wanted: int) -> int:
        lot = self.lots.get(lot_id)
        if lot is None or wanted <= 0:
            return 0
        taken = min(lot.remaining, wanted)
        self.lots[lot_id] = replace(lot, remaining=lot.remaining - taken)
        return taken


def rescan_replay(account_id: str, entries: Iterable[Entry], start: LedgerState | None = None) -> LedgerState:
    """The old ``replay`` (``start`` None) or ``resume`` (from ``start``)."""
    unique = unique_entries(entries)
    book = RescanBook()
    if start is not None:
        book.lots = {lot.lot_id: lot for lot in start.lots}
        book.debt, book.shortfall = start.debt, start.lot_shortfall
    for entry in sorted(unique.values(), key=replay_key):
        if entry.account_id != account_id:
            raise ForeignEntry(entry.id, entry.account_id, account_id)
        if entry.is_credit:
            book.credit(entry)
        else:
            book.debit(entry)
    return LedgerState(
        account_id=account_id,
        balance=(start.balance if start else 0) + sum(entry.points for entry in unique.values()),
        debt=book.debt,
        lots=tuple(sorted(book.lots.values(), key=fifo_key)),
        lot_shortfall=book.shortfall,
    )
