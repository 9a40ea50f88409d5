"""Things that happened, named in the past tense. The server stores them and audits from them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class CardStateChanged:
    """A card was blocked, reported lost, unblocked or replaced."""

    number: str
    member_id: str
    from_state: str
    to_state: str
    at: datetime
    reason: str
    actor: str


@dataclass(frozen=True)
class CardReplaced:
    """A new card took over from an old one; the balance stayed with the member."""

    old_number: str
    new_number: str
    member_id: str
    at: datetime
    reason: str
    actor: str


@dataclass(frozen=True)
class TierChanged:
    """A member moved from one tier to another."""

    member_id: str
    from_tier: str
    to_tier: str
    at: datetime


@dataclass(frozen=True)
class AccountsMerged:
    """A duplicate account was merged into the one that survives."""

    survivor_id: str
    merged_id: str
    merge_id: str
    points_moved: int
    debt_moved: int
    at: datetime
    reason: str
    actor: str
