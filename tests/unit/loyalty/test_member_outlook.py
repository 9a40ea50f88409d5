"""What the member page shows from the pure domain: points expiring per month, progress to the next tier."""

from loyalty.expiry import ExpiryPolicy, expiring_by_month
from loyalty.ledger import replay
from loyalty.tiers import Tier, TierRules, tier_progress

from .helpers import earned, redeemed, utc

RULES = TierRules((Tier("basic", 0), Tier("silver", 500_00), Tier("gold", 2_000_00)))


def test_points_left_are_grouped_by_the_last_month_they_can_be_spent_in():
    state = replay("ann", [earned("ann", "s1", 100, utc(2024, 3, 15)), earned("ann", "s2", 40, utc(2024, 3, 30)),
                           earned("ann", "s3", 70, utc(2024, 5, 2)), redeemed("ann", "r1", 120, utc(2024, 6, 1))])
    # The redemption took the March lots first: 20 of them are left, then all of May's.
    assert expiring_by_month(state, utc(2024, 7, 1)) == (("2025-03", 20), ("2025-05", 70))
    assert expiring_by_month(state, utc(2025, 4, 1)) == (("2025-05", 70),)  # March's lots have expired


def test_months_follow_the_policys_zone_west_of_utc_too():
    new_york = ExpiryPolicy(zone="America/New_York")
    state = replay("ann", [earned("ann", "s1", 10, utc(2024, 3, 15), policy=new_york)])
    # Alive until midnight 1 April 2025 in New York (04:00 UTC): still March there.
    assert expiring_by_month(state, utc(2024, 4, 1), "America/New_York") == (("2025-03", 10),)


def test_points_that_never_expire_are_not_listed():
    state = replay("ann", [earned("ann", "s1", 10, utc(2024, 3, 15), policy=ExpiryPolicy(months=None))])
    assert expiring_by_month(state, utc(2024, 4, 1)) == ()


def test_progress_names_the_next_tier_and_what_is_missing():
    progress = tier_progress("basic", 123_45, RULES)
    assert (progress.next_tier, progress.missing) == ("silver", 376_55)
    assert tier_progress("silver", 2_500_00, RULES).missing == 0  # qualifies; the job moves them up
    assert tier_progress("gold", 10, RULES).next_tier is None  # kept in gold until a review date
