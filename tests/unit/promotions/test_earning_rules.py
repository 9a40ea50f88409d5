"""Earning rules (bonus-points promotions with conditions), worked examples and properties.

Expected figures are computed here from the raw numbers, never read back from the engine.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promotions.exceptions import InvalidPromotion
from promotions.rules import BonusPoints, Scope

from .builders import WHOLE_BASKET, categories, line, member, price, promo, skus

PRODUCE = categories("produce")
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_one_point_per_two_euros_on_produce_is_floored_over_the_rule():
    rule = promo("1 per 2.00 produce", BonusPoints(PRODUCE, points_per=1, per_minor=200))
    basket = [line("apples", 650, category="produce"), line("pears", 650, category="produce"), line("bread", 300)]
    result = price(basket, [rule], member=member())
    assert (result.base_points, [b.points for b in result.bonus]) == (16, [6])  # 13.00 / 2.00 = 6.5 -> 6
    assert result.points_to_earn == 22


def test_points_per_unit_count_units_and_a_weighed_line_as_one():
    rule = promo("5 per coffee", BonusPoints(skus("coffee", "tomatoes"), unit_points=5))
    basket = [line("coffee", 400, qty=3), line("tomatoes", 300, qty_milli=1500)]
    assert [b.points for b in price(basket, [rule], member=member()).bonus] == [20]  # 3 coffees + 1 weighed line


def test_a_minimum_order_value_counts_what_the_whole_basket_pays():
    rule = promo("50 over 20.00", BonusPoints(WHOLE_BASKET, fixed_points=50, min_order_minor=2000))
    assert price([line("a", 1999)], [rule], member=member()).bonus == ()
    assert [b.points for b in price([line("a", 1999), line("b", 1)], [rule], member=member()).bonus] == [50]


def test_a_minimum_quantity_of_named_products():
    rule = promo("2 coffees: +30", BonusPoints(skus("coffee"), fixed_points=30, min_qty=2))
    assert price([line("coffee", 400), line("bread", 900)], [rule], member=member()).bonus == ()
    result = price([line("coffee", 400, qty=2), line("bread", 900)], [rule], member=member())
    assert [b.points for b in result.bonus] == [30]


def test_fixed_points_are_given_once_per_order_whatever_the_lines():
    rule = promo("+25", BonusPoints(PRODUCE, fixed_points=25))
    basket = [line("apples", 100, qty=4, category="produce"), line("pears", 100, category="produce")]
    assert [b.points for b in price(basket, [rule], member=member()).bonus] == [25]


def test_a_multiplier_scales_the_rules_own_points_and_not_its_fixed_points():
    rule = promo("3 per coffee, 2x, +10",
                 BonusPoints(skus("coffee"), unit_points=3, multiplier_bp=20_000, fixed_points=10, min_qty=2))
    assert [b.points for b in price([line("coffee", 400, qty=3)], [rule], member=member()).bonus] == [28]


def test_a_stand_alone_rule_replaces_base_earning_on_its_lines_only():
    double = promo("2x points on produce", BonusPoints(PRODUCE, extra_bp=20_000, standalone=True))
    basket = [line("apples", 1300, category="produce"), line("bread", 300)]
    result = price(basket, [double], member=member())
    assert result.base_points == 3  # bread only: the produce line's 13 base points are gone
    assert [(b.points, b.replaces_base) for b in result.bonus] == [(26, True)]
    assert result.points_to_earn == 29
    assert [ln.base_replaced_by for ln in result.lines] == ["2x points on produce", None]


def test_a_stand_alone_rule_whose_condition_fails_leaves_base_earning_alone():
    rule = promo("alone", BonusPoints(PRODUCE, extra_bp=20_000, standalone=True, min_order_minor=5000))
    result = price([line("apples", 1300, category="produce")], [rule], member=member())
    assert (result.base_points, result.bonus, result.lines[0].base_replaced_by) == (13, (), None)


def test_each_rule_says_what_it_gave():
    double = promo("2x", BonusPoints(PRODUCE, extra_bp=10_000), label="2x points on produce")
    result = price([line("apples", 4000, category="produce")], [double], member=member())
    assert [b.explanation for b in result.bonus] == ["2x points on produce: +40"]


def test_excluded_lines_neither_earn_by_a_rule_nor_count_towards_its_conditions():
    rule = promo("2 tobacco", BonusPoints(WHOLE_BASKET, unit_points=10, min_qty=2))
    basket = [line("cigs", 800, category="tobacco", excluded_from_points=True), line("bread", 300)]
    assert price(basket, [rule], member=member()).bonus == ()


def test_definitions_saved_before_earning_rules_keep_their_meaning():
    old = promo("2x snacks", BonusPoints(categories("snacks"), 10_000, 5))
    result = price([line("chips", 1399, category="snacks")], [old], member=member())
    assert (result.base_points, [b.points for b in result.bonus]) == (13, [13 + 5])


@pytest.mark.parametrize("fields", [
    {"points_per": 1}, {"per_minor": 200}, {"unit_points": 1, "multiplier_bp": 0}, {"min_qty": 2},
    {"unit_points": -1}, {"fixed_points": 5, "min_order_minor": -1},
])
def test_nonsense_earning_rules_are_refused(fields):
    with pytest.raises(InvalidPromotion):
        BonusPoints(PRODUCE, **fields)


# -- properties --------------------------------------------------------------------------------

CATEGORIES = ("produce", "snacks", "tobacco")
lines = st.lists(
    st.tuples(st.sampled_from(CATEGORIES), st.integers(0, 5000), st.integers(1, 4)), min_size=1, max_size=6)
rules = st.builds(
    BonusPoints,
    st.sampled_from(CATEGORIES).map(lambda c: Scope(categories=frozenset({c}))),
    extra_bp=st.integers(0, 30_000),
    fixed_points=st.integers(0, 50),
    points_per=st.integers(1, 5),
    per_minor=st.integers(1, 500),
    unit_points=st.integers(0, 5),
    multiplier_bp=st.integers(1, 40_000),
    min_order_minor=st.integers(0, 8000),
    min_qty=st.integers(0, 6),
    standalone=st.booleans(),
)


def _basket(rows):
    return [line(f"l{i}", unit, qty=qty, category=cat, excluded_from_points=cat == "tobacco")
            for i, (cat, unit, qty) in enumerate(rows)]


def _expected(rule: BonusPoints, rows) -> int:
    """The rule by hand: conditions, exact parts, times the multiplier, floored once, plus fixed."""
    mine = [(unit * qty, qty) for cat, unit, qty in rows if cat in rule.scope.categories and cat != "tobacco"]
    order = sum(unit * qty for _, unit, qty in rows)
    units = sum(q for _, q in mine)
    if not mine or order < rule.min_order_minor or units < rule.min_qty:
        return 0
    paid = sum(p for p, _ in mine)
    # over the common denominator per_minor x 100 x 10,000 x 10,000 (base rate 1 point per 1.00)
    den = rule.per_minor * 100 * 10_000
    own = (units * rule.unit_points * den + paid * rule.points_per * 100 * 10_000
           + paid * rule.extra_bp * rule.per_minor)
    return own * rule.multiplier_bp // (den * 10_000) + rule.fixed_points


@FAST
@given(lines, st.lists(rules, min_size=1, max_size=3))
def test_stackable_rules_add_up_each_as_it_gives_alone(rows, found):
    catalogue = [promo(f"r{i}", rule) for i, rule in enumerate(found)]
    together = price(_basket(rows), catalogue, member=member())
    given_ = {b.promotion_id: b.points for b in together.bonus}
    for promotion, rule in zip(catalogue, found, strict=True):
        assert given_.get(promotion.promotion_id, 0) == _expected(rule, rows)
    assert together.points_to_earn == together.base_points + sum(given_.values())


@FAST
@given(lines, st.lists(rules, min_size=1, max_size=3))
def test_stand_alone_rules_take_base_earning_off_exactly_their_lines(rows, found):
    catalogue = [promo(f"r{i}", rule) for i, rule in enumerate(found)]
    result = price(_basket(rows), catalogue, member=member())
    taken = {cat for rule in found if rule.standalone and _expected(rule, rows) > 0 for cat in rule.scope.categories}
    eligible = sum(unit * qty for cat, unit, qty in rows if cat != "tobacco" and cat not in taken)
    assert result.base_points == eligible // 100
    assert all((ln.base_replaced_by is not None) == (cat in taken and cat != "tobacco")
               for ln, (cat, _, _) in zip(result.lines, rows, strict=True))


@FAST
@given(lines, st.lists(rules, min_size=1, max_size=3), st.lists(st.booleans(), min_size=3, max_size=3))
def test_no_rule_ever_gives_negative_points(rows, found, exclusive):
    flags = exclusive[:len(found)]
    catalogue = [promo(f"r{i}", rule, exclusive=flag) for i, (rule, flag) in enumerate(zip(found, flags, strict=True))]
    result = price(_basket(rows), catalogue, member=member())
    assert result.base_points >= 0 and all(b.points > 0 for b in result.bonus)
    assert result.points_to_earn >= 0
