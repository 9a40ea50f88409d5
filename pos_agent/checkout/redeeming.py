"""Paying with points: a server hold online, the offline allowance otherwise; and what may be redeemed now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from loyalty.redemption import max_redeemable
from pos_agent.checkout import points
from pos_agent.checkout.basket import Basket, BasketState, PointsRedemption
from pos_agent.checkout.lane import Lane
from pos_agent.checkout.program import Program
from pos_agent.exceptions import BasketStateError, LinkDown, RedemptionRefused, TillRevoked
from pos_agent.ids import new_id


@dataclass(frozen=True)
class Redeemable:
    """The most points the basket's member may redeem here now, and why none when none."""

    points: int
    value_minor: int
    limit: int
    minimum_points: int
    step_points: int
    offline: bool
    reason: str | None


def redeem_points(lane: Lane, basket_id: str, wanted: int) -> Basket:
    """Pay part of the basket with points: a server hold online, the offline allowance otherwise."""
    with lane.change(basket_id) as basket:
        if basket.member is None:
            raise BasketStateError("attach a member card before redeeming points")
        lane.drop_redemption(basket)
        if lane.mode.revoked:  # told by the server: this till may not spend anyone's points
            raise TillRevoked()
        priced, program, now = lane.price(basket)
        beside = sorted({t.kind for t in basket.tenders if not program.combines_with_points(t.kind)})
        if beside:
            raise RedemptionRefused(f"points cannot pay beside {', '.join(beside)} under the loyalty programme")
        rewards = priced.reward_points  # what the rewards taken spend first
        if not basket.offline:
            basket.redemption = _redeem_online(lane, basket, wanted, priced.total, program, rewards)
        if basket.offline:
            allowance = points.offline_allowance(basket.member, lane.ref, lane.db, program, now)
            plan = points.plan(wanted, max(allowance - reserved_offline(lane, basket) - rewards, 0), priced.total,
                               program)
            basket.redemption = PointsRedemption(plan.points, plan.value_minor, offline=True)
        return basket


def redeemable(lane: Lane, basket_id: str) -> Redeemable:
    """The limit is the member's live ``available`` while the basket is online, else the offline
    allowance less what other open baskets plan; no server is asked and nothing is held."""
    with lane.lock:
        basket = lane.basket(basket_id)
        priced, program, now = lane.price(basket)
        policy, limit, reason = program.redemption, 0, None
        try:
            limit = _limit(lane, basket, program, now) - priced.reward_points
        except RedemptionRefused as exc:
            reason = exc.detail
        best = max_redeemable(max(limit, 0), priced.total, policy)
        return Redeemable(best, policy.value.value_minor(best), limit, policy.minimum_points,
                          policy.value.step_points, basket.offline or not lane.mode.online, reason)


def _limit(lane: Lane, basket: Basket, program: Program, now: datetime) -> int:
    if basket.member is None:
        raise RedemptionRefused("no member card on the basket")
    if lane.mode.revoked:
        raise TillRevoked()
    if not basket.offline and lane.mode.online:
        return basket.member.available
    allowance = points.offline_allowance(basket.member, lane.ref, lane.db, program, now)
    return max(allowance - reserved_offline(lane, basket), 0)


def _redeem_online(lane: Lane, basket: Basket, wanted: int, total: int, program: Program,
                   reward_points: int = 0) -> PointsRedemption | None:
    plan = points.plan(wanted, basket.member.available - reward_points, total, program)
    hold_id = new_id()
    try:
        lane.link.place_hold({"id": hold_id, "card_number": basket.member.card_number, "points": plan.points,
                              "store": lane.till.store, "terminal": lane.till.terminal})
    except LinkDown as exc:
        lane.go_offline(basket, exc)
        return None
    return PointsRedemption(plan.points, plan.value_minor, offline=False, hold_id=hold_id, held_at=lane.clock())


def reserved_offline(lane: Lane, basket: Basket) -> int:
    """Points the member's other open baskets at this till already plan to redeem offline: the
    allowance counts redemptions once their sale completes, so two baskets must not share it."""
    return sum(other.redemption.points for other in lane.baskets.values()
               if other is not basket and other.state is BasketState.OPEN and other.redemption
               and other.redemption.offline and other.member
               and other.member.member_id == basket.member.member_id)
