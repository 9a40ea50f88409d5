from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loyalty.shares import largest_remainder


def test_one_euro_over_three_equal_lines_gives_the_extra_cent_to_the_first():
    assert largest_remainder(100, [300, 300, 300]) == [34, 33, 33]


def test_the_extra_cents_go_to_the_largest_remainders():
    assert largest_remainder(247, [199, 249, 299]) == [66, 82, 99]


def test_a_discount_is_spread_by_line_value_with_the_remainder_to_the_largest_fraction():
    # 5.00 off lines of 2.49, 12.99 and 8.50 (total 23.98): exact shares 0.519, 2.708, 1.772
    assert largest_remainder(500, [249, 1299, 850]) == [52, 271, 177]


def test_on_equal_remainders_the_larger_line_takes_the_cent_before_the_earlier_one():
    # 2 cents over 1.00 and 3.00: exact 0.5 and 1.5, the remainders tie at 0.5 and the 3.00
    # line, the larger, takes the cent although it comes second.
    assert largest_remainder(2, [100, 300]) == [0, 2]


def test_on_equal_remainders_and_equal_lines_the_earlier_line_takes_the_cent():
    # 2 cents over 1.00, 1.00 and 2.00: exact 0.5, 0.5 and 1.0.
    assert largest_remainder(2, [100, 100, 200]) == [1, 0, 1]


def test_a_zero_weight_line_gets_nothing():
    assert largest_remainder(10, [0, 5, 5]) == [0, 5, 5]


def test_nothing_spread_over_zero_weights_is_all_zeros():
    assert largest_remainder(0, [0, 0]) == [0, 0]


def test_more_than_the_weights_cannot_be_spread():
    with pytest.raises(ValueError, match="cannot spread"):
        largest_remainder(11, [5, 5])


def test_a_negative_amount_or_weight_is_refused():
    with pytest.raises(ValueError, match="cannot spread"):
        largest_remainder(-1, [5, 5])
    with pytest.raises(ValueError, match="must not be negative"):
        largest_remainder(1, [5, -1])


@pytest.mark.parametrize(("amount", "weights"), [(1.0, [1]), (1, [0.5, 0.5]), (True, [1]), (1, [Fraction(1)])])
def test_anything_but_ints_is_refused(amount, weights):
    with pytest.raises(TypeError, match="takes ints"):
        largest_remainder(amount, weights)


@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=20), st.data())
def test_shares_always_add_up_and_never_exceed_their_line(weights, data):
    amount = data.draw(st.integers(0, sum(weights)))
    shares = largest_remainder(amount, weights)
    assert sum(shares) == amount
    assert all(0 <= share <= weight for share, weight in zip(shares, weights, strict=True))


@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=20).filter(any), st.data())
def test_no_unit_is_created_or_lost_and_each_share_is_within_one_of_its_exact_part(weights, data):
    amount = data.draw(st.integers(0, sum(weights)))
    shares = largest_remainder(amount, weights)
    assert sum(shares) == amount
    for share, weight in zip(shares, weights, strict=True):
        assert abs(share - Fraction(amount * weight, sum(weights))) < 1


@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=12).filter(any), st.data())
def test_splitting_is_the_same_whatever_the_order_of_lines_with_distinct_weights(weights, data):
    # With distinct weights no tie falls to position, so reordering the lines reorders the shares.
    distinct = list(dict.fromkeys(weights))
    amount = data.draw(st.integers(0, sum(distinct)))
    order = data.draw(st.permutations(range(len(distinct))))
    shares = largest_remainder(amount, distinct)
    moved = largest_remainder(amount, [distinct[i] for i in order])
    assert moved == [shares[i] for i in order]
