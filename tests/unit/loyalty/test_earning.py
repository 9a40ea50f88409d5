from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loyalty.earning import Bonus, EarningRules, Rounding, SaleLine, compute_earning, earn_entries, earns_no_points
from loyalty.entries import EntryKind
from loyalty.exceptions import InvalidValue
from loyalty.ledger import Ledger

from .helpers import POLICY, utc

RULES = EarningRules(
    points_per_unit=1,
    unit_minor=100,
    category_multipliers={"wine": 2},
    tier_multipliers={"gold": Fraction(3, 2)},
)
BASKET = [
    SaleLine("bread", 249, category="bakery"),
    SaleLine("wine", 1299, category="wine"),
    SaleLine("cigarettes", 850, category="tobacco", excluded=True),
]


def test_a_basic_member_earns_one_point_per_unit_with_wine_doubled_and_tobacco_excluded():
    # bread 2.49 -> 2.49, wine 12.99 x 2 -> 25.98, cigarettes 0: 28.47 -> 28 points
    earning = compute_earning(BASKET, RULES)
    assert earning.points == 28
    assert earning.line_points == {"bread": 2, "wine": 26, "cigarettes": 0}
    assert earning.eligible_minor == 249 + 1299


def test_a_gold_member_earns_half_as_much_again():
    # bread 3.735 + wine 38.97 = 42.705 -> 42; the lost 0.705 leaves bread, the line with the
    # smallest fraction
    earning = compute_earning(BASKET, RULES, tier="gold")
    assert earning.points == 42
    assert earning.line_points == {"bread": 3, "wine": 39, "cigarettes": 0}


def test_per_line_rounding_floors_each_line_and_can_earn_less():
    per_line = EarningRules(
        category_multipliers={"wine": 2},
        tier_multipliers={"gold": Fraction(3, 2)},
        rounding=Rounding.PER_LINE,
    )
    earning = compute_earning(BASKET, per_line, tier="gold")
    assert earning.points == 41  # floor(3.735) + floor(38.97)
    assert earning.line_points == {"bread": 3, "wine": 38, "cigarettes": 0}


def test_the_part_paid_with_points_earns_nothing():
    # 5.00 paid with points spread over 23.98 of lines: bread 0.52, wine 2.71, cigarettes 1.77
    earning = compute_earning(BASKET, RULES, points_tender_minor=500)
    assert earning.eligible_minor == (249 - 52) + (1299 - 271)
    # bread 1.97 + wine 10.28 x 2 = 22.53 -> 22
    assert earning.points == 22


def test_a_points_tender_above_the_basket_is_refused():
    with pytest.raises(InvalidValue):
        compute_earning(BASKET, RULES, points_tender_minor=2399)


def test_float_multipliers_are_refused():
    with pytest.raises(InvalidValue, match="never a float"):
        EarningRules(category_multipliers={"wine": 1.5})


def test_a_sale_writes_one_earn_and_one_bonus_entry_per_promotion_and_replays_as_a_no_op():
    at = utc(2024, 5, 4, 15, 30)
    earning = compute_earning(BASKET, RULES)
    bonuses = [Bonus("PROMO-WINE", 50), Bonus("PROMO-WEEKEND", 20), Bonus("PROMO-WINE", 10)]
    entries = earn_entries("T-100", "member-ann", at, earning, bonuses, POLICY)
    assert [(e.kind, e.points, e.reason) for e in entries] == [
        (EntryKind.EARN, 28, ""),
        (EntryKind.BONUS, 20, "PROMO-WEEKEND"),
        (EntryKind.BONUS, 60, "PROMO-WINE"),
    ]
    assert {e.expires_at for e in entries} == {utc(2025, 6, 1)}
    ledger = Ledger("member-ann").apply(entries)
    again = earn_entries("T-100", "member-ann", at, earning, bonuses, POLICY)
    assert ledger.apply(again) is ledger
    assert ledger.state.balance == 108


def test_a_sale_that_earns_nothing_writes_no_entry():
    earning = compute_earning([SaleLine("gift-card", 5000, excluded=True)], RULES)
    assert earn_entries("T-101", "member-ann", utc(2024, 5, 4), earning, [], POLICY) == []


lines = st.lists(
    st.builds(
        SaleLine,
        line_id=st.uuids().map(str),
        paid_minor=st.integers(0, 100_000),
        qty=st.integers(1, 5),
        category=st.sampled_from(["", "wine"]),
        excluded=st.booleans(),
    ),
    min_size=1,
    max_size=8,
    unique_by=lambda line: line.line_id,
)


@given(lines=lines, tier=st.sampled_from([None, "gold"]), data=st.data())
def test_per_transaction_rounding_loses_less_than_one_point_and_lines_add_up(lines, tier, data):
    tender = data.draw(st.integers(0, sum(line.paid_minor for line in lines)))
    earning = compute_earning(lines, RULES, tier=tier, points_tender_minor=tender)
    per_line = compute_earning(
        lines,
        EarningRules(
            category_multipliers=RULES.category_multipliers,
            tier_multipliers=RULES.tier_multipliers,
            rounding=Rounding.PER_LINE,
        ),
        tier=tier,
        points_tender_minor=tender,
    )
    assert sum(earning.line_points.values()) == earning.points
    assert per_line.points <= earning.points < per_line.points + len(lines)
    for line in lines:
        assert abs(earning.line_points[line.line_id] - per_line.line_points[line.line_id]) <= 1


CHAIN = EarningRules(excluded_categories={"tobacco", "gift-cards"})


def test_a_flagged_product_or_an_excluded_category_earns_no_points_and_other_goods_do():
    assert earns_no_points("tobacco", False, CHAIN)
    assert earns_no_points("wine", True, CHAIN)
    assert not earns_no_points("wine", False, CHAIN)
    assert not earns_no_points("", False, CHAIN)


def test_an_unflagged_line_in_an_excluded_category_earns_nothing():
    # 10.00 of cigarettes the till did not flag, 5.00 of bread: 5 points, not 15
    lines = [SaleLine("cigarettes", 1000, category="tobacco"), SaleLine("bread", 500, category="bakery")]
    earning = compute_earning(lines, CHAIN)
    assert (earning.points, earning.line_points["cigarettes"], earning.eligible_minor) == (5, 0, 500)


def test_a_line_a_stand_alone_rule_took_earns_no_base_points_but_still_shares_the_points_tender():
    rules = EarningRules(tier_multipliers={"gold": 2})
    lines = [SaleLine("produce", 1300, base_replaced=True), SaleLine("bread", 700)]
    earning = compute_earning(lines, rules, tier="gold", points_tender_minor=1000)
    # the 10.00 paid with points is shared 6.50 / 3.50, so bread earns on 3.50 x 2 = 7
    assert (earning.points, dict(earning.line_points), earning.eligible_minor) == (7, {"produce": 0, "bread": 7}, 350)


def test_a_stand_alone_rule_takes_the_base_points_of_a_product_earning_per_unit_too():
    rules = EarningRules(unit_points={"TEA": 5})
    taken = compute_earning([SaleLine("t", 1200, qty=2, sku="TEA", base_replaced=True)], rules)
    kept = compute_earning([SaleLine("t", 1200, qty=2, sku="TEA")], rules)
    assert (taken.points, kept.points) == (0, 10)
