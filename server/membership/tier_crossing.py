"""A sale that crosses a tier threshold, when the programme says it already earns at the new tier.

The till cannot know (tiers are the server's decision, and the till's window of the member's
spend is incomplete), so it shows the points of the member's tier before the sale. The server
works out the tier with this sale counted (`loyalty.tiers.tier_after_sale` over the programme's
window), credits what that tier earns, and records the upgrade at the sale's time, as the daily
tier review would on its next run. The till's lower figure is then expected, not an exception.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty.tiers import Qualifying, qualifying_total, tier_after_sale
from server.membership.program import LoyaltyProgram
from server.models import Member, PostedTransaction, TierChange


def qualifying_history(session: Session, member_id: uuid.UUID, excluding: str | None = None,
                       since: datetime | None = None) -> list[Qualifying]:
    """The member's sales and returns as tier qualification counts them (but ``excluding``); with
    ``since``, only those after it (a window's total needs no older ones, however long the history)."""
    query = select(PostedTransaction.at, PostedTransaction.total_minor, PostedTransaction.points_earned).where(
        PostedTransaction.member_id == member_id)
    if since is not None:
        query = query.where(PostedTransaction.at > since)
    if excluding is not None:
        query = query.where(PostedTransaction.id != excluding)
    return [Qualifying(at=at, spend_minor=total, points=points or 0) for at, total, points in session.execute(query)]


def tier_for_sale(session: Session, program: LoyaltyProgram, member: Member, sale_id: str, at: datetime,
                  spend_minor: int, points: int) -> str:
    """The tier the sale earns at: the member's own, or the one it crosses into when the programme
    lets a crossing sale earn at the new tier."""
    if not program.programme.tiers.crossing_sale_earns_new_tier:
        return member.tier
    rules = program.tiers
    before = qualifying_total(qualifying_history(session, member.id, excluding=sale_id, since=at - rules.window),
                              at, rules)
    return tier_after_sale(member.tier, before, points if rules.basis.value == "points" else spend_minor, rules)


def record_crossing(session: Session, member: Member, to_tier: str, at: datetime) -> None:
    session.add(TierChange(member_id=member.id, from_tier=member.tier, to_tier=to_tier, at=at))
    member.tier, member.tier_since = to_tier, at
