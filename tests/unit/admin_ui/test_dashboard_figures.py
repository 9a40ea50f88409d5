"""The dashboard's figures: days filled in, periods summed for the charts, shares rounded half up."""

from datetime import date, timedelta

from admin_ui.dashboard import DayFigures, days_of, periods_of, share_bp, totals_of


def test_days_without_figures_are_zeros_and_stores_are_added_up():
    sales = [{"day": date(2026, 3, 2), "baskets": 2, "sales_minor": 1000, "member_sales_minor": 600,
              "member_baskets": 1},
             {"day": date(2026, 3, 2), "baskets": 1, "sales_minor": 500, "member_sales_minor": 0, "member_baskets": 0}]
    points = [{"period": "2026-03-03", "issued": 40, "redeemed": 10, "expired": 0}]
    days = days_of(date(2026, 3, 1), date(2026, 3, 3), sales, points)
    assert [(d.day.day, d.baskets, d.sales_minor, d.issued) for d in days] == [(1, 0, 0, 0), (2, 3, 1500, 0),
                                                                             (3, 0, 0, 40)]
    totals = totals_of(days, sales, [{"expiry_month": "2026-12", "points": 900, "value_minor": 900},
                                     {"expiry_month": "debt", "points": -50, "value_minor": -50}])
    assert (totals.member_share_bp, totals.member_baskets, totals.outstanding_points) == (4000, 1, 900)


def test_a_share_rounds_half_up_and_is_none_of_nothing():
    assert (share_bp(1, 3), share_bp(2, 3), share_bp(1, 20_000), share_bp(0, 0)) == (3333, 6667, 1, None)


def test_charts_go_by_day_to_five_weeks_then_by_week_then_by_month():
    def days(n):
        return [DayFigures(date(2026, 1, 1) + timedelta(days=i), baskets=1, sales_minor=100) for i in range(n)]
    assert periods_of(days(35))[0] == "day" and len(periods_of(days(35))[1]) == 35
    per, weeks = periods_of(days(60))  # 1 Jan 2026 is a Thursday: its week began on Monday 29 December
    assert (per, weeks[0][0], weeks[0][1].baskets, sum(w.sales_minor for _, w in weeks)) == ("week", "29 Dec", 4, 6000)
    per, months = periods_of(days(365))
    assert (per, len(months), months[1][0], months[1][1].baskets) == ("month", 12, "Feb 2026", 28)


def test_chart_axes_are_whole_numbers_at_one_two_or_five_steps():
    from admin_ui.charts import ticks

    assert ticks([3]) == [0, 1, 2, 3]  # three points: no 0.5 on the axis
    assert ticks([300, 150]) == [0, 100, 200, 300]
    assert ticks([14_303]) == [0, 5_000, 10_000, 15_000]
    assert ticks([-40, 120]) == [-50, 0, 50, 100, 150]
    assert ticks([7], top=12) == [0, 5, 10, 15]  # a stacked chart's tallest column
    assert ticks([]) == [0, 1]
