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
    age = now - taken_at
    if age > program.offline.max_data_age:
        raise MemberDataTooOld(age.total_seconds() / 3600, program.offline.max_data_age.total_seconds() / 3600)
    snapshot = MemberSnapshot(member.member_id, _available(cached, member.member_id, taken_at, db), taken_at)
    with db.reading() as conn:
        done_offline = sales.redemptions(conn, member.member_id, offline=True)
    return offline_redeemable(snapshot, done_offline, now, program.offline)


def _available(cached: dict, member_id: str, taken_at: datetime, db: Database) -> int:
    with db.reading() as conn:
        online = sales.redemptions(conn, member_id, offline=False)
    return cached["available"] - sum(r.points for r in online if r.at >= taken_at)
