from promotions.basket import BasketLine
from promotions.rules import AmountOff, PercentOff

from .builders import WHOLE_BASKET, categories, discounts_of, line, price, promo, skus


def test_percent_off_a_product_rounds_half_up_per_unit():
    quarter_off = promo("p25", PercentOff(2500, skus("tea")))
    # 25 % of 3.99 = 0.9975 -> 1.00 a unit
    result = price([line("tea", 399, qty=2)], [quarter_off])
    assert discounts_of(result, "tea") == {"p25": 200}
    assert result.total == 598


def test_half_a_cent_rounds_up_and_less_rounds_down():
    ten_off = promo("p10", PercentOff(1000, skus("gum", "mints")))
    result = price([line("gum", 95), line("mints", 94)], [ten_off])
    assert discounts_of(result, "gum") == {"p10": 10}  # 0.095 -> 0.10
    assert discounts_of(result, "mints") == {"p10": 9}  # 0.094 -> 0.09


def test_amount_off_a_category_applies_to_every_unit():
    dairy = promo("dairy-50", AmountOff(50, categories("dairy")))
    result = price([line("milk", 119, qty=3, category="dairy")], [dairy])
    assert result.total == 207


def test_an_amount_off_never_takes_a_unit_below_zero():
    big = promo("big", AmountOff(50, skus("sticker")))
    result = price([line("sticker", 30, qty=2)], [big])
    assert result.total == 0
    assert discounts_of(result, "sticker") == {"big": 60}


def test_percent_marked_before_amounts_is_taken_from_the_full_price():
    before = promo("pct", PercentOff(1000, skus("wine")))
    amount = promo("euro", AmountOff(100, skus("wine")))
    # 10.00 - 10 % = 9.00, then - 1.00 = 8.00
    assert price([line("wine", 1000)], [before, amount]).total == 800


def test_percent_marked_after_amounts_is_taken_from_the_reduced_price():
    after = promo("pct", PercentOff(1000, skus("wine"), after_amounts=True))
    amount = promo("euro", AmountOff(100, skus("wine")))
    # 10.00 - 1.00 = 9.00, then - 10 % = 8.10
    assert price([line("wine", 1000)], [after, amount]).total == 810


def test_a_basket_percentage_is_spread_by_largest_remainder_and_adds_up():
    ten_off = promo("basket10", PercentOff(1000, WHOLE_BASKET), "10 % off everything")
    result = price([line("a", 333), line("b", 333), line("c", 334)], [ten_off])
    assert [discounts_of(result, sku)["basket10"] for sku in "abc"] == [33, 33, 34]
    assert result.total == 900 == sum(item.total for item in result.lines)


def test_a_basket_amount_off_larger_than_the_basket_stops_at_zero():
    five_off = promo("five", AmountOff(500, WHOLE_BASKET))
    result = price([line("a", 120), line("b", 180)], [five_off])
    assert result.total == 0
    assert all(item.total == 0 for item in result.lines)


def test_a_weighed_line_is_discounted_once_on_its_amount():
    apples = BasketLine("1", "apples", 299, qty_milli=1250, category="fruit")
    fruit = promo("fruit", AmountOff(50, categories("fruit")))
    # 2.99 x 1.25 = 3.7375 -> 3.74, minus 0.50 once
    assert price([apples], [fruit]).total == 324
