"""Rewards bought with points: the ones a member can take now, and taking or giving one back.

Taking a reward asks the server nothing: its points come out of the live balance while the basket is
online, the offline allowance offline, less the points tender; the server checks the same when the
sale is posted.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pos_agent.checkout import points, pricing
from pos_agent.checkout.basket import Basket, BasketState
from pos_agent.checkout.program import Program
from pos_agent.checkout.redeeming import reserved_offline
from pos_agent.exceptions import BasketStateError, RedemptionRefused, RewardRefused, TillRevoked
from promotions import PricedBasket

if TYPE_CHECKING:
    from pos_agent.checkout.lane import Lane


def take_reward(lane: Lane, basket_id: str, reward_id: str) -> Basket:
    """Let the member take one more of a reward with points, when it is offered now (``rewards``).

    A points tender planned before is dropped (an online hold released): the rewards change
    what is left to pay and to spend, so the cashier redeems again afterwards.
    """
    with lane.change(basket_id) as basket:
        if basket.state is BasketState.OPEN and basket.tenders:
            raise BasketStateError("money was taken for this basket: take rewards before payment")
        lane.drop_redemption(basket)
        priced, program, at = lane.price(basket)
        found = rewards(lane, basket, priced, program, at)
        if reward_id not in {offer["reward_id"] for offer in found["offered"]}:
            raise RewardRefused(found["reason"] or f"reward {reward_id} is not offered for this basket and member",
                                reward_id)
        basket.rewards[reward_id] = basket.rewards.get(reward_id, 0) + 1
        return basket


def drop_reward(lane: Lane, basket_id: str, reward_id: str) -> Basket:
    """Give back every take of a reward (its points are not spent)."""
    with lane.change(basket_id) as basket:
        if basket.tenders:
            raise BasketStateError("money was taken for this basket: void it to change the rewards")
        lane.drop_redemption(basket)
        basket.rewards.pop(reward_id, None)
        return basket


def rewards(lane: Lane, basket: Basket, priced: PricedBasket, program: Program, at: datetime) -> dict[str, Any]:
    """The rewards taken and those the member can take now: within the live balance online, the
    offline allowance offline, less the points tender (the server checks the same when it posts)."""
    taken = [{"reward_id": r.promotion_id, "label": r.label, "times": r.times, "points": r.points,
              "discount": r.discount} for r in priced.rewards]
    refused = [{"reward_id": r.promotion_id, "reason": r.reason} for r in priced.refused_rewards]
    found = {"taken": taken, "refused": refused, "points": priced.reward_points, "offered": [], "reason": None}
    if basket.member is None or basket.member.source == "unknown":
        found["reason"] = "rewards are for a member the till knows"
        return found
    try:
        tendered = basket.redemption.points if basket.redemption else 0
        limit = _reward_limit(lane, basket, program, at) - tendered
    except RedemptionRefused as exc:
        found["reason"] = exc.detail
        return found
    catalogue = lane.ref.catalogue()
    offers = pricing.rewards_offered(basket, priced, catalogue, lane.ref.store(), program, at, limit,
                                     lane.exhausted(basket, catalogue))
    found["offered"] = [{"reward_id": p.promotion_id, "label": p.label, "points": p.rule.points,
                         "kind": p.rule.kind.value} for p in offers]
    found["points_left"] = max(limit - priced.reward_points, 0)
    return found


def _reward_limit(lane: Lane, basket: Basket, program: Program, now: datetime) -> int:
    """Points the rewards may spend: the live figure of the look-up while the basket is online
    (taking a reward asks the server nothing; the server checks it when the sale is posted),
    else the offline allowance as for a points tender."""
    if lane.mode.revoked:
        raise TillRevoked()
    if not basket.offline:
        return basket.member.available
    return max(points.offline_allowance(basket.member, lane.ref, lane.db, program, now)
               - reserved_offline(lane, basket), 0)
