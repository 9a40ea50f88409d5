from promotions.basket import BasketLine
from promotions.rules import MultiBuy

from .builders import categories, discounts_of, line, price, promo

THREE_FOR_TWO = promo("snacks-3for2", MultiBuy(2, 1, categories("snacks")), "3 for 2 — Snacks")


def snack(sku: str, unit_price: int, qty: int = 1):
    return line(sku, unit_price, qty=qty, category="snacks")


def test_three_for_two_gives_the_third_unit_free():
    result = price([snack("chips", 199, 3)], [THREE_FOR_TWO])
    assert result.total == 398
    assert result.lines[0].discounts[0].label == "3 for 2 — Snacks"


def test_buy_two_get_one_repeats_on_six_items():
    assert price([snack("chips", 199, 6)], [THREE_FOR_TWO]).total == 796


def test_the_cheapest_item_of_a_mixed_group_is_free():
    result = price([snack("chips", 199), snack("crisps", 249), snack("nuts", 299)], [THREE_FOR_TWO])
    assert discounts_of(result, "chips") == {"snacks-3for2": 199}
    assert result.total == 548


def test_groups_are_formed_best_for_the_customer():
    basket = [snack("cashews", 500, 3), snack("pretzels", 100, 3)]
    # (5, 5, 5) and (1, 1, 1) free a 5.00 and a 1.00; (5, 5, 1) twice would free only 2.00
    assert price(basket, [THREE_FOR_TWO]).discount_total == 600


def test_buy_one_get_one_half_price():
    half = promo("bogo50", MultiBuy(1, 1, categories("snacks"), percent_bp=5000))
    assert price([snack("dip", 300, 2)], [half]).total == 450


def test_a_capped_multibuy_applies_only_as_often_as_allowed():
    once = promo("once", MultiBuy(2, 1, categories("snacks"), max_applications=1))
    assert price([snack("chips", 199, 6)], [once]).discount_total == 199


def test_two_units_of_a_three_for_two_get_nothing():
    assert price([snack("chips", 199, 2)], [THREE_FOR_TWO]).discount_total == 0


def test_weighed_goods_never_count_towards_a_multibuy():
    loose = BasketLine("1", "trail-mix", 1500, qty_milli=3000, category="snacks")
    assert price([loose], [THREE_FOR_TWO]).discount_total == 0
