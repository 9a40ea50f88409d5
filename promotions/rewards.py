"""Rewards bought with points: a catalogue entry is a promotion whose rule is a ``Reward``.

A reward gives money off only when the member takes it (``PricingRequest.rewards`` names it, as a
coupon code names a coupon offer) and costs ``points`` per take. It is never reached from a
basket's skus or categories, so an ordinary basket never looks at the rewards catalogue.

Kinds (each a ``RewardKind``) and what one take gives, on the line totals left after item and
basket offers and before tax (so a reward lowers the taxable amount of its lines):

* ``free_product``: one unit of ``sku`` free, the dearest unit left first. The product must be
  in the basket (the cashier scans it). Freeing one of the ``r`` units not yet freed of a line
  left at ``T`` takes ``T - floor(T x (r - 1) / r)``: freeing its last unit frees what is left
  (a weighed line is one unit).
* ``amount_off``: ``amount`` off the lines in ``scope`` (named products or categories), at most
  what they come to, spread over them by largest remainder.
* ``percent_off``: ``percent_bp`` of what the lines in ``scope`` come to (rounded half up, as
  every percentage in ``promotions.money``), spread the same way. Taken at most once a basket.
* ``voucher``: ``amount`` off the whole basket, at most what it comes to, spread over every line.

Worked example: a 3.00 coffee x2 and a 2.40 croissant; "Free croissant" (250 points) taken once
takes 2.40 off the croissant line; "1.00 off coffee" (150 points) taken twice takes 2.00 off the
coffee line (1.00 per take); together they cost 250 + 2 x 150 = 550 points and the basket comes to
8.40 - 2.40 - 2.00 = 4.00.

Limits: ``max_per_basket`` takes per basket (a claim above it is refused whole), and the
promotion's ``UsageLimit`` counts sales per member per period as for any promotion. A reward needs
an identified member; store, window and targeting apply as to any promotion. Whether the member
has the points is not the engine's to know: ``promotions.reward_offers.offered`` (and, by cost
alone, ``affordable``) filters what a caller may offer with the points it knows of (online: the
live balance; offline: the till's allowance), and the server checks the total cost
(``PricedBasket.reward_points``) against the member's points when the sale is posted.
Rewards are applied in promotion-id order, so the result never depends on the order of the claims.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from loyalty.shares import largest_remainder
from promotions.exceptions import InvalidPromotion
from promotions.money import BASIS_POINTS, percent_of
from promotions.rules import Scope

if TYPE_CHECKING:
    from promotions.catalogue import Promotion
    from promotions.eligibility import Eligibility
    from promotions.result import CouponRejection

MAX_PER_BASKET = 20


class RewardKind(StrEnum):
    FREE_PRODUCT = "free_product"
    AMOUNT_OFF = "amount_off"
    PERCENT_OFF = "percent_off"
    VOUCHER = "voucher"


class RewardRefusal(StrEnum):
    """Why a claimed reward gave nothing (eligibility reasons are ``CouponRejection`` values)."""

    UNKNOWN_REWARD = "unknown_reward"
    OVER_BASKET_LIMIT = "over_basket_limit"
    NOTHING_TO_DISCOUNT = "nothing_to_discount"  # the free product is not in the basket, or no line in scope


@dataclass(frozen=True)
class Reward:
    """A reward bought with points (see the module docstring for what each kind gives).

    Attributes:
        kind: What it gives.
        points: Points one take costs (positive).
        sku: The free product (``free_product`` only).
        amount: Minor units off per take (``amount_off`` and ``voucher``).
        percent_bp: Basis points off (``percent_off``), 1..10,000.
        scope: Named products or categories (``amount_off`` and ``percent_off``); not the whole basket.
        max_per_basket: Takes per basket, 1..20 (1 for ``percent_off``).
    """

    kind: RewardKind
    points: int
    sku: str = ""
    amount: int = 0
    percent_bp: int = 0
    scope: Scope | None = None
    max_per_basket: int = 1

    def __post_init__(self) -> None:
        if not isinstance(self.kind, RewardKind):
            raise InvalidPromotion("rule.reward", "must be one of " + ", ".join(RewardKind))
        _between(self.points, 1, 10_000_000, "rule.points")
        _between(self.max_per_basket, 1, MAX_PER_BASKET, "rule.max_per_basket")
        check = {RewardKind.FREE_PRODUCT: self._check_free, RewardKind.AMOUNT_OFF: self._check_amount_off,
                 RewardKind.PERCENT_OFF: self._check_percent_off, RewardKind.VOUCHER: self._check_voucher}
        check[self.kind]()

    def _check_free(self) -> None:
        if not self.sku.strip():
            raise InvalidPromotion("rule.sku", "a free product reward names its product")
        self._none_of(amount=self.amount, percent_bp=self.percent_bp, scope=self.scope)

    def _check_amount_off(self) -> None:
        _between(self.amount, 1, 10**9, "rule.amount")
        self._scoped()
        self._none_of(sku=self.sku, percent_bp=self.percent_bp)

    def _check_percent_off(self) -> None:
        _between(self.percent_bp, 1, BASIS_POINTS, "rule.percent_bp")
        self._scoped()
        self._none_of(sku=self.sku, amount=self.amount)
        if self.max_per_basket != 1:
            raise InvalidPromotion("rule.max_per_basket", "a percentage off is taken at most once a basket")

    def _check_voucher(self) -> None:
        _between(self.amount, 1, 10**9, "rule.amount")
        self._none_of(sku=self.sku, percent_bp=self.percent_bp, scope=self.scope)

    def _scoped(self) -> None:
        if self.scope is None or self.scope.whole_basket:
            raise InvalidPromotion("rule.scope", "name the products or categories it is off (a voucher is off "
                                   "the whole basket)")

    def _none_of(self, **values) -> None:
        for name, value in values.items():
            if value:
                raise InvalidPromotion(f"rule.{name}", f"a {self.kind.value} reward has no {name}")


def _between(value: int, low: int, high: int, name: str) -> None:
    if type(value) is not int or not low <= value <= high:
        raise InvalidPromotion(name, f"must be a whole number from {low} to {high}")


@dataclass(frozen=True)
class RewardClaim:
    """A reward the member takes at the till: the reward's promotion id, and how many times."""

    promotion_id: str
    times: int = 1

    def __post_init__(self) -> None:
        if type(self.times) is not int or self.times < 1:
            raise InvalidPromotion("rewards.times", "a reward is taken a positive whole number of times")


