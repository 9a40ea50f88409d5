"""A cap on what one promotion gives off one basket, spread by largest remainder."""

import pytest

from promotions.exceptions import InvalidPromotion
from promotions.rules import BonusPoints, MultiBuy, PercentOff, SpendThreshold, ThresholdTier

from .builders import WHOLE_BASKET, categories, discounts_of, line, price, promo, skus


def test_twenty_percent_off_snacks_stops_at_five_euros_spread_by_what_each_line_got():
    snacks = promo("snacks20", PercentOff(2000, categories("snacks")), max_discount=500)
    result = price([line("crisps", 400, qty=5, category="snacks"), line("nuts", 1200, qty=1, category="snacks")],
                   [snacks])
    # Uncapped 4.00 + 2.40 = 6.40; capped 5.00 -> 3.13 / 1.87 (largest remainder on 400:240).
    assert discounts_of(result, "crisps") == {"snacks20": 313}
    assert discounts_of(result, "nuts") == {"snacks20": 187}
    assert result.total == 3200 - 500
    assert [(a.promotion_id, a.discount) for a in result.applied] == [("snacks20", 500)]


def test_a_cap_above_what_the_promotion_gives_changes_nothing():
    capped = promo("snacks20", PercentOff(2000, categories("snacks")), max_discount=10_000)
    uncapped = promo("snacks20", PercentOff(2000, categories("snacks")))
    basket = [line("crisps", 400, qty=5, category="snacks")]
    assert price(basket, [capped]).lines == price(basket, [uncapped]).lines


def test_a_capped_multibuy_gives_at_most_its_cap():
    three_for_two = promo("3for2", MultiBuy(2, 1, skus("crisps")), max_discount=500)
    result = price([line("crisps", 400, qty=6)], [three_for_two])
    assert result.total == 2400 - 500


def test_a_capped_basket_discount_is_capped_before_it_is_spread():
    ten_off = promo("all10", PercentOff(1000, WHOLE_BASKET), max_discount=300)
    result = price([line("tv", 9000), line("radio", 3000)], [ten_off])
    assert discounts_of(result, "tv") == {"all10": 225}
    assert discounts_of(result, "radio") == {"all10": 75}


def test_a_capped_basket_offer_loses_to_a_stack_that_gives_more():
    capped = promo("big", PercentOff(5000, WHOLE_BASKET), exclusive=True, max_discount=300)
    stack = promo("small", PercentOff(1000, WHOLE_BASKET))
    result = price([line("tv", 9000)], [capped, stack])
    assert discounts_of(result, "tv") == {"small": 900}


def test_a_capped_threshold_tier_gives_at_most_the_cap():
    threshold = promo("t", SpendThreshold((ThresholdTier(1000, percent_bp=5000),)), max_discount=1000)
    assert price([line("tv", 9000)], [threshold]).total == 8000


@pytest.mark.parametrize("cap", [0, -1])
def test_a_cap_must_be_positive(cap):
    with pytest.raises(InvalidPromotion):
        promo("p", PercentOff(1000, WHOLE_BASKET), max_discount=cap)


def test_points_cannot_be_capped_as_money():
    with pytest.raises(InvalidPromotion):
        promo("p", BonusPoints(WHOLE_BASKET, extra_bp=10_000), max_discount=100)
