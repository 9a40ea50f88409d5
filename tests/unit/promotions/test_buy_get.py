"""Buy X, get Y: Y is another product or any of a group, chosen best for the customer."""

from promotions.rules import BuyGet, MultiBuy, PercentOff

from .builders import categories, discounts_of, line, price, promo, skus

COFFEE_GETS_PASTRY = promo("cp", BuyGet(skus("coffee"), 1, categories("pastry"), 1), "Coffee + free pastry")


def test_buying_a_coffee_makes_the_dearest_pastry_free():
    result = price(
        [line("coffee", 300), line("bun", 190, category="pastry"), line("croissant", 240, category="pastry")],
        [COFFEE_GETS_PASTRY],
    )
    assert discounts_of(result, "croissant") == {"cp": 240}
    assert discounts_of(result, "bun") == {}
    assert discounts_of(result, "coffee") == {}
    assert result.total == 490


def test_without_the_coffee_no_pastry_is_free():
    result = price([line("croissant", 240, category="pastry", qty=2)], [COFFEE_GETS_PASTRY])
    assert result.total == 480


def test_two_coffees_free_two_pastries_and_a_third_pays():
    result = price(
        [line("coffee", 300, qty=2), line("croissant", 240, category="pastry", qty=3)], [COFFEE_GETS_PASTRY]
    )
    assert discounts_of(result, "croissant") == {"cp": 480}


def test_half_price_get_rounds_half_up_per_unit():
    half = promo("half", BuyGet(skus("coffee"), 2, skus("muffin"), 1, 5_000))
    result = price([line("coffee", 300, qty=2), line("muffin", 249)], [half])
    assert discounts_of(result, "muffin") == {"half": 125}


def test_max_applications_caps_the_free_units():
    once = promo("once", BuyGet(skus("coffee"), 1, categories("pastry"), 1, max_applications=1))
    result = price([line("coffee", 300, qty=3), line("bun", 190, qty=3, category="pastry")], [once])
    assert result.total == 900 + 380


def test_overlapping_scopes_free_the_dearest_unit_unlike_a_multibuy():
    # Buy 2 coffees, get a coffee free: of 4.00, 3.00 and 2.00 the 4.00 one is free.
    buy_get = promo("bg", BuyGet(categories("coffee"), 2, categories("coffee"), 1))
    multibuy = promo("mb", MultiBuy(2, 1, categories("coffee")))
    basket = [line(sku, cents, category="coffee") for sku, cents in (("flat", 400), ("latte", 300), ("mocha", 200))]
    assert price(basket, [buy_get]).total == 500
    assert price(basket, [multibuy]).total == 700


def test_the_customer_gets_the_better_of_a_pastry_discount_and_the_free_pastry():
    ten_off_pastry = promo("p10", PercentOff(1000, categories("pastry")), exclusive=True)
    exclusive_free = promo("cp", BuyGet(skus("coffee"), 1, categories("pastry"), 1), exclusive=True)
    result = price([line("coffee", 300), line("croissant", 240, category="pastry")], [ten_off_pastry, exclusive_free])
    assert discounts_of(result, "croissant") == {"cp": 240}


def test_the_choice_does_not_depend_on_the_scan_order():
    basket = [line("coffee", 300), line("bun", 190, category="pastry"), line("croissant", 240, category="pastry")]
    forward = price(basket, [COFFEE_GETS_PASTRY])
    backward = price(list(reversed(basket)), [COFFEE_GETS_PASTRY])
    assert sorted((ln.line_id, ln.total) for ln in forward.lines) == sorted(
        (ln.line_id, ln.total) for ln in backward.lines)
