import pytest
from hypothesis import given
from hypothesis import strategies as st

from promotions.shares import largest_remainder


def test_one_euro_over_three_equal_lines_gives_the_extra_cent_to_the_first():
    assert largest_remainder(100, [300, 300, 300]) == [34, 33, 33]


def test_the_extra_cents_go_to_the_largest_remainders():
    assert largest_remainder(247, [199, 249, 299]) == [66, 82, 99]


def test_a_zero_weight_line_gets_nothing():
    assert largest_remainder(10, [0, 5, 5]) == [0, 5, 5]


def test_more_than_the_weights_cannot_be_spread():
    with pytest.raises(ValueError, match="cannot spread"):
        largest_remainder(11, [5, 5])


@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=20), st.data())
def test_shares_always_add_up_and_never_exceed_their_line(weights, data):
    amount = data.draw(st.integers(0, sum(weights)))
    shares = largest_remainder(amount, weights)
    assert sum(shares) == amount
    assert all(0 <= share <= weight for share, weight in zip(shares, weights, strict=True))
