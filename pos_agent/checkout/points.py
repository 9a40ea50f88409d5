"""How many points a member may redeem at this till now, online and offline.

Online, the server's live ``available`` figure is the limit and a hold reserves the points.
Offline, the limit is ``loyalty.offline_redeemable``: the cached snapshot, capped per member
per window, less what this terminal already redeemed. Redemptions this terminal made *online*
after the snapshot are taken off the snapshot too: the snapshot cannot know them yet.
"""

from __future__ import annotations

from datetime import datetime

from loyalty.allowance import MemberSnapshot, offline_redeemable
from loyalty.exceptions import LoyaltyError
from loyalty.redemption import Redemption, plan_redemption
from pos_agent.checkout.basket import MemberAtTill
from pos_agent.checkout.program import Program
from pos_agent.checkout.reference import ReferenceData
from pos_agent.exceptions import MemberDataTooOld, RedemptionRefused
from pos_agent.store import sales
from pos_agent.store.database import Database


def plan(points: int, available: int, basket_minor: int, program: Program) -> Redemption:
    """Check ``points`` against the redemption rules; RedemptionRefused says why not."""
    try:
        return plan_redemption(points, available, basket_minor, program.redemption)
    except LoyaltyError as exc:
        raise RedemptionRefused(str(exc), available=available) from None


def offline_allowance(member: MemberAtTill, ref: ReferenceData, db: Database, program: Program,
                      now: datetime) -> int:
    """Points this member may redeem offline at this terminal now.

    Raises:
        RedemptionRefused: the till has no snapshot of this member.
        MemberDataTooOld: the snapshot is older than the program's max data age.
    """
    cached = ref.member(member.member_id) if member.member_id else None
    if cached is None:
        raise RedemptionRefused("this till has no data on the member: points can be redeemed once online",
                                available=0)
    taken_at = datetime.fromisoformat(cached["taken_at"])
    as_of = _valid_as_of(taken_at, ref.caught_up_at())
    age = now - as_of
    if age > program.offline.max_data_age:
        raise MemberDataTooOld(age.total_seconds() / 3600, program.offline.max_data_age.total_seconds() / 3600)
    with db.reading() as conn:
        done_online = sales.redemptions(conn, member.member_id, offline=False)
        done_offline = sales.redemptions(conn, member.member_id, offline=True)
    # What this till spent after the snapshot but before as_of is not in the snapshot yet;
    # offline_redeemable itself takes off the offline redemptions from as_of on.
    spent = sum(r.points for r in done_online if r.at >= taken_at)
    spent += sum(r.points for r in done_offline if taken_at <= r.at < as_of)
    snapshot = MemberSnapshot(member.member_id, cached["available"] - spent, as_of)
    return offline_redeemable(snapshot, done_offline, now, program.offline)


def _valid_as_of(taken_at: datetime, caught_up_at: datetime | None) -> datetime:
    """A snapshot stays true until the member changes: the server publishes every change, so
    a member with no newer change is as current as the till's last complete catch-up."""
    return max(taken_at, caught_up_at) if caught_up_at is not None else taken_at
