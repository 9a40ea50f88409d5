"""Suspending a basket (the customer fetches something) and resuming it at this till."""

from __future__ import annotations

from pos_agent.checkout.basket import Basket, BasketState
from pos_agent.checkout.lane import Lane
from pos_agent.exceptions import BasketStateError


def suspend(lane: Lane, basket_id: str) -> Basket:
    """Park the open basket; the next sale starts meanwhile.

    A points redemption is dropped (an online hold released): the cashier redeems again after resuming.
    """
    with lane.change(basket_id) as basket:
        if not basket.items:
            raise BasketStateError("nothing to suspend: the basket is empty")
        if basket.tenders:
            raise BasketStateError("money was taken for this basket: complete or void it")
        lane.drop_redemption(basket)
        basket.suspended_at = lane.clock()
        return basket


def suspended(lane: Lane) -> list[Basket]:
    """The baskets suspended at this till, oldest first."""
    with lane.lock:
        return [b for b in lane.baskets.values() if b.state is BasketState.OPEN and b.suspended_at]


def resume(lane: Lane, basket_id: str) -> Basket:
    """Bring a suspended basket back to the register (an empty one there is given up)."""
    with lane.lock:
        basket = lane.basket(basket_id)
        if not basket.suspended_at:
            raise BasketStateError("this basket is not suspended")
        lane.tidy()
        with lane.change(basket_id):
            basket.suspended_at = None
            lane.baskets[basket_id] = lane.baskets.pop(basket_id)  # the newest: the one on the register
        return basket
