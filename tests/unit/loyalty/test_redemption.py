from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loyalty.commands import RedeemPoints
from loyalty.entries import EntryKind
from loyalty.exceptions import (
    InsufficientPoints,
    InvalidValue,
    PointsNotMultipleOfStep,
    RedemptionAboveMaximum,
    RedemptionBelowMinimum,
)
from loyalty.ledger import Ledger
from loyalty.money import PointValue
from loyalty.redemption import RedemptionPolicy, cap_minor, max_redeemable, plan_redemption, redeem

from .helpers import earned, utc

POLICY = RedemptionPolicy(
    PointValue(step_points=100, step_minor=100), minimum_points=500, max_share=Fraction(1, 2)
)


def test_1200_points_pay_exactly_12_00():
    plan = plan_redemption(1200, available=5000, basket_minor=4000, policy=POLICY)
    assert (plan.points, plan.value_minor) == (1200, 1200)


def test_a_basket_of_23_45_takes_at_most_11_00_in_points():
    assert max_redeemable(available=5000, basket_minor=2345, policy=POLICY) == 1100
    with pytest.raises(RedemptionAboveMaximum) as error:
        plan_redemption(1200, available=5000, basket_minor=2345, policy=POLICY)
    assert (error.value.maximum, error.value.requested) == (1100, 1200)


def test_fewer_points_than_the_minimum_cannot_be_redeemed():
    with pytest.raises(RedemptionBelowMinimum) as error:
        plan_redemption(400, available=5000, basket_minor=4000, policy=POLICY)
    assert (error.value.minimum, error.value.requested) == (500, 400)
    assert max_redeemable(available=499, basket_minor=4000, policy=POLICY) == 0


def test_points_must_be_whole_steps_so_no_cent_is_rounded_into_existence():
    with pytest.raises(PointsNotMultipleOfStep):
        plan_redemption(550, available=5000, basket_minor=4000, policy=POLICY)
    assert max_redeemable(available=1299, basket_minor=10_000, policy=POLICY) == 1200


def test_more_points_than_available_are_refused():
    with pytest.raises(InsufficientPoints) as error:
        plan_redemption(800, available=750, basket_minor=4000, policy=POLICY)
    assert (error.value.available, error.value.requested) == (750, 800)


def test_a_share_above_the_whole_basket_is_not_a_policy():
    with pytest.raises(InvalidValue):
        RedemptionPolicy(max_share=Fraction(3, 2))
    with pytest.raises(InvalidValue):
        RedemptionPolicy(max_share=0.5)


def test_redeeming_online_writes_a_redeem_entry_against_the_live_balance():
    ledger = Ledger("member-ann").apply([earned("member-ann", "T-1", 800, utc(2024, 1, 10))])
    command = RedeemPoints("member-ann", "T-2", 600, basket_minor=2000, at=utc(2024, 2, 1))
    entry = redeem(command, ledger.state, POLICY)
    assert (entry.kind, entry.points, entry.offline) == (EntryKind.REDEEM, -600, False)
    assert ledger.apply([entry]).state.balance == 200
    with pytest.raises(InsufficientPoints):
        redeem(RedeemPoints("member-ann", "T-3", 900, 2000, utc(2024, 2, 1)), ledger.state, POLICY)


def test_redeeming_offline_is_limited_by_the_offline_allowance_not_the_live_balance():
    empty = Ledger("member-ann").state
    command = RedeemPoints("member-ann", "T-4", 600, 2000, utc(2024, 2, 1), offline=True)
    entry = redeem(command, empty, POLICY, offline_available=1000)
    assert entry.offline
    with pytest.raises(InsufficientPoints):
        redeem(command, empty, POLICY, offline_available=500)
    with pytest.raises(InvalidValue):
        redeem(command, empty, POLICY)


@given(available=st.integers(0, 10**6), basket=st.integers(0, 10**6))
def test_the_most_redeemable_is_always_a_valid_redemption_worth_at_most_half_the_basket(available, basket):
    points = max_redeemable(available, basket, POLICY)
    if points:
        plan = plan_redemption(points, available, basket, POLICY)
        assert plan.value_minor * 2 <= basket
        assert plan.value_minor == points  # 100 points = 100 cents, exactly
        assert points <= available


def test_points_may_pay_at_most_half_of_a_basket_floored_to_the_cent():
    assert cap_minor(2345, POLICY) == 1172
    assert cap_minor(2345, RedemptionPolicy(max_share=Fraction(1, 3))) == 781


@given(st.integers(0, 100_000), st.integers(0, 100_000))
def test_what_max_redeemable_offers_is_always_a_redemption_plan_accepts(available, basket):
    # The cap has one home: the most it offers passes the check, one step more never does.
    best = max_redeemable(available, basket, POLICY)
    if best:
        assert plan_redemption(best, available, basket, POLICY).value_minor <= cap_minor(basket, POLICY)
    bigger = best + POLICY.value.step_points if best else POLICY.minimum_points
    if bigger <= available:
        with pytest.raises((RedemptionAboveMaximum, RedemptionBelowMinimum)):
            plan_redemption(bigger, available, basket, POLICY)
