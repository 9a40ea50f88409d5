"""Rewards bought with points: worked examples, limits, validation, and properties on generated baskets."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promotions.basket import PricingRequest, Store
from promotions.catalogue import Catalogue, UsageLimit
from promotions.engine import price_basket
from promotions.exceptions import InvalidPromotion
from promotions.near_miss import near_misses
from promotions.result import CouponRejection
from promotions.reward_offers import offered
from promotions.rewards import Reward, RewardClaim, RewardKind, RewardRefusal, affordable
from promotions.rules import PercentOff, SpendThreshold, ThresholdTier
from tests.unit.promotions.builders import (
    BERLIN,
    TUESDAY_NOON,
    categories,
    line,
    member,
    promo,
    skus,
)

FREE_CROISSANT = promo("r-croissant", Reward(RewardKind.FREE_PRODUCT, 250, sku="croissant"), "Free croissant")
COFFEE_OFF = promo("r-coffee", Reward(RewardKind.AMOUNT_OFF, 150, amount=100, scope=skus("coffee"), max_per_basket=2),
                   "1.00 off coffee")
BAKERY_PERCENT = promo("r-bakery", Reward(RewardKind.PERCENT_OFF, 400, percent_bp=2_000, scope=categories("bakery")),
                       "20% off bakery")
VOUCHER = promo("r-voucher", Reward(RewardKind.VOUCHER, 500, amount=500), "5.00 voucher")
CATALOGUE = Catalogue([FREE_CROISSANT, COFFEE_OFF, BAKERY_PERCENT, VOUCHER])
BASKET = (line("coffee", 300, 2, category="drinks"), line("croissant", 240, category="bakery"),
          line("bread", 410, category="bakery"))


ANN = member()


def priced(*claims: RewardClaim, lines=BASKET, catalogue=CATALOGUE, who=ANN, store: Store = BERLIN):
    return price_basket(PricingRequest(tuple(lines), store, TUESDAY_NOON, member=who, rewards=claims), catalogue)


def test_the_worked_example_of_the_module_docstring():
    result = priced(RewardClaim("r-croissant"), RewardClaim("r-coffee", 2), lines=BASKET[:2])
    assert [(r.promotion_id, r.times, r.points, r.discount) for r in result.rewards] == [
        ("r-coffee", 2, 300, 200), ("r-croissant", 1, 250, 240)]
    assert result.reward_points == 550
    assert result.total == 400
    assert [line.total for line in result.lines] == [400, 0]


def test_a_free_product_must_be_in_the_basket():
    result = priced(RewardClaim("r-croissant"), lines=BASKET[:1])
    assert result.rewards == ()
    assert [(r.promotion_id, r.reason) for r in result.refused_rewards] == [
        ("r-croissant", RewardRefusal.NOTHING_TO_DISCOUNT)]
    assert result.total == 600


def test_a_free_product_takes_the_dearest_unit_and_freeing_every_unit_frees_the_line():
    catalogue = Catalogue([promo("r", Reward(RewardKind.FREE_PRODUCT, 10, sku="tea", max_per_basket=3))])
    lines = (line("tea", 100, 3, line_id="cheap", category="drinks"), line("tea", 150, 1, line_id="dear"))
    once = priced(RewardClaim("r"), lines=lines, catalogue=catalogue)
    assert [ln.total for ln in once.lines] == [300, 0]
    every = priced(RewardClaim("r", 3), lines=(line("tea", 333, 3),), catalogue=catalogue)
    assert every.total == 0 and every.rewards[0].discount == 999


def test_percent_off_a_category_is_rounded_half_up_and_spread_by_largest_remainder():
    result = priced(RewardClaim("r-bakery"))
    # 20% of 2.40 + 4.10 = 1.30: 0.48 on the croissant, 0.82 on the bread.
    assert result.rewards[0].discount == 130
    assert [ln.total for ln in result.lines] == [600, 192, 328]


def test_a_voucher_is_off_the_whole_basket_and_never_below_zero():
    small = priced(RewardClaim("r-voucher"), lines=(line("gum", 120),))
    assert small.total == 0 and small.rewards[0].discount == 120 and small.reward_points == 500
    big = priced(RewardClaim("r-voucher"))
    assert big.total == 1250 - 500


def test_rewards_come_after_item_offers_and_lower_the_points_earned():
    offer = promo("p-coffee", PercentOff(5_000, skus("coffee")))
    catalogue = Catalogue([offer, COFFEE_OFF])
    result = priced(RewardClaim("r-coffee"), lines=BASKET[:1], catalogue=catalogue)
    # 6.00 coffee, half off = 3.00, then 1.00 off with points = 2.00, which earns 2 points.
    assert result.total == 200
    assert result.points_to_earn == 2


def test_a_claim_above_the_basket_limit_is_refused_whole():
    result = priced(RewardClaim("r-coffee", 3))
    assert result.rewards == () and result.refused_rewards[0].reason == RewardRefusal.OVER_BASKET_LIMIT


def test_claims_of_one_reward_add_up_and_their_order_never_matters():
    one = priced(RewardClaim("r-voucher"), RewardClaim("r-coffee"), RewardClaim("r-coffee"))
    other = priced(RewardClaim("r-coffee", 2), RewardClaim("r-voucher"))
    assert one == other


def test_an_unknown_reward_and_an_anonymous_shopper_get_nothing():
    assert priced(RewardClaim("nope")).refused_rewards[0].reason == RewardRefusal.UNKNOWN_REWARD
    anonymous = priced(RewardClaim("r-voucher"), who=None)
    assert anonymous.refused_rewards[0].reason == CouponRejection.MEMBER_REQUIRED
    assert anonymous.total == 1250


def test_the_per_member_limit_counts_uses_in_the_period():
    limited = promo("r-weekly", Reward(RewardKind.VOUCHER, 100, amount=100), usage_limit=UsageLimit(1))
    catalogue = Catalogue([limited])
    used = priced(RewardClaim("r-weekly"), catalogue=catalogue, who=member(promotion_uses={"r-weekly": 1}))
    assert used.refused_rewards[0].reason == CouponRejection.MEMBER_LIMIT_REACHED
    assert priced(RewardClaim("r-weekly"), catalogue=catalogue).rewards[0].discount == 100


def test_a_reward_is_never_applied_unclaimed():
    assert priced().total == 1250 and priced().rewards == ()


def test_affordable_offers_only_what_the_points_pay_for():
    assert affordable([("a", 150), ("b", 500), ("c", 501)], 500) == ["a", "b"]


@pytest.mark.parametrize(("reward", "field"), [
    (lambda: Reward(RewardKind.FREE_PRODUCT, 0, sku="x"), "rule.points"),
    (lambda: Reward(RewardKind.FREE_PRODUCT, 10), "rule.sku"),
    (lambda: Reward(RewardKind.FREE_PRODUCT, 10, sku="x", amount=5), "rule.amount"),
    (lambda: Reward(RewardKind.AMOUNT_OFF, 10, amount=100), "rule.scope"),
    (lambda: Reward(RewardKind.AMOUNT_OFF, 10, amount=0, scope=skus("x")), "rule.amount"),
    (lambda: Reward(RewardKind.PERCENT_OFF, 10, percent_bp=10_001, scope=skus("x")), "rule.percent_bp"),
    (lambda: Reward(RewardKind.PERCENT_OFF, 10, percent_bp=500, scope=skus("x"), max_per_basket=2),
     "rule.max_per_basket"),
    (lambda: Reward(RewardKind.VOUCHER, 10, amount=100, scope=skus("x")), "rule.scope"),
    (lambda: Reward(RewardKind.VOUCHER, 10, amount=100, max_per_basket=21), "rule.max_per_basket"),
    (lambda: Reward(RewardKind.VOUCHER, 1.5, amount=100), "rule.points"),
])
def test_nonsense_rewards_are_refused_naming_the_field(reward, field):
    with pytest.raises(InvalidPromotion) as caught:
        reward()
    assert caught.value.field == field


def test_a_reward_has_no_coupon_and_no_cap():
    with pytest.raises(InvalidPromotion):
        promo("r", Reward(RewardKind.VOUCHER, 10, amount=100), max_discount=50)


# --- properties ----------------------------------------------------------------------------------

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SKUS = ("coffee", "croissant", "bread", "tea")
CATEGORY = {"coffee": "drinks", "tea": "drinks", "croissant": "bakery", "bread": "bakery"}
rewards = st.one_of(
    st.builds(lambda sku, n, p: Reward(RewardKind.FREE_PRODUCT, p, sku=sku, max_per_basket=n),
              st.sampled_from(SKUS), st.integers(1, 3), st.integers(1, 900)),
    st.builds(lambda a, c, n, p: Reward(RewardKind.AMOUNT_OFF, p, amount=a, scope=categories(c), max_per_basket=n),
              st.integers(1, 800), st.sampled_from(("drinks", "bakery")), st.integers(1, 3), st.integers(1, 900)),
    st.builds(lambda bp, s, p: Reward(RewardKind.PERCENT_OFF, p, percent_bp=bp, scope=skus(s)),
              st.integers(1, 10_000), st.sampled_from(SKUS), st.integers(1, 900)),
    st.builds(lambda a, n, p: Reward(RewardKind.VOUCHER, p, amount=a, max_per_basket=n),
              st.integers(1, 3000), st.integers(1, 3), st.integers(1, 900)),
)
baskets = st.lists(st.tuples(st.sampled_from(SKUS), st.integers(0, 900), st.integers(1, 4)), min_size=1,
                   max_size=5).map(lambda rows: tuple(
                       line(sku, price, qty, category=CATEGORY[sku], line_id=f"l{i}")
                       for i, (sku, price, qty) in enumerate(rows)))
offer = st.builds(lambda bp, c: promo("p-offer", PercentOff(bp, categories(c))), st.integers(1, 10_000),
                  st.sampled_from(("drinks", "bakery")))


@FAST
@given(baskets, st.lists(rewards, min_size=1, max_size=4), st.lists(st.integers(1, 3), min_size=4, max_size=4),
       st.booleans(), offer)
def test_rewards_take_exactly_what_they_say_and_cost_their_points(lines, found, times, with_offer, item_offer):
    catalogue = Catalogue([promo(f"r{i}", reward) for i, reward in enumerate(found)]
                          + ([item_offer] if with_offer else []))
    claims = tuple(RewardClaim(f"r{i}", times[i]) for i in range(len(found)))
    plain, taken = priced(lines=lines, catalogue=catalogue), priced(*claims, lines=lines, catalogue=catalogue)
    given_off = sum(reward.discount for reward in taken.rewards)
    assert taken.total == plain.total - given_off
    assert all(ln.total >= 0 for ln in taken.lines)
    for reward in taken.rewards:
        on_lines = sum(d.amount for ln in taken.lines for d in ln.discounts if d.promotion_id == reward.promotion_id)
        assert on_lines == reward.discount > 0
        assert reward.points == catalogue.get(reward.promotion_id).rule.points * reward.times
    assert {r.promotion_id for r in taken.rewards} | {r.promotion_id for r in taken.refused_rewards} == {
        c.promotion_id for c in claims}
    assert taken.points_to_earn <= plain.points_to_earn
    assert priced(*reversed(claims), lines=lines, catalogue=catalogue) == taken


def test_the_worked_example_of_what_is_offered():
    def offers(available, *claims):
        request = PricingRequest(BASKET[:1], BERLIN, TUESDAY_NOON, member=ANN, rewards=claims)
        return [p.promotion_id for p in offered(request, CATALOGUE, price_basket(request, CATALOGUE), available)]

    assert offers(700) == ["r-coffee", "r-voucher"]
    assert offers(700, RewardClaim("r-voucher")) == ["r-coffee"]
    assert offers(700, RewardClaim("r-voucher"), RewardClaim("r-coffee")) == []  # 50 points left
    assert offers(2000, RewardClaim("r-coffee", 2)) == ["r-voucher"]  # at the basket limit
    assert offers(100) == []


@FAST
@given(baskets, st.lists(rewards, min_size=1, max_size=4), st.integers(0, 2000))
def test_every_reward_offered_can_be_taken_and_paid_for(lines, found, available):
    catalogue = Catalogue([promo(f"r{i}", reward) for i, reward in enumerate(found)])
    request = PricingRequest(lines, BERLIN, TUESDAY_NOON, member=ANN)
    for promotion in offered(request, catalogue, price_basket(request, catalogue), available):
        taken = priced(RewardClaim(promotion.promotion_id), lines=lines, catalogue=catalogue)
        assert taken.refused_rewards == () and taken.reward_points <= available


def test_a_reward_taken_does_not_change_how_far_a_spend_threshold_is():
    catalogue = Catalogue([VOUCHER, promo("p-spend", SpendThreshold((ThresholdTier(2000, amount_off=200),)))])

    def missing(*claims):
        request = PricingRequest(BASKET, BERLIN, TUESDAY_NOON, member=ANN, rewards=claims)
        return [h.missing_amount for h in near_misses(request, catalogue, price_basket(request, catalogue))]

    # 12.50 in the basket: 7.50 short of 20.00, with or without the 5.00 voucher (taken after thresholds).
    assert missing() == missing(RewardClaim("r-voucher")) == [750]
