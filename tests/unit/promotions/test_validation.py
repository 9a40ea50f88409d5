from datetime import UTC, datetime

import pytest

from promotions.basket import BasketLine, PricingRequest, Store
from promotions.catalogue import Catalogue
from promotions.exceptions import DuplicatePromotion, InvalidBasket, InvalidPromotion
from promotions.money import percent_of
from promotions.rules import (
    AmountOff,
    Bundle,
    BundleComponent,
    MultiBuy,
    PercentOff,
    Scope,
    SpendThreshold,
    ThresholdTier,
)
from promotions.windows import HourRange, Window

from .builders import promo, skus


def field_of(build) -> str:
    with pytest.raises(InvalidPromotion) as raised:
        build()
    return raised.value.field


def test_an_end_before_the_start_is_rejected_with_the_field():
    start = datetime(2025, 3, 4, tzinfo=UTC)
    assert field_of(lambda: Window(start, datetime(2025, 3, 1, tzinfo=UTC))) == "window.end"


def test_a_bundle_of_one_product_is_rejected():
    one = (BundleComponent(skus("pasta")),)
    assert field_of(lambda: Bundle(one, price=199)) == "rule.components"


def test_a_percentage_over_one_hundred_is_rejected():
    assert field_of(lambda: PercentOff(12000, skus("tea"))) == "rule.percent_bp"


@pytest.mark.parametrize(
    "build",
    [
        lambda: MultiBuy(2, 0, skus("a")),
        lambda: AmountOff(0, skus("a")),
        lambda: Scope(),
        lambda: Scope(skus=frozenset({"a"}), whole_basket=True),
        lambda: SpendThreshold((ThresholdTier(5000, 500), ThresholdTier(4000, 100))),
        lambda: ThresholdTier(5000),
        lambda: HourRange.of("17:00", "17:00"),
        lambda: Window(start=datetime(2025, 3, 4)),  # naive
        lambda: Window(weekdays=frozenset({7})),
        lambda: promo("x", AmountOff(1, skus("a")), label=" "),
        lambda: promo("x", AmountOff(1, skus("a")), version=0),
    ],
)
def test_contradictory_definitions_never_reach_a_till(build):
    with pytest.raises(InvalidPromotion):
        build()


def test_two_promotions_with_one_id_are_refused():
    with pytest.raises(DuplicatePromotion):
        Catalogue([promo("x", AmountOff(1, skus("a"))), promo("x", AmountOff(2, skus("b")))])


def test_a_naive_sale_time_or_a_float_price_is_refused():
    line = BasketLine("1", "a", 100)
    with pytest.raises(InvalidBasket):
        PricingRequest((line,), Store("s"), datetime(2025, 3, 4))
    with pytest.raises(InvalidBasket):
        BasketLine("1", "a", 1.99)
    with pytest.raises(TypeError):
        percent_of(1.5, 1000)
