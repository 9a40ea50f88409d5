from promotions.rules import Bundle, BundleComponent

from .builders import categories, discounts_of, line, price, promo, skus

ANY_THREE_SNACKS = promo(
    "snacks-3-for-5",
    Bundle((BundleComponent(categories("snacks"), qty=3),), price=500),
    "Any 3 snacks 5.00",
)
PASTA_DINNER = promo(
    "pasta-dinner",
    Bundle(
        (
            BundleComponent(skus("pasta")),
            BundleComponent(skus("sauce")),
            BundleComponent(skus("parmesan")),
        ),
        price=999,
    ),
    "Bundle: pasta + sauce + parmesan 9.99",
)


def snack(sku: str, unit_price: int, qty: int = 1):
    return line(sku, unit_price, qty=qty, category="snacks")


def test_any_three_of_a_set_cost_the_bundle_price_with_shares_that_add_up():
    result = price([snack("chips", 199), snack("crisps", 249), snack("nuts", 299)], [ANY_THREE_SNACKS])
    # 7.47 - 5.00 = 2.47 spread by weight: 65.8 / 82.3 / 98.9 -> 66 / 82 / 99
    assert [discounts_of(result, s)["snacks-3-for-5"] for s in ("chips", "crisps", "nuts")] == [66, 82, 99]
    assert result.total == 500


def test_a_plus_b_plus_c_costs_nine_ninety_nine():
    basket = [line("pasta", 249), line("sauce", 349), line("parmesan", 599)]
    result = price(basket, [PASTA_DINNER])
    assert result.total == 999
    assert result.lines[0].discounts[0].label == "Bundle: pasta + sauce + parmesan 9.99"


def test_an_incomplete_bundle_gives_nothing():
    assert price([line("pasta", 249), line("sauce", 349)], [PASTA_DINNER]).discount_total == 0


def test_a_bundle_dearer_than_its_parts_gives_nothing():
    cheap = [line("pasta", 100), line("sauce", 100), line("parmesan", 100)]
    assert price(cheap, [PASTA_DINNER]).total == 300


def test_a_bundle_applies_again_for_each_complete_set():
    result = price([snack("chips", 199, 7)], [ANY_THREE_SNACKS])
    # two bundles of three at 5.00 each plus one chips at 1.99
    assert result.total == 1199
