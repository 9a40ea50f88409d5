"""Requests to change something, named in the imperative. Each is handled by a pure function."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from loyalty.guards import require_int, require_utc


@dataclass(frozen=True)
class RedeemPoints:
    """Pay part of a basket with points (see `loyalty.redemption.redeem`)."""

    account_id: str
    transaction_id: str
    points: int
    basket_minor: int
    at: datetime
    offline: bool = False

    def __post_init__(self) -> None:
        require_int(self.points, "points")
        require_int(self.basket_minor, "basket_minor")
        object.__setattr__(self, "at", require_utc(self.at, "at"))


@dataclass(frozen=True)
class AdjustPoints:
    """Add (positive) or remove (negative) points by hand (see `loyalty.ledger.adjust`)."""

    account_id: str
    adjustment_id: str
    points: int
    at: datetime
    reason: str
    actor: str

    def __post_init__(self) -> None:
        require_int(self.points, "points")
        object.__setattr__(self, "at", require_utc(self.at, "at"))


@dataclass(frozen=True)
class ChangeCardState:
    """Block, unblock or report lost a card (see `loyalty.members.change_card_state`)."""

    number: str
    to_state: str
    at: datetime
    reason: str
    actor: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", require_utc(self.at, "at"))


@dataclass(frozen=True)
class ReplaceCard:
    """Issue `new_number` in place of `old_number` (see `loyalty.members.replace_card`)."""

    old_number: str
    new_number: str
    at: datetime
    reason: str
    actor: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", require_utc(self.at, "at"))


@dataclass(frozen=True)
class MergeAccounts:
    """Merge `merged_id` into `survivor_id` (see `loyalty.merge.merge_accounts`)."""

    survivor_id: str
    merged_id: str
    merge_id: str
    at: datetime
    reason: str
    actor: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", require_utc(self.at, "at"))
