
import pytest
from hypothesis import given
from hypothesis import strategies as st

from loyalty.exceptions import PointsNotMultipleOfStep
from loyalty.money import PointValue


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
