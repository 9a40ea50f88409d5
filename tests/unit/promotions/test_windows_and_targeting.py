from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from promotions.catalogue import Targeting, UsageLimit
from promotions.rules import AmountOff
from promotions.windows import HourRange, Period, Window, usage_period_start

from .builders import BERLIN, line, member, price, promo, skus

BERLIN_ZONE = ZoneInfo("Europe/Berlin")
OFF = AmountOff(100, skus("beer"))


def applies(promotion, at, **kwargs) -> bool:
    return price([line("beer", 500)], [promotion], at=at, **kwargs).total == 400


def test_a_tuesday_happy_hour_follows_berlin_wall_clock():
    happy = promo("hh", OFF, window=Window(weekdays=frozenset({1}), hours=(HourRange.of("17:00", "19:00"),)))
    assert applies(happy, datetime(2025, 3, 4, 16, 30, tzinfo=UTC))  # 17:30 CET
    assert not applies(happy, datetime(2025, 3, 4, 18, 30, tzinfo=UTC))  # 19:30 CET
    assert not applies(happy, datetime(2025, 3, 5, 16, 30, tzinfo=UTC))  # Wednesday


def test_a_sunday_offer_starts_at_local_midnight_while_utc_is_still_saturday():
    sundays = promo("sun", OFF, window=Window(weekdays=frozenset({6})))
    assert applies(sundays, datetime(2025, 3, 1, 23, 30, tzinfo=UTC))  # Sun 00:30 Berlin
    assert not applies(sundays, datetime(2025, 3, 1, 22, 30, tzinfo=UTC))  # Sat 23:30 Berlin


def test_a_friday_late_range_across_midnight_runs_into_saturday_morning_only():
    late = promo("late", OFF, window=Window(weekdays=frozenset({4}), hours=(HourRange.of("22:00", "02:00"),)))
    assert applies(late, datetime(2025, 3, 7, 21, 30, tzinfo=UTC))  # Fri 22:30
    assert applies(late, datetime(2025, 3, 7, 23, 30, tzinfo=UTC))  # Sat 00:30
    assert not applies(late, datetime(2025, 3, 8, 21, 30, tzinfo=UTC))  # Sat 22:30


def test_a_morning_window_keeps_local_hours_across_the_spring_dst_change():
    morning = promo("am", OFF, window=Window(hours=(HourRange.of("09:00", "10:00"),)))
    # Saturday 29 March 2025 is CET (+01:00); Sunday 30 March is CEST (+02:00).
    assert applies(morning, datetime(2025, 3, 29, 8, 30, tzinfo=UTC))  # 09:30 CET
    assert not applies(morning, datetime(2025, 3, 29, 7, 30, tzinfo=UTC))  # 08:30 CET
    assert applies(morning, datetime(2025, 3, 30, 7, 30, tzinfo=UTC))  # 09:30 CEST
    assert not applies(morning, datetime(2025, 3, 30, 8, 30, tzinfo=UTC))  # 10:30 CEST


def test_an_early_window_on_the_dst_night_skips_the_missing_hour():
    night = promo("night", OFF, window=Window(hours=(HourRange.of("02:00", "03:00"),)))
    # 01:00 UTC on 30 March is 03:00 CEST: the 02:00-03:00 hour never happens that night.
    assert not applies(night, datetime(2025, 3, 30, 1, 0, tzinfo=UTC))
    assert applies(night, datetime(2025, 3, 29, 1, 30, tzinfo=UTC))  # 02:30 CET


def test_start_is_inclusive_and_end_is_exclusive():
    start = datetime(2025, 3, 4, 11, 0, tzinfo=UTC)
    end = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)
    window = promo("w", OFF, window=Window(start, end))
    assert applies(window, start)
    assert not applies(window, end)


def test_a_store_scoped_offer_applies_only_in_its_stores():
    hamburg = promo("hh", OFF, stores=frozenset({"hamburg-2"}))
    both = promo("both", OFF, stores=frozenset({"hamburg-2", BERLIN.store_id}))
    at = datetime(2025, 3, 4, 11, tzinfo=UTC)
    assert not applies(hamburg, at)
    assert applies(both, at)


@pytest.mark.parametrize(
    ("targeting", "who", "expected"),
    [
        (Targeting(segments=frozenset({"parents"})), None, False),
        (Targeting(segments=frozenset({"parents"})), dict(segments=frozenset({"parents"})), True),
        (Targeting(segments=frozenset({"parents"})), dict(segments=frozenset({"pets"})), False),
        (Targeting(member_ids=frozenset({"m-1"})), dict(), True),
        (Targeting(member_ids=frozenset({"m-2"})), dict(), False),
        (Targeting(tiers=frozenset({"gold"})), dict(tier="gold"), True),
        (Targeting(members_only=True), dict(), True),
        (Targeting(members_only=True), None, False),
    ],
)
def test_targeted_offers_reach_only_their_audience(targeting, who, expected):
    targeted = promo("t", OFF, targeting=targeting)
    customer = None if who is None else member(**who)
    assert applies(targeted, datetime(2025, 3, 4, 11, tzinfo=UTC), member=customer) is expected


def test_once_per_member_per_week_is_checked_from_the_usage_count_passed_in():
    weekly = promo("weekly", OFF, usage_limit=UsageLimit(1, Period.WEEK))
    at = datetime(2025, 3, 4, 11, tzinfo=UTC)
    assert applies(weekly, at, member=member())
    assert not applies(weekly, at, member=member(promotion_uses={"weekly": 1}))
    assert not applies(weekly, at)  # anonymous: nobody to count


def test_the_usage_week_starts_monday_local_midnight_even_across_dst():
    sunday_after_change = datetime(2025, 3, 30, 12, 0, tzinfo=UTC)
    start = usage_period_start(Period.WEEK, sunday_after_change, BERLIN_ZONE)
    assert start == datetime(2025, 3, 23, 23, 0, tzinfo=UTC)  # Mon 24 Mar 00:00 CET
    day = usage_period_start(Period.DAY, datetime(2025, 3, 30, 12, tzinfo=UTC), BERLIN_ZONE)
    assert day == datetime(2025, 3, 29, 23, 0, tzinfo=UTC)  # Sun 00:00 CET, before the change
    month = usage_period_start(Period.MONTH, datetime(2025, 3, 31, 23, tzinfo=UTC), BERLIN_ZONE)
    assert month == datetime(2025, 3, 31, 22, 0, tzinfo=UTC)  # 1 April 00:00 CEST
    assert usage_period_start(Period.EVER, sunday_after_change, BERLIN_ZONE) is None


def test_an_applied_promotion_is_reported_so_the_caller_can_count_the_use():
    weekly = promo("weekly", OFF, usage_limit=UsageLimit(1, Period.WEEK))
    result = price([line("beer", 500)], [weekly], member=member())
    assert [a.promotion_id for a in result.applied] == ["weekly"]
