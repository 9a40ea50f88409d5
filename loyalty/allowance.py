"""How many points a till may let a member redeem while it is offline.

Offline, the till cannot ask the server, so it spends from its cached snapshot, within a
per-member cap over a time window, less what this terminal already redeemed offline. The worst
overspend is then bounded by (offline terminals x cap). A snapshot older than the policy allows
gives nothing: stale data would let a member spend points already spent elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from loyalty.guards import require_int, require_non_negative, require_utc


@dataclass(frozen=True)
class OfflinePolicy:
    """The chain's offline redemption limits.

    Attributes:
        cap_points: at most this many points per member per window, per terminal, e.g. 2000.
        window: the rolling window of the cap, e.g. 24 hours.
        max_data_age: no offline redemption from member data older than this, e.g. 12 hours.
    """

    cap_points: int = 2000
    window: timedelta = timedelta(hours=24)
    max_data_age: timedelta = timedelta(hours=12)

    def __post_init__(self) -> None:
        require_non_negative(self.cap_points, "cap_points")


@dataclass(frozen=True)
class MemberSnapshot:
    """What the till's cache knows of a member (from the change feed).

    Attributes:
        account_id: the member's account.
        available_points: spendable points when the snapshot was taken (debt already netted).
        taken_at: when the server produced the figure.
        card_usable: False for a blocked, lost or replaced card.
    """

    account_id: str
    available_points: int
    taken_at: datetime
    card_usable: bool = True

    def __post_init__(self) -> None:
        require_int(self.available_points, "available_points")
        object.__setattr__(self, "taken_at", require_utc(self.taken_at, "taken_at"))


@dataclass(frozen=True)
class OfflineRedemption:
    """A redemption this terminal made offline for the member (from its journal)."""

    at: datetime
    points: int

    def __post_init__(self) -> None:
        require_non_negative(self.points, "points")
        object.__setattr__(self, "at", require_utc(self.at, "at"))


def offline_redeemable(
    snapshot: MemberSnapshot,
    terminal_offline_redeemed: Iterable[OfflineRedemption],
    now: datetime,
    policy: OfflinePolicy,
) -> int:
    """Return the points the member may redeem offline at this terminal now.

    The least of: the cap less this terminal's offline redemptions within the window, and the
    snapshot's available points less this terminal's offline redemptions since the snapshot.
    Zero if the card is not usable or the snapshot is older than `policy.max_data_age`.
    The redemption rules (steps, minimum, basket share) still apply on top of this figure.

    Example:
        Snapshot 5000 points taken 2 hours ago, cap 2000 per 24 h, this terminal redeemed 500
        offline 1 hour ago: 1500.
    """
    now = require_utc(now, "now")
    if not snapshot.card_usable or now - snapshot.taken_at > policy.max_data_age:
        return 0
    redeemed = list(terminal_offline_redeemed)
    in_window = sum(r.points for r in redeemed if now - policy.window < r.at <= now)
    since_snapshot = sum(r.points for r in redeemed if r.at >= snapshot.taken_at)
    return max(0, min(policy.cap_points - in_window, snapshot.available_points - since_snapshot))