@dataclass(frozen=True)
class TakenReward:
    """A reward the basket took: what it gave off and what it costs.

    Attributes:
        promotion_id, promotion_version, label: The reward's promotion as priced.
        times: Takes.
        points: What the takes cost (``times x Reward.points``).
        discount: Minor units it took off the basket (its discounts on the lines add up to this).
    """

    promotion_id: str
    promotion_version: int
    label: str
    times: int
    points: int
    discount: int


@dataclass(frozen=True)
class RefusedReward:
    """A claimed reward that gave nothing, and why (a ``RewardRefusal`` or ``CouponRejection`` value)."""

    promotion_id: str
    reason: str


class _Line:
    """What ``apply_rewards`` needs of a line: its product, category, units and what is left to pay."""

    __slots__ = ("category", "freed", "qty", "sku", "total")

    def __init__(self, sku: str, category: str, qty: int, total: int) -> None:
        self.sku, self.category, self.qty, self.total, self.freed = sku, category, qty, total, 0


def apply_rewards(claims: Iterable[RewardClaim], rewards: Mapping[str, Promotion], eligibility: Eligibility,
                  works: Sequence) -> tuple[list[TakenReward], list[RefusedReward]]:
    """Price the claimed rewards on the engine's lines (``promotions.work.LineWork``), in place.

    Args:
        claims: What the member takes.
        rewards: The catalogue's rewards by promotion id (``CatalogueIndex.rewards``).
        eligibility: The request's eligibility memo (store, window, targeting, usage limit).
        works: The lines, after item and basket offers.

    Returns:
        The rewards taken and the claims refused, in promotion-id order.
    """
    lines = [_Line(w.line.sku, w.line.category, w.line.qty, w.total) for w in works]
    taken, refused = [], []
    for claim in merged_claims(claims):
        promotion = rewards.get(claim.promotion_id)
        why = refusal(promotion.rule if promotion else None, claim,
                      eligibility.refusal(promotion) if promotion else None)
        shares = [] if why else reward_discounts(promotion.rule, claim.times, lines)
        if not why and not any(shares):
            why = RewardRefusal.NOTHING_TO_DISCOUNT.value
        if why:
            refused.append(RefusedReward(claim.promotion_id, why))
            continue
        for work, share in zip(works, shares, strict=True):
            work.add(promotion, share)
        taken.append(TakenReward(promotion.promotion_id, promotion.version, promotion.label, claim.times,
                                 promotion.rule.points * claim.times, sum(shares)))
    return taken, refused


