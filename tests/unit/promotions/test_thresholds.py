from promotions.rules import AmountOff, PercentOff, SpendThreshold, ThresholdTier

from .builders import line, member, price, promo, skus

SPEND_50_SAVE_5 = promo("spend50", SpendThreshold((ThresholdTier(5000, amount_off=500),)), "Spend 50, save 5")
TIERED = promo(
    "tiered",
    SpendThreshold((ThresholdTier(5000, amount_off=500), ThresholdTier(10000, amount_off=1500))),
)


def test_spending_fifty_takes_five_off():
    result = price([line("ham", 2600), line("wine", 2600)], [SPEND_50_SAVE_5])
    assert result.total == 4700
    assert sum(item.total for item in result.lines) == 4700


def test_one_cent_short_of_the_threshold_gets_nothing():
    assert price([line("ham", 4999)], [SPEND_50_SAVE_5]).total == 4999


def test_the_highest_tier_reached_applies():
    assert price([line("tv", 12000)], [TIERED]).total == 10500
    assert price([line("radio", 7000)], [TIERED]).total == 6500


def test_the_threshold_counts_what_is_paid_after_item_offers():
    ten_off_wine = promo("wine10", PercentOff(1000, skus("wine")))
    # 30.00 wine - 3.00 = 27.00, plus 22.00 = 49.00: below 50.00
    result = price([line("wine", 3000), line("ham", 2200)], [ten_off_wine, SPEND_50_SAVE_5])
    assert result.total == 4900


def test_a_threshold_can_give_two_hundred_bonus_points():
    points = promo("spend50pts", SpendThreshold((ThresholdTier(5000, bonus_points=200),)))
    result = price([line("ham", 5500)], [points], member=member())
    assert result.base_points == 55
    assert [(b.promotion_id, b.points) for b in result.bonus] == [("spend50pts", 200)]
    assert result.points_to_earn == 255


def test_adding_an_item_discount_can_lose_a_threshold_which_is_the_documented_exception():
    one_cent = promo("cent", AmountOff(1, skus("ham")))
    without = price([line("ham", 5000)], [SPEND_50_SAVE_5]).total
    with_more = price([line("ham", 5000)], [SPEND_50_SAVE_5, one_cent]).total
    assert (without, with_more) == (4500, 4999)
