"""Chain-wide usage caps: the engine leaves out a capped promotion the caller says is exhausted."""

import pytest

from promotions import (
    ChainCap,
    CouponRejection,
    PresentedCoupon,
    exhausted_offline,
    offline_uses_left,
    online_exhausted,
)
from promotions.catalogue import Catalogue, CouponRule
from promotions.exceptions import InvalidPromotion
from promotions.rules import BonusPoints, PercentOff

from .builders import categories, discounts_of, line, member, price, promo

FIRST_1000 = ChainCap(1000, offline_uses=3)


def coffee_offer(**kwargs):
    return promo("coffee20", PercentOff(2000, categories("coffee")), chain_cap=FIRST_1000, **kwargs)


def test_a_capped_offer_applies_to_an_anonymous_shopper_while_uses_are_left():
    result = price([line("beans", 1000, category="coffee")], [coffee_offer()])
    assert discounts_of(result, "beans") == {"coffee20": 200}
    assert [a.promotion_id for a in result.applied] == ["coffee20"]


def test_an_exhausted_capped_offer_gives_nothing_member_or_not():
    basket = [line("beans", 1000, category="coffee")]
    assert price(basket, [coffee_offer()], exhausted=frozenset({"coffee20"})).total == 1000
    assert price(basket, [coffee_offer()], member=member(), exhausted=frozenset({"coffee20"})).total == 1000


def test_the_exhausted_set_names_only_capped_offers():
    uncapped = promo("coffee20", PercentOff(2000, categories("coffee")))
    assert price([line("beans", 1000, category="coffee")], [uncapped], exhausted=frozenset({"coffee20"})).total == 800


def test_an_exhausted_capped_bonus_rule_gives_no_points():
    bonus = promo("double", BonusPoints(categories("coffee"), extra_bp=10_000), chain_cap=ChainCap(5))
    basket = [line("beans", 1000, category="coffee")]
    assert price(basket, [bonus], member=member()).points_to_earn == 20
    assert price(basket, [bonus], member=member(), exhausted=frozenset({"double"})).points_to_earn == 10


def test_a_coupon_of_an_exhausted_capped_offer_is_refused_as_cap_reached():
    offer = coffee_offer(coupon=CouponRule(frozenset({"FIRST"})))
    result = price([line("beans", 1000, category="coffee")], [offer], coupons=(PresentedCoupon("FIRST"),),
                   exhausted=frozenset({"coffee20"}))
    assert [(r.code, r.reason) for r in result.rejected_coupons] == [("FIRST", CouponRejection.CAP_REACHED)]


def test_online_the_last_use_goes_to_the_first_reservation():
    # 998 confirmed, one other till holds the 999th: the 1,000th may still be reserved, then none.
    assert not online_exhausted(FIRST_1000, 998, 1)
    assert online_exhausted(FIRST_1000, 999, 1)
    assert online_exhausted(FIRST_1000, 1000, 0)


def test_offline_a_till_gives_at_most_its_allowance_and_none_once_the_feed_says_reached():
    assert offline_uses_left(FIRST_1000, False, 0) == 3
    assert offline_uses_left(FIRST_1000, False, 3) == 0
    assert offline_uses_left(FIRST_1000, False, 5) == 0
    assert offline_uses_left(FIRST_1000, True, 0) == 0
    assert offline_uses_left(ChainCap(10), False, 0) == 0  # no allowance: never offline


def test_exhausted_offline_names_the_catalogues_capped_offers_the_till_may_no_longer_give():
    tea = promo("tea10", PercentOff(1000, categories("tea")), chain_cap=ChainCap(50, offline_uses=2))
    plain = promo("bread5", PercentOff(500, categories("bakery")))
    catalogue = Catalogue([coffee_offer(), tea, plain])
    assert exhausted_offline(catalogue, (), {"tea10": 2}) == {"tea10"}
    assert exhausted_offline(catalogue, ("coffee20",), {}) == {"coffee20"}
    assert exhausted_offline(catalogue, (), {"coffee20": 2, "tea10": 1}) == frozenset()


@pytest.mark.parametrize(("max_uses", "offline_uses", "field"), [
    (0, 0, "chain_cap.max_uses"), (10, -1, "chain_cap.offline_uses"), (10, 11, "chain_cap.offline_uses"),
])
def test_a_cap_without_uses_or_with_a_larger_offline_allowance_is_invalid(max_uses, offline_uses, field):
    with pytest.raises(InvalidPromotion) as caught:
        ChainCap(max_uses, offline_uses)
    assert caught.value.field == field
