import random

from promotions.allocation import Offer, Problem, allocate, exhaustive_saving
from promotions.rules import Bundle, BundleComponent, MultiBuy

from .builders import categories, line, price, promo, skus


def snack(sku, unit_price, qty=1):
    return line(sku, unit_price, qty=qty, category="snacks")


THREE_FOR_TWO = promo("3for2", MultiBuy(2, 1, categories("snacks")))
ANY_THREE_FOR_FIVE = promo("any3", Bundle((BundleComponent(categories("snacks"), 3),), 500))


def test_when_a_bundle_and_a_multibuy_compete_the_customer_gets_the_cheaper():
    cheap = [snack("chips", 200, 3)]  # 3 for 2 saves 2.00; bundle saves 1.00
    assert price(cheap, [THREE_FOR_TWO, ANY_THREE_FOR_FIVE]).total == 400
    dear = [snack("nuts", 300, 3)]  # 3 for 2 saves 3.00; bundle saves 4.00
    assert price(dear, [THREE_FOR_TWO, ANY_THREE_FOR_FIVE]).total == 500


def test_the_best_allocation_is_found_where_taking_the_biggest_saving_first_is_wrong():
    # A+B saves 3.00 alone; A+C and B+D save 2.00 each: together 4.00 is best.
    pair = lambda pid, a, b, p: promo(  # noqa: E731
        pid, Bundle((BundleComponent(skus(a)), BundleComponent(skus(b))), p)
    )
    offers = [pair("ab", "a", "b", 100), pair("ac", "a", "c", 200), pair("bd", "b", "d", 200)]
    basket = [line(s, 200) for s in "abcd"]
    result = price(basket, offers)
    assert result.total == 400
    assert sorted(a.promotion_id for a in result.applied) == ["ac", "bd"]


def test_the_result_does_not_depend_on_the_catalogue_order():
    offers = [
        THREE_FOR_TWO,
        ANY_THREE_FOR_FIVE,
        promo("2for3", Bundle((BundleComponent(categories("snacks"), 2),), 300)),
    ]
    basket = [snack("chips", 199, 2), snack("nuts", 299, 3), snack("dip", 249)]
    first = price(basket, offers)
    for seed in range(5):
        shuffled = offers[:]
        random.Random(seed).shuffle(shuffled)
        assert price(basket, shuffled) == first


def test_equal_offers_tie_break_on_the_promotion_id():
    a = promo("a-offer", MultiBuy(2, 1, categories("snacks")))
    b = promo("b-offer", MultiBuy(2, 1, categories("snacks")))
    result = price([snack("chips", 199, 3)], [b, a])
    assert [d.promotion_id for d in result.lines[0].discounts] == ["a-offer"]


def test_the_allocator_matches_an_exhaustive_search_on_a_small_case():
    def free_cheapest(values):
        return min(values)

    problem = Problem(
        counts=(2, 1, 3),
        alone=(500, 300, 100),
        offers=(
            Offer("x", (((0, 1, 2), 3),), (500, 300, 100), free_cheapest),
            Offer("y", (((0,), 1), ((2,), 1)), (500, 300, 100), lambda v: 250),
        ),
    )
    assert allocate(problem).saving == exhaustive_saving(problem) == 500


def test_a_huge_mix_falls_back_to_greedy_and_says_so():
    offers = [promo(f"b{i}", Bundle((BundleComponent(categories("snacks"), 2),), 150 + i)) for i in range(3)]
    basket = [snack(f"s{i}", 100 + i, 3) for i in range(12)]
    result = price(basket, offers)
    assert result.allocation_exact is False
    assert result.total == sum(item.total for item in result.lines)


def test_free_units_in_competing_bundles_are_allocated_exactly():
    # Found by the property test: four lines of a free item and two "free" bundles made the
    # exact search spend its whole budget on allocations that all save nothing.
    basket = [line("c", 0, 3, category="y", line_id=f"l{i}", excluded_from_points=i == 2) for i in range(4)]
    offers = [
        promo("q0", Bundle((BundleComponent(categories("y"), 2),), 0)),
        promo("q1", Bundle((BundleComponent(categories("y"), 2), BundleComponent(categories("y"), 2)), 0)),
    ]
    result = price(basket, offers)
    assert result.allocation_exact is True
    assert result.total == 0
    assert result.applied == ()


def test_lines_of_one_product_scanned_one_by_one_are_allocated_exactly():
    # Four lines of one 1.00 item (13 units), "buy one get one free" and "four for nothing"
    # compete: the plain search runs out of budget, the search with the twin lines merged does
    # not. Three free fours (12 units) leave one unit at 1.00; the units go in basket order.
    basket = [line("a", 100, qty, line_id=f"l{i}") for i, qty in enumerate((4, 4, 4, 1))]
    offers = [
        promo("q1", MultiBuy(1, 1, skus("a"))),
        promo("q2", Bundle((BundleComponent(skus("a"), 2), BundleComponent(skus("a"), 2)), 0)),
    ]
    result = price(basket, offers)
    assert result.allocation_exact is True
    assert [item.total for item in result.lines] == [0, 0, 0, 100]
    assert [d.promotion_id for item in result.lines for d in item.discounts] == ["q2", "q2", "q2"]
