"""The points ledger: the balance, debt and lots an account's entries add up to.

Invariants (enforced here, relied on everywhere):

* Every change of points is an `Entry`; nothing is ever overwritten. `balance` is the sum of the
  entries' points.
* An entry's id comes from its source (`loyalty.ids.entry_id`), and the ledger keeps one entry per
  id: applying the same entry again is a no-op; the same id with a different body is refused.
* The state is a pure function of the SET of entries: they are replayed in the order of
  `replay_key` (effective time, credits before debits, kind, id), never in arrival order. Any
  permutation of the same entries, with duplicates, gives the same balance, debt and lots.
* A credit first repays debt, then forms a lot with the credit's expiry. A debit takes points from
  the lots alive at its time, first-expiring first; what it cannot cover becomes debt.
* A debit aimed at one lot (`lot_id`: an expiry or a merge transfer) takes only from that lot, and
  never more than is left of it. If the lot has less left than the entry says (a late entry
  changed history before it), the excess becomes debt and is counted in `lot_shortfall` so the
  server can reconcile it.
* `balance == sum(lot.remaining) - debt` at all times.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from uuid import UUID

from loyalty.entries import Entry, replay_key
from loyalty.exceptions import ConflictingEntry, ForeignEntry, InsufficientPoints, InvalidValue
from loyalty.guards import require_utc


@dataclass(frozen=True)
class Lot:
    """Points credited together, expiring together.

    Attributes:
        lot_id: the id of the credit entry that formed the lot.
        credited_at: the credit's effective time.
        expires_at: when what is left expires (None: never).
        points: what the lot started with (the credit less the debt it repaid).
        remaining: what is left of it.
    """

    lot_id: UUID
    credited_at: datetime
    expires_at: datetime | None
    points: int
    remaining: int

    def alive_at(self, at: datetime) -> bool:
        """True if the lot has not expired at `at` (the expiry instant itself is past it)."""
        return self.expires_at is None or at < self.expires_at


def fifo_key(lot: Lot) -> tuple:
    """First-expiring first; lots that never expire last; ties by credit time, then id."""
    return (lot.expires_at is None, lot.expires_at or lot.credited_at, lot.credited_at, lot.lot_id)


@dataclass(frozen=True)
class LedgerState:
    """An account's points as its entries add up.

    Attributes:
        balance: the sum of all entries (may be negative when there is debt).
        debt: points owed from debits nothing covered; repaid first by the next credits.
        lots: every lot formed, in first-expiring-first order, including exhausted ones.
        lot_shortfall: points that lot-aimed debits named but their lot no longer had.
    """

    account_id: str
    balance: int = 0
    debt: int = 0
    lots: tuple[Lot, ...] = ()
    lot_shortfall: int = 0

    def available(self, at: datetime) -> int:
        """Points that can be spent at `at`: lots alive then, less debt, never below zero."""
        at = require_utc(at, "at")
        alive = sum(lot.remaining for lot in self.lots if lot.alive_at(at))
        return max(0, alive - self.debt)

    def open_lots(self) -> tuple[Lot, ...]:
        """Lots with points left, first-expiring first."""
        return tuple(lot for lot in self.lots if lot.remaining > 0)


def form_lot(credit: Entry, debt: int) -> tuple[Lot | None, int]:
    """What a credit does: it repays ``debt`` first and forms a lot of what is left.

    Returns the lot (None when the debt took every point) and the debt left. It touches no lot
    already formed, which is what lets `credit_lots` add credits to a state without its lots.

    Example: a credit of 120 points with 50 owed repays the 50 and forms a lot of 70; the debt is 0.
    """
    repaid = min(debt, credit.points)
    left = credit.points - repaid
    lot = Lot(credit.id, credit.at, credit.expires_at, left, left) if left > 0 else None
    return lot, debt - repaid


@dataclass(frozen=True)
class Credited:
    """What credits added to an account (`credit_lots`).

    Attributes:
        points: the credits' sum, which the balance grows by.
        debt: the debt left after they repaid what they could.
        lots: the lots they formed, first-expiring first.
    """

    points: int
    debt: int
    lots: tuple[Lot, ...]


def credit_lots(account_id: str, debt: int, credits: Iterable[Entry]) -> Credited:
    """The credits' effect on an account owing ``debt``, without the account's lots.

    Credits change no lot already formed (`form_lot`), so when every one replays after the
    account's other entries, ``resume(state, credits)`` is ``state`` with the balance grown by
    ``points``, the debt set to ``debt`` and ``lots`` added; this computes exactly that part.

    Raises:
        ConflictingEntry: two entries share an id but differ.
        ForeignEntry: an entry belongs to another account.
        InvalidValue: an entry is a debit (debits take from the lots: use `resume`).
    """
    unique = unique_entries(credits)
    formed = []
    for entry in sorted(unique.values(), key=replay_key):
        if entry.account_id != account_id:
            raise ForeignEntry(entry.id, entry.account_id, account_id)
        if not entry.is_credit:
            raise InvalidValue("entry", entry.id, "a debit takes from the lots: resume the state instead")
        lot, debt = form_lot(entry, debt)
        formed += [lot] if lot is not None else []
    return Credited(sum(e.points for e in unique.values()), debt, tuple(sorted(formed, key=fifo_key)))


class _Book:
    """The mutable scratchpad of one replay; never escapes `replay` or `resume`.

    Entries arrive in `replay_key` order, so their times never go back. A debit that is not aimed
    at a lot therefore walks the lots with points left in first-expiring-first order (a heap keyed
    by `fifo_key`) and drops for good each one it finds exhausted or expired: no later debit could
    take from it either. Each lot is pushed once and dropped at most once, so a replay visits lots
    in proportion to its entries, not to entries times lots (``tests/unit/loyalty`` keeps the
    earlier rescan-every-lot replay as the oracle this one must equal).
    """

    def __init__(self, lots: Iterable[Lot] = (), debt: int = 0, shortfall: int = 0) -> None:
        self.lots: dict[UUID, Lot] = {lot.lot_id: lot for lot in lots}
        self.remaining: dict[UUID, int] = {lot_id: lot.remaining for lot_id, lot in self.lots.items()}
        self.queue: list[tuple[tuple, UUID]] = [(fifo_key(lot), lot.lot_id) for lot in self.lots.values()
                                                if lot.remaining > 0]
        heapq.heapify(self.queue)
        self.debt = debt
        self.shortfall = shortfall

    def credit(self, entry: Entry) -> None:
        lot, self.debt = form_lot(entry, self.debt)
        if lot is not None:
            self.lots[entry.id], self.remaining[entry.id] = lot, lot.remaining
            heapq.heappush(self.queue, (fifo_key(lot), entry.id))

    def debit(self, entry: Entry) -> None:
        wanted = -entry.points
        if entry.lot_id is not None:
            taken = self._take(entry.lot_id, wanted)
            self.shortfall += wanted - taken
            self.debt += wanted - taken
            return
        while wanted > 0 and self.queue:
            lot_id = self.queue[0][1]
            if self.remaining[lot_id] == 0 or not self.lots[lot_id].alive_at(entry.at):
                heapq.heappop(self.queue)  # exhausted, or expired for this debit and every later one
                continue
            wanted -= self._take(lot_id, wanted)
        self.debt += wanted

    def _take(self, lot_id: UUID, wanted: int) -> int:
        left = self.remaining.get(lot_id)
        if left is None or wanted <= 0:
            return 0
        taken = min(left, wanted)
        self.remaining[lot_id] = left - taken
        return taken

    def state(self, account_id: str, balance: int) -> LedgerState:
        lots = (replace(lot, remaining=left) if lot.remaining != (left := self.remaining[lot.lot_id]) else lot
                for lot in self.lots.values())
        return LedgerState(account_id=account_id, balance=balance, debt=self.debt,
                           lots=tuple(sorted(lots, key=fifo_key)), lot_shortfall=self.shortfall)


def unique_entries(entries: Iterable[Entry]) -> dict[UUID, Entry]:
    """Return the entries by id, one per id.

    Raises:
        ConflictingEntry: two entries share an id but differ.
    """
    by_id: dict[UUID, Entry] = {}
    for entry in entries:
        known = by_id.setdefault(entry.id, entry)
        if known != entry:
            raise ConflictingEntry(entry.id)
    return by_id


def resume(state: LedgerState, entries: Iterable[Entry]) -> LedgerState:
    """Continue a replay: the state after ``entries``, which all replay after those ``state`` came from.

    The same rules as `replay`, starting from the lots, debt and shortfall already reached, so
    ``resume(replay(a, old), new) == replay(a, old + new)`` (up to exhausted lots, which ``state``
    may leave out) whenever every new entry's `replay_key` is greater than every old one's. The
    caller checks that order (an entry arriving late, with an earlier time, needs a full replay).

    Raises:
        ConflictingEntry: two entries share an id but differ.
        ForeignEntry: an entry belongs to another account.
    """
    unique = unique_entries(entries)
    book = _Book(state.lots, state.debt, state.lot_shortfall)
    for entry in sorted(unique.values(), key=replay_key):
        if entry.account_id != state.account_id:
            raise ForeignEntry(entry.id, entry.account_id, state.account_id)
        if entry.is_credit:
            book.credit(entry)
        else:
            book.debit(entry)
    return book.state(state.account_id, state.balance + sum(entry.points for entry in unique.values()))


def refuse_new_debt(before: LedgerState, after: LedgerState, new: Iterable[Entry]) -> None:
    """Online, entries may not put an account (further) into debt.

    Raises:
        InsufficientPoints: ``after`` owes more than ``before``.
    """
    if after.debt > before.debt:
        new = list(new)
        requested = -sum(e.points for e in new if not e.is_credit)
        raise InsufficientPoints(available=before.available(min(e.at for e in new)), requested=requested)


def replay(account_id: str, entries: Iterable[Entry]) -> LedgerState:
    """Compute an account's state from a set of entries (duplicates allowed, order irrelevant).

    Raises:
        ConflictingEntry: two entries share an id but differ.
        ForeignEntry: an entry belongs to another account.
    """
    unique = unique_entries(entries)
    book = _Book()
    for entry in sorted(unique.values(), key=replay_key):
        if entry.account_id != account_id:
            raise ForeignEntry(entry.id, entry.account_id, account_id)
        if entry.is_credit:
            book.credit(entry)
        else:
            book.debit(entry)
    return book.state(account_id, sum(entry.points for entry in unique.values()))


@dataclass(frozen=True)
class Balance:
    """What a receipt or a card look-up shows.

    Attributes:
        balance: the sum of applied entries.
        available: what can be redeemed now.
        debt: what later earnings repay first.
        pending: earned offline, not yet applied by the server; never part of the balance.
    """

    balance: int
    available: int
    debt: int
    pending: int


@dataclass(frozen=True)
class Ledger:
    """An account's entries (kept in replay order, one per id) and the state they add up to.

    `apply` is the one way in. Online, it refuses entries that would put the account into debt;
    the server passes `allow_debt=True` for what must be accepted even then: offline redemptions
    arriving late, returns taking back points already spent, and merges.
    """

    account_id: str
    entries: tuple[Entry, ...] = ()
    state: LedgerState = field(init=False)
    ids: frozenset[UUID] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        unique = unique_entries(self.entries)
        object.__setattr__(self, "entries", tuple(sorted(unique.values(), key=replay_key)))
        object.__setattr__(self, "state", replay(self.account_id, self.entries))
        object.__setattr__(self, "ids", frozenset(unique))

    def apply(self, entries: Iterable[Entry], *, allow_debt: bool = False) -> Ledger:
        """Return the ledger with `entries` added; already-applied entries are skipped.

        Raises:
            ConflictingEntry: an entry reuses an applied id with a different body.
            ForeignEntry: an entry belongs to another account.
            InsufficientPoints: the new entries would add debt and `allow_debt` is False.
        """
        incoming = unique_entries(entries)
        new = [e for e in incoming.values() if e.id not in self.ids]
        if len(new) < len(incoming):
            unique_entries([*self.entries, *incoming.values()])  # same id, other body: refuse
        if not new:
            return self
        ledger = Ledger(self.account_id, (*self.entries, *new))
        if not allow_debt:
            refuse_new_debt(self.state, ledger.state, new)
        return ledger

    def summary(self, at: datetime, unapplied: Iterable[Entry] = ()) -> Balance:
        """Summarise the account at `at`, with `unapplied` credits shown as pending.

        A till passes the credits it journalled offline; those the server has already applied
        (same ids) are not counted twice, so the figure is right however far the sync has got.
        """
        unseen = unique_entries(unapplied).values()
        pending = sum(e.points for e in unseen if e.is_credit and e.id not in self.ids)
        state = self.state
        return Balance(state.balance, state.available(at), state.debt, pending)
