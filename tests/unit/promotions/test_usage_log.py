"""Counting a member's uses of limited offers from a log, as an offline till does."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

from hypothesis import given
from hypothesis import strategies as st

from promotions import Catalogue, Period, PromotionUse, count_uses, log_horizon, usage_period_start
from promotions.catalogue import UsageLimit
from promotions.rules import AmountOff

from .builders import promo, skus

BERLIN = ZoneInfo("Europe/Berlin")
OFF = AmountOff(100, skus("beer"))
CATALOGUE = Catalogue([promo("weekly", OFF, usage_limit=UsageLimit(2, Period.WEEK)),
                       promo("daily", OFF, usage_limit=UsageLimit(1, Period.DAY)),
                       promo("ever", OFF, usage_limit=UsageLimit(1, Period.EVER)),
                       promo("free", OFF)])
# Wednesday 2025-03-05 12:00 Berlin
NOW = datetime(2025, 3, 5, 11, tzinfo=UTC)


def use(promotion_id, transaction_id, at):
    return PromotionUse(promotion_id, transaction_id, at)


def test_each_limited_offer_counts_the_sales_of_its_current_period_in_the_store_zone():
    monday_berlin = datetime(2025, 3, 2, 23, 30, tzinfo=UTC)  # Monday 00:30 in Berlin, Sunday in UTC
    sunday_berlin = datetime(2025, 3, 2, 22, 30, tzinfo=UTC)  # Sunday 23:30 in Berlin: last week
    log = [use("weekly", "s1", monday_berlin), use("weekly", "s0", sunday_berlin),
           use("daily", "s2", NOW - timedelta(hours=1)), use("daily", "s0", sunday_berlin),
           use("ever", "s0", datetime(2020, 1, 1, tzinfo=UTC))]
    assert count_uses(log, CATALOGUE, NOW, BERLIN) == {"weekly": 1, "daily": 1, "ever": 1}


def test_a_use_seen_twice_or_on_several_lines_counts_once_and_unlimited_or_unknown_offers_not_at_all():
    at = NOW - timedelta(hours=2)
    log = [use("weekly", "s1", at), use("weekly", "s1", at), use("weekly", "s2", at),
           use("free", "s1", at), use("gone", "s1", at)]
    assert count_uses(log, CATALOGUE, NOW, BERLIN) == {"weekly": 2}


@given(now=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)),
       zone=st.sampled_from(sorted(available_timezones() - {"Factory", "localtime"})),
       period=st.sampled_from([Period.DAY, Period.WEEK, Period.MONTH]))
def test_the_log_horizon_never_drops_a_use_that_counts_in_any_time_zone(now, zone, period):
    assert log_horizon(period, now) <= usage_period_start(period, now, ZoneInfo(zone))


def test_uses_for_ever_have_no_horizon():
    assert log_horizon(Period.EVER, NOW) is None
