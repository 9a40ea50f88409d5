"""Spend thresholds counted and discounted on named products or categories only."""

import pytest

from promotions.basket import PresentedCoupon
from promotions.catalogue import CouponRule
from promotions.exceptions import InvalidPromotion
from promotions.rules import AmountOff, SpendBasis, SpendThreshold, ThresholdTier

from .builders import categories, discounts_of, line, price, promo, skus

COFFEE_40_TEN_PERCENT = promo(
    "coffee40", SpendThreshold((ThresholdTier(4000, percent_bp=1000),), scope=categories("coffee")),
    "Spend 40 on coffee, 10 % off coffee",
)


def test_spending_forty_on_coffee_takes_ten_percent_off_the_coffee_only():
    result = price(
        [line("beans", 2500, category="coffee"), line("ground", 1700, category="coffee"), line("milk", 300)],
        [COFFEE_40_TEN_PERCENT],
    )
    # 42.00 of coffee -> 4.20 off, spread 25:17 over the coffee lines; the milk pays in full.
    assert discounts_of(result, "beans") == {"coffee40": 250}
    assert discounts_of(result, "ground") == {"coffee40": 170}
    assert discounts_of(result, "milk") == {}
    assert result.total == 4500 - 420


def test_other_products_do_not_count_towards_a_coffee_threshold():
    result = price([line("beans", 3800, category="coffee"), line("wine", 3000)], [COFFEE_40_TEN_PERCENT])
    assert result.total == 6800
    assert result.applied == ()


def test_a_scoped_threshold_counts_coffee_after_its_item_offers():
    two_off_beans = promo("beans2", AmountOff(200, skus("beans")))
    result = price([line("beans", 4100, category="coffee")], [two_off_beans, COFFEE_40_TEN_PERCENT])
    assert result.total == 3900


def test_a_scoped_amount_off_threshold_never_takes_more_than_its_lines():
    five_off_tea = promo("tea", SpendThreshold((ThresholdTier(100, amount_off=500),), scope=skus("tea")))
    result = price([line("tea", 300), line("bread", 200)], [five_off_tea])
    assert discounts_of(result, "tea") == {"tea": 300}
    assert total_bread(result) == 200


def total_bread(result):
    return next(item.total for item in result.lines if item.line_id == "bread")


def test_a_scoped_threshold_can_count_net_spend():
    net = promo("net", SpendThreshold((ThresholdTier(1000, amount_off=100),), SpendBasis.NET, skus("wine")))
    # 11.90 gross with 19 % tax is 10.00 net: reached on net.
    result = price([line("wine", 1190, tax_rate_bp=1900)], [net])
    assert result.total == 1090


def test_the_whole_basket_offer_applies_after_the_scoped_one():
    basket = promo("basket", SpendThreshold((ThresholdTier(1000, amount_off=100),)))
    result = price([line("beans", 4000, category="coffee")], [COFFEE_40_TEN_PERCENT, basket])
    assert discounts_of(result, "beans") == {"coffee40": 400, "basket": 100}


def test_the_better_of_an_exclusive_scoped_threshold_and_the_stack_wins():
    exclusive = promo("big", SpendThreshold((ThresholdTier(1000, amount_off=900),), scope=skus("beans")),
                      exclusive=True)
    result = price([line("beans", 4000, category="coffee")], [COFFEE_40_TEN_PERCENT, exclusive])
    assert discounts_of(result, "beans") == {"big": 900}


def test_a_scoped_threshold_gives_money_not_points():
    with pytest.raises(InvalidPromotion):
        SpendThreshold((ThresholdTier(1000, bonus_points=50),), scope=skus("beans"))


def test_a_coupon_unlocks_a_scoped_threshold_on_its_lines_only():
    coupon = promo("cup", SpendThreshold((ThresholdTier(1000, amount_off=300),), scope=categories("coffee")),
                   coupon=CouponRule(frozenset({"COFFEE3"})))
    basket = [line("beans", 1200, category="coffee"), line("milk", 300)]
    assert price(basket, [coupon]).total == 1500
    result = price(basket, [coupon], coupons=(PresentedCoupon("COFFEE3"),))
    assert discounts_of(result, "beans") == {"cup": 300} and discounts_of(result, "milk") == {}
    assert result.accepted_coupons == ("COFFEE3",)
