"""Ledger entries: the only way points change.

Each entry is a value with a source-derived id (`loyalty.ids.entry_id`). Its sign is fixed for
some kinds (earn and bonus add, redeem and expire remove) and free for others (reverse, adjust,
transfer). Credits may carry the expiry of the lot they form; debits may aim at one lot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from loyalty.exceptions import InvalidEntry
from loyalty.guards import require_int, require_utc


class EntryKind(StrEnum):
    """What an entry does. Its sign is fixed for some kinds and free for others."""

    EARN = "earn"  # +, points earned by a sale
    BONUS = "bonus"  # +, points given by a promotion
    REDEEM = "redeem"  # -, points spent as a tender
    REVERSE = "reverse"  # +/-, a return or void undoing what its sale did
    ADJUST = "adjust"  # +/-, member service, with reason and actor
    EXPIRE = "expire"  # -, what was left of one lot at its expiry
    TRANSFER = "transfer"  # +/-, moved between accounts by a merge


_CREDIT_ONLY = frozenset({EntryKind.EARN, EntryKind.BONUS})
_DEBIT_ONLY = frozenset({EntryKind.REDEEM, EntryKind.EXPIRE})
_KIND_ORDER = {kind: rank for rank, kind in enumerate(EntryKind)}


@dataclass(frozen=True)
class Entry:
    """One change of an account's points.

    Attributes:
        id: derived from the source (`loyalty.ids.entry_id`).
        account_id: the account (member) the points belong to.
        kind: see `EntryKind`.
        points: signed; positive credits, negative debits; never zero.
        at: effective time (UTC); the replay order.
        expires_at: for a credit, when the lot it forms expires (None: never). Debits have none.
        lot_id: for a debit aimed at one lot (expire, transfer out): that lot's id.
        source_id: the transaction, return, merge or adjustment that made the entry.
        offline: made by a till while offline (a redemption that may turn into debt).
        reason: why (adjustments, merges).
        actor: who (adjustments, merges).
    """

    id: UUID
    account_id: str
    kind: EntryKind
    points: int
    at: datetime
    expires_at: datetime | None = None
    lot_id: UUID | None = None
    source_id: str = ""
    offline: bool = False
    reason: str = ""
    actor: str = ""

    def __post_init__(self) -> None:
        require_int(self.points, "points")
        object.__setattr__(self, "kind", EntryKind(self.kind))
        object.__setattr__(self, "at", require_utc(self.at, "at"))
        if self.expires_at is not None:
            object.__setattr__(self, "expires_at", require_utc(self.expires_at, "expires_at"))
        problem = _problem(self)
        if problem:
            raise InvalidEntry(self.id, problem)

    @property
    def is_credit(self) -> bool:
        """True for entries that add points."""
        return self.points > 0


def _problem(entry: Entry) -> str:
    if entry.points == 0:
        return "points must not be zero"
    if entry.kind in _CREDIT_ONLY and entry.points < 0:
        return f"{entry.kind.value} entries add points"
    if entry.kind in _DEBIT_ONLY and entry.points > 0:
        return f"{entry.kind.value} entries remove points"
    if entry.points > 0 and entry.lot_id is not None:
        return "only a debit can aim at a lot"
    if entry.points < 0 and entry.expires_at is not None:
        return "only a credit forms a lot with an expiry"
    if entry.expires_at is not None and entry.expires_at <= entry.at:
        return "a credit must expire after it is made"
    if entry.kind is EntryKind.EXPIRE and entry.lot_id is None:
        return "an expiry names the lot it expires"
    return ""


def replay_key(entry: Entry) -> tuple:
    """The order entries are replayed in: a total order on entry content, not on arrival."""
    return (entry.at, 0 if entry.is_credit else 1, _KIND_ORDER[entry.kind], entry.id)
