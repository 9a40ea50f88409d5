from datetime import timedelta

from promotions.basket import EarnConfig
from promotions.catalogue import Targeting
from promotions.rules import BonusPoints
from promotions.windows import Window

from .builders import TUESDAY_NOON, WHOLE_BASKET, categories, line, member, price, promo

DOUBLE_SNACKS = promo("2x-snacks", BonusPoints(categories("snacks"), extra_bp=10000))


def test_base_points_are_one_per_euro_paid_floored_once_per_sale():
    result = price([line("a", 60), line("b", 60), line("c", 1114)], [], member=member())
    assert result.base_points == 12  # 12.34 -> 12, not 0 + 0 + 11


def test_lines_excluded_from_points_earn_nothing():
    basket = [line("cigarettes", 800, excluded_from_points=True), line("bread", 499)]
    assert price(basket, [], member=member()).base_points == 4


def test_double_points_on_a_category_adds_the_base_again_on_that_category():
    basket = [line("chips", 500, category="snacks"), line("bread", 1000)]
    result = price(basket, [DOUBLE_SNACKS], member=member())
    assert (result.base_points, result.points_to_earn) == (15, 20)
    assert result.bonus[0].label == "2x-snacks"


def test_a_weekday_bonus_counts_only_on_that_weekday():
    tuesdays = promo("tue", BonusPoints(WHOLE_BASKET, extra_bp=10000), window=Window(weekdays=frozenset({1})))
    basket = [line("bread", 1000)]
    assert price(basket, [tuesdays], member=member()).points_to_earn == 20
    wednesday = TUESDAY_NOON + timedelta(days=1)
    assert price(basket, [tuesdays], member=member(), at=wednesday).points_to_earn == 10


def test_a_segment_bonus_goes_only_to_that_segment():
    students = promo(
        "students",
        BonusPoints(WHOLE_BASKET, fixed_points=50),
        targeting=Targeting(segments=frozenset({"students"})),
    )
    basket = [line("bread", 1000)]
    assert price(basket, [students], member=member(segments=frozenset({"students"}))).points_to_earn == 60
    assert price(basket, [students], member=member()).points_to_earn == 10


def test_an_anonymous_sale_earns_no_points():
    result = price([line("chips", 500, category="snacks")], [DOUBLE_SNACKS])
    assert (result.points_to_earn, result.bonus) == (0, ())


def test_an_exclusive_bonus_replaces_the_stack_only_when_it_gives_more():
    triple = promo("3x", BonusPoints(WHOLE_BASKET, extra_bp=20000), exclusive=True)
    flat = promo("flat", BonusPoints(WHOLE_BASKET, fixed_points=15))
    snacks_basket = [line("chips", 1000, category="snacks")]
    result = price(snacks_basket, [triple, flat, DOUBLE_SNACKS], member=member())
    # stack: 10 (double) + 15 = 25 > exclusive 20
    assert sorted(b.promotion_id for b in result.bonus) == ["2x-snacks", "flat"]
    result = price(snacks_basket, [triple, DOUBLE_SNACKS], member=member())
    assert [b.promotion_id for b in result.bonus] == ["3x"]


def test_points_follow_the_earn_config_passed_in():
    yen = EarnConfig(points_per_unit=1, minor_per_unit=100)
    tenfold = EarnConfig(points_per_unit=10, minor_per_unit=100)
    assert price([line("a", 999)], [], member=member(), earn=yen).base_points == 9
    assert price([line("a", 999)], [], member=member(), earn=tenfold).base_points == 99
