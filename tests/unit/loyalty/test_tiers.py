from datetime import timedelta

import pytest

from loyalty.events import TierChanged
from loyalty.exceptions import InvalidValue
from loyalty.tiers import Basis, Qualifying, Tier, TierRules, evaluate_tier, qualifying_total, tier_at

from .helpers import utc

RULES = TierRules((Tier("basic", 0), Tier("silver", 500_00), Tier("gold", 2_000_00)))


def spend(*items):
    return [Qualifying(at, minor) for at, minor in items]


def test_spend_counts_only_inside_the_365_day_window():
    history = spend((utc(2023, 6, 1), 300_00), (utc(2023, 6, 2), 250_00), (utc(2024, 5, 1), 100_00))
    # 2024 is a leap year: 365 days before 31 May 2024 is 1 June 2023, and the start is excluded
    assert qualifying_total(history, utc(2024, 5, 31), RULES) == 350_00
    assert qualifying_total(history, utc(2024, 6, 1), RULES) == 100_00


def test_a_member_moves_up_as_soon_as_the_window_qualifies():
    history = spend((utc(2024, 1, 5), 450_00), (utc(2024, 3, 9), 60_00))
    change = evaluate_tier("ann", history, "basic", utc(2024, 3, 10), RULES, is_review_date=False)
    assert change == TierChanged("ann", "basic", "silver", utc(2024, 3, 10))


def test_a_member_moves_down_only_on_a_review_date():
    history = spend((utc(2023, 1, 5), 2_500_00))
    as_of = utc(2024, 3, 10)
    assert evaluate_tier("ann", history, "gold", as_of, RULES, is_review_date=False) is None
    change = evaluate_tier("ann", history, "gold", as_of, RULES, is_review_date=True)
    assert change == TierChanged("ann", "gold", "basic", as_of)


def test_returns_count_against_the_qualifying_spend():
    history = spend((utc(2024, 1, 5), 600_00), (utc(2024, 1, 20), -150_00))
    assert evaluate_tier("ann", history, "basic", utc(2024, 2, 1), RULES, is_review_date=False) is None


def test_tiers_can_qualify_on_points():
    rules = TierRules((Tier("basic", 0), Tier("gold", 1000)), basis=Basis.POINTS, window=timedelta(days=90))
    history = [Qualifying(utc(2024, 1, 5), 10_00, points=1200)]
    assert evaluate_tier("ann", history, "basic", utc(2024, 2, 1), rules, is_review_date=False)


def test_tier_history_answers_which_tier_was_in_force():
    changes = [
        TierChanged("ann", "silver", "gold", utc(2024, 6, 1)),
        TierChanged("ann", "basic", "silver", utc(2024, 3, 1)),
    ]
    assert tier_at(changes, utc(2024, 2, 1), "basic") == "basic"
    assert tier_at(changes, utc(2024, 3, 1), "basic") == "silver"
    assert tier_at(changes, utc(2024, 7, 1), "basic") == "gold"


def test_tier_rules_must_start_at_zero_and_rise():
    with pytest.raises(InvalidValue):
        TierRules((Tier("silver", 500_00),))
    with pytest.raises(InvalidValue):
        TierRules((Tier("basic", 0), Tier("gold", 500_00), Tier("silver", 500_00)))
