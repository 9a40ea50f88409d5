from datetime import timedelta

from loyalty.allowance import MemberSnapshot, OfflinePolicy, OfflineRedemption, offline_redeemable

from .helpers import utc

POLICY = OfflinePolicy(cap_points=2000, window=timedelta(hours=24), max_data_age=timedelta(hours=12))
NOW = utc(2024, 5, 4, 15)
SNAPSHOT = MemberSnapshot("ann", available_points=5000, taken_at=NOW - timedelta(hours=2))


def test_a_rich_member_may_redeem_up_to_the_cap_offline():
    assert offline_redeemable(SNAPSHOT, [], NOW, POLICY) == 2000


def test_what_this_terminal_redeemed_offline_in_the_window_counts_against_the_cap():
    earlier = [
        OfflineRedemption(NOW - timedelta(hours=1), 500),
        OfflineRedemption(NOW - timedelta(hours=30), 1500),
    ]  # outside the window
    assert offline_redeemable(SNAPSHOT, earlier, NOW, POLICY) == 1500


def test_a_poor_member_is_limited_by_the_snapshot_less_what_was_spent_since():
    poor = MemberSnapshot("ann", available_points=800, taken_at=NOW - timedelta(hours=2))
    spent = [OfflineRedemption(NOW - timedelta(hours=1), 500)]
    assert offline_redeemable(poor, spent, NOW, POLICY) == 300


def test_stale_member_data_or_an_unusable_card_allows_nothing():
    stale = MemberSnapshot("ann", 5000, taken_at=NOW - timedelta(hours=12, minutes=1))
    assert offline_redeemable(stale, [], NOW, POLICY) == 0
    blocked = MemberSnapshot("ann", 5000, taken_at=NOW, card_usable=False)
    assert offline_redeemable(blocked, [], NOW, POLICY) == 0


def test_a_member_in_debt_gets_nothing_offline():
    in_debt = MemberSnapshot("ann", available_points=-200, taken_at=NOW)
    assert offline_redeemable(in_debt, [], NOW, POLICY) == 0