def reward_discounts(reward: Reward, times: int, lines: Sequence[_Line]) -> list[int]:
    """Return the amount ``times`` takes of ``reward`` take off each line (all 0: nothing to take).

    Updates each line's ``total`` (and, for a free product, its freed units). Internal to the
    engine: callers use ``price_basket`` with ``PricingRequest.rewards``.

    Example:
        A free croissant from a line of 2 croissants left at 4.80 takes 2.40; a second take, the
        remaining 2.40.
    """
    if reward.kind is RewardKind.FREE_PRODUCT:
        return _free_units(reward.sku, times, lines)
    if reward.kind is RewardKind.VOUCHER:
        weights = [line.total for line in lines]
        return _spread(min(reward.amount * times, sum(weights)), weights, lines)
    weights = [line.total if reward.scope.matches(line.sku, line.category) else 0 for line in lines]
    if reward.kind is RewardKind.AMOUNT_OFF:
        return _spread(min(reward.amount * times, sum(weights)), weights, lines)
    return _spread(percent_of(sum(weights), reward.percent_bp), weights, lines)


def _spread(amount: int, weights: list[int], lines: Sequence[_Line]) -> list[int]:
    shares = largest_remainder(amount, weights) if amount else [0] * len(lines)
    for line, share in zip(lines, shares, strict=True):
        line.total -= share
    return shares


def _free_units(sku: str, times: int, lines: Sequence[_Line]) -> list[int]:
    shares = [0] * len(lines)
    candidates = [i for i, line in enumerate(lines) if line.sku == sku]
    if sum(lines[i].qty - lines[i].freed for i in candidates) < times:
        return shares  # the product is not in the basket that many times: the claim gives nothing
    for _ in range(times):
        # The dearest unit left; ties to the earlier line.
        i = max((i for i in candidates if lines[i].freed < lines[i].qty),
                key=lambda i: (_unit_left(lines[i]), -i))
        line = lines[i]
        after = line.total * (line.qty - line.freed - 1) // (line.qty - line.freed)
        shares[i] += line.total - after
        line.total, line.freed = after, line.freed + 1
    return shares


def _unit_left(line: _Line) -> int:
    return line.total - line.total * (line.qty - line.freed - 1) // (line.qty - line.freed)


def refusal(reward: Reward | None, claim: RewardClaim, eligibility_refusal: CouponRejection | None) -> str | None:
    """Why a claim cannot be priced before looking at the lines, or None."""
    if reward is None:
        return RewardRefusal.UNKNOWN_REWARD.value
    if eligibility_refusal is not None:
        return eligibility_refusal.value
    if claim.times > reward.max_per_basket:
        return RewardRefusal.OVER_BASKET_LIMIT.value
    return None


def merged_claims(claims: Iterable[RewardClaim]) -> list[RewardClaim]:
    """One claim per reward (takes added up), in promotion-id order."""
    times: dict[str, int] = {}
    for claim in claims:
        times[claim.promotion_id] = times.get(claim.promotion_id, 0) + claim.times
    return [RewardClaim(pid, times[pid]) for pid in sorted(times)]


def affordable(offers: Iterable[tuple[str, int]], available_points: int) -> list[str]:
    """The rewards (``(promotion_id, points)`` of one take) the member can pay for with ``available_points``.

    Example:
        >>> affordable([("r-coffee", 150), ("r-voucher", 1000)], 900)
        ['r-coffee']
    """
    return [pid for pid, points in offers if points <= available_points]
