"""The rewards a till offers: those the member could take one more of now, and can pay for.

A reward is offered when (1) the member may have it (store, window, targeting and usage limit, as
``promotions.eligibility`` says for any promotion), (2) the basket has taken fewer than its
``max_per_basket``, (3) the points it costs fit what the member has left after the rewards already
taken (``available_points`` is the caller's figure: the live balance online, the offline allowance
offline, less any points tender), and (4) it would take something off the basket as priced now: a
free product has a unit left that is not free, an amount off has a line in scope left to pay, a
percentage off comes to at least a minor unit of its lines, a voucher has a basket left to pay.

Worked example: with 700 points to spend, a basket of two coffees (6.00) and nothing taken yet,
"1.00 off coffee" (150 points, twice a basket) and "5.00 voucher" (500 points) are offered and
"Free croissant" (250 points) is not: there is no croissant to make free. Once the voucher is
taken, 200 points are left, and only "1.00 off coffee" is offered.
"""

from __future__ import annotations

from promotions.basket import PricingRequest
from promotions.catalogue import Catalogue, Promotion
from promotions.eligibility import Eligibility
from promotions.money import percent_of
from promotions.result import PricedBasket
from promotions.rewards import RewardKind, merged_claims


def offered(request: PricingRequest, catalogue: Catalogue, priced: PricedBasket,
            available_points: int) -> list[Promotion]:
    """The rewards to offer (see the module docstring), in promotion-id order.

    Args:
        request: The basket as priced, with the rewards already claimed.
        catalogue: The catalogue it was priced against.
        priced: ``price_basket(request, catalogue)``.
        available_points: What the member may spend on points now, rewards included.
    """
    if request.member is None:
        return []
    eligibility = Eligibility(request)
    taken = {claim.promotion_id: claim.times for claim in merged_claims(request.rewards)}
    left = available_points - priced.reward_points
    return [promotion for promotion in catalogue.index.rewards.values()
            if eligibility.ok(promotion) and taken.get(promotion.promotion_id, 0) < promotion.rule.max_per_basket
            and promotion.rule.points <= left and _gives_something(promotion, request, priced)]


def _gives_something(promotion: Promotion, request: PricingRequest, priced: PricedBasket) -> bool:
    reward = promotion.rule
    lines = list(zip(request.lines, priced.lines, strict=True))
    if reward.kind is RewardKind.VOUCHER:
        return priced.total > 0
    if reward.kind is RewardKind.FREE_PRODUCT:
        return any(line.sku == reward.sku and done.total > 0 for line, done in lines)
    in_scope = sum(done.total for line, done in lines if reward.scope.matches(line.sku, line.category))
    if reward.kind is RewardKind.PERCENT_OFF:
        return percent_of(in_scope, reward.percent_bp) > 0  # 1 % of 0.04 rounds to nothing
    return in_scope > 0
