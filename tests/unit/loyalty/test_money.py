from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loyalty.exceptions import InvalidValue, NotAnInteger, PointsNotMultipleOfStep
from loyalty.money import PointValue, allocate


def test_a_dollar_split_three_ways_gives_the_extra_cent_to_the_first_part():
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]


def test_a_discount_is_spread_by_line_value_with_the_remainder_to_the_largest_fraction():
    # 5.00 off lines of 2.49, 12.99 and 8.50 (total 23.98): exact shares 0.519, 2.708, 1.772
    assert allocate(500, [249, 1299, 850]) == [52, 271, 177]


def test_a_negative_total_is_split_like_the_positive_one():
    assert allocate(-500, [249, 1299, 850]) == [-52, -271, -177]


def test_fraction_weights_are_exact():
    assert allocate(10, [Fraction(1, 3), Fraction(2, 3)]) == [3, 7]


def test_nothing_can_be_split_over_zero_weights_but_zero():
    assert allocate(0, [0, 0]) == [0, 0]
    with pytest.raises(InvalidValue):
        allocate(1, [0, 0])


def test_float_totals_and_weights_are_refused():
    with pytest.raises(NotAnInteger):
        allocate(1.0, [1])
    with pytest.raises(NotAnInteger):
        allocate(1, [0.5, 0.5])


@given(
    total=st.integers(min_value=-(10**9), max_value=10**9),
    weights=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=20).filter(any),
)
def test_largest_remainder_allocations_sum_exactly_and_stay_within_a_unit_of_the_share(total, weights):
    parts = allocate(total, weights)
    assert sum(parts) == total
    whole = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        assert abs(part - Fraction(total * weight, whole)) < 1


def test_100_points_pay_exactly_one_unit():
    value = PointValue(step_points=100, step_minor=100)
    assert value.value_minor(1200) == 1200
    assert value.points_for(1299) == 1200
    assert value.floor_points(1299) == 1200


def test_points_that_are_not_a_whole_step_are_refused_rather_than_rounded():
    with pytest.raises(PointsNotMultipleOfStep) as error:
        PointValue(step_points=100, step_minor=100).value_minor(150)
    assert (error.value.points, error.value.step) == (150, 100)


@given(
    points=st.integers(min_value=0, max_value=10**9), step=st.integers(1, 1000), value=st.integers(1, 1000)
)
def test_point_value_never_creates_money(points, step, value):
    rate = PointValue(step_points=step, step_minor=value)
    whole = rate.floor_points(points)
    assert whole <= points
    assert rate.value_minor(whole) * step == whole * value
    assert rate.value_minor(rate.points_for(whole // step * value)) == whole // step * value
