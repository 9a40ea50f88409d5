"""The programme as data: its JSON form checked field by field, the rules it feeds, and the version
in force at a time. Expected figures are worked out by hand or by plain arithmetic here, never by
the code under test."""

import copy
from datetime import timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loyalty.earning import Basis, SaleLine, compute_earning, earns_no_points
from loyalty.exceptions import InvalidValue
from loyalty.expiry import ExpiryPolicy
from loyalty.programme import ProgrammeVersion, version_in_force
from loyalty.programme_body import ProgrammeInvalid, programme_body, programme_from_body
from loyalty.redemption import max_redeemable
from loyalty.tiers import is_review_date, tier_after_sale

from .helpers import utc

V1 = {
    "earning": {"points": 1, "per_amount_minor": 100, "unit_points": {}, "excluded_products": [],
                "excluded_categories": ["gift-cards", "tobacco"], "category_multipliers": {}, "basis": "after_points"},
    "redemption": {"point_value": {"points": 100, "minor": 100}, "block_points": 100, "minimum_points": 500,
                   "max_share": "1/2", "combinable_tenders": ["card", "cash", "voucher"]},
    "tiers": {"basis": "spend", "window_days": 365, "review_months": 3, "crossing_sale_earns_new_tier": False,
              "levels": [{"name": "basic", "threshold": 0, "multiplier": "1", "benefits": []},
                         {"name": "silver", "threshold": 50000, "multiplier": "5/4", "benefits": ["free coffee"]},
                         {"name": "gold", "threshold": 150000, "multiplier": "3/2", "benefits": []}]},
    "expiry": {"unit": "months", "after": 12, "month_end": True, "time_zone": "UTC"},
    "offline": {"cap_points": 2000, "window_hours": 24, "hold_ttl_seconds": 900, "max_data_age_hours": 12},
}


def body(**changes) -> dict:
    made = copy.deepcopy(V1)
    for section, fields in changes.items():
        made[section].update(fields)
    return made


def errors_of(raw) -> dict:
    with pytest.raises(ProgrammeInvalid) as caught:
        programme_from_body(raw)
    return caught.value.errors


def test_version_1_reads_back_to_the_same_body_and_the_rules_the_server_always_had():
    programme = programme_from_body(V1)
    assert programme_body(programme) == V1
    rules, policy = programme.earning_rules(), programme.redemption_policy()
    assert (rules.points_per_unit, rules.unit_minor) == (1, 100)
    assert rules.tier_multipliers == {"silver": Fraction(5, 4), "gold": Fraction(3, 2)}
    assert (policy.value.step_points, policy.value.step_minor, policy.minimum_points) == (100, 100, 500)
    assert [t.threshold for t in programme.tier_rules().tiers] == [0, 50000, 150000]
    assert programme.hold_ttl == timedelta(minutes=15)
    assert programme.offline_policy().cap_points == 2000


@pytest.mark.parametrize(("changes", "path"), [
    ({"earning": {"points": -1}}, "earning.points"),
    ({"earning": {"points": 1.5}}, "earning.points"),
    ({"earning": {"points": True}}, "earning.points"),
    ({"earning": {"per_amount_minor": 0}}, "earning.per_amount_minor"),
    ({"earning": {"basis": "gross"}}, "earning.basis"),
    ({"earning": {"excluded_categories": ["tobacco", "tobacco"]}}, "earning.excluded_categories"),
    ({"earning": {"category_multipliers": {"wine": "1.5"}}}, "earning.category_multipliers.wine"),
    ({"earning": {"unit_points": {"COFFEE": -2}}}, "earning.unit_points.COFFEE"),
    ({"earning": {"unit_points": {"COFFEE": 10_001}}}, "earning.unit_points.COFFEE"),
    ({"earning": {"points": 101}}, "earning.points"),
    ({"earning": {"category_multipliers": {"wine": "11"}}}, "earning.category_multipliers.wine"),
    ({"redemption": {"max_share": "2"}}, "redemption.max_share"),
    ({"redemption": {"point_value": {"points": 3, "minor": 1}}}, "redemption.block_points"),
    ({"redemption": {"minimum_points": 150}}, "redemption.minimum_points"),
    ({"redemption": {"combinable_tenders": ["points"]}}, "redemption.combinable_tenders"),
    ({"tiers": {"levels": []}}, "tiers.levels"),
    ({"tiers": {"levels": [{"name": "a", "threshold": 0, "multiplier": "1", "benefits": []},
                           {"name": "b", "threshold": 0, "multiplier": "1", "benefits": []}]}}, "tiers.levels"),
    ({"tiers": {"levels": [{"name": "", "threshold": 0, "multiplier": "1", "benefits": []}]}}, "tiers.levels.0.name"),
    ({"tiers": {"review_months": 4}}, "tiers.review_months"),
    ({"tiers": {"window_days": 0}}, "tiers.window_days"),
    ({"tiers": {"basis": "visits"}}, "tiers.basis"),
    ({"expiry": {"after": 0}}, "expiry.after"),
    ({"expiry": {"unit": "weeks"}}, "expiry.unit"),
    ({"expiry": {"time_zone": "Europe/Nowhere"}}, "expiry.time_zone"),
    ({"offline": {"hold_ttl_seconds": 59}}, "offline.hold_ttl_seconds"),
    ({"offline": {"window_hours": 0}}, "offline.window_hours"),
])
def test_nonsense_is_refused_with_the_field_and_a_reason(changes, path):
    found = errors_of(body(**changes))
    assert path in found and all(found[path]), found


def test_a_missing_section_and_a_body_that_is_no_object_are_named():
    assert "offline.cap_points" in errors_of({k: v for k, v in V1.items() if k != "offline"})
    assert errors_of([1, 2]) == {"_body": ["must be an object"]}


def test_every_fault_of_a_body_is_reported_at_once():
    found = errors_of(body(earning={"points": -1}, expiry={"after": 0}, offline={"cap_points": -5}))
    assert {"earning.points", "expiry.after", "offline.cap_points"} <= set(found)


def test_expiry_never_and_a_store_zone_are_valid():
    assert programme_from_body(body(expiry={"unit": "never", "after": 0})).expiry_policy().never
    store = programme_from_body(body(expiry={"time_zone": "store"}))
    assert store.expiry_policy("Europe/Berlin").zone == "Europe/Berlin"


def test_one_point_per_ten_euros_is_floored_per_sale():
    rules = programme_from_body(body(earning={"points": 1, "per_amount_minor": 1000})).earning_rules()
    assert compute_earning([SaleLine("a", 5730)], rules).points == 5
    assert compute_earning([SaleLine("a", 999)], rules).points == 0
    # 6.00 + 6.00 = 12.00 earns 1 point for the sale, though neither line reaches 10.00.
    assert compute_earning([SaleLine("a", 600), SaleLine("b", 600)], rules).points == 1


@given(paid=st.lists(st.integers(0, 500_000), min_size=1, max_size=8), points=st.integers(0, 20),
       per=st.integers(20, 5000))
def test_points_per_amount_are_the_floor_of_the_sales_exact_points(paid, points, per):
    rules = programme_from_body(body(earning={"points": points, "per_amount_minor": per,
                                              "excluded_categories": []})).earning_rules()
    earning = compute_earning([SaleLine(str(i), p) for i, p in enumerate(paid)], rules)
    assert earning.points == sum(paid) * points // per
    assert sum(earning.line_points.values()) == earning.points


def test_points_per_unit_of_a_product_ignore_its_price_and_excluded_products_earn_nothing():
    rules = programme_from_body(body(earning={"unit_points": {"COFFEE": 5}, "excluded_products": ["LOTTO"]})
                                ).earning_rules()
    lines = [SaleLine("a", 1500, qty=3, sku="COFFEE"), SaleLine("b", 249, sku="BREAD"),
             SaleLine("c", 1000, sku="LOTTO")]
    earning = compute_earning(lines, rules, tier="silver")
    # coffee 3 x 5 x 5/4 = 18.75; bread 2.49 x 5/4 = 3.1125; lotto nothing: 21.8625 -> 21
    assert earning.points == 21 and earning.line_points["c"] == 0
    assert earns_no_points("", False, rules, "LOTTO") and not earns_no_points("", False, rules, "BREAD")


def test_after_discounts_the_points_tender_earns_too():
    after_points = programme_from_body(V1).earning_rules()
    after_discounts = programme_from_body(body(earning={"basis": "after_discounts"})).earning_rules()
    assert after_discounts.basis is Basis.AFTER_DISCOUNTS
    lines = [SaleLine("a", 3000)]
    assert compute_earning(lines, after_points, points_tender_minor=1000).points == 20
    assert compute_earning(lines, after_discounts, points_tender_minor=1000).points == 30


def test_a_point_worth_a_cent_redeemed_in_blocks_of_250():
    policy = programme_from_body(body(redemption={"point_value": {"points": 1, "minor": 1}, "block_points": 250,
                                                  "minimum_points": 500})).redemption_policy()
    assert (policy.value.step_points, policy.value.step_minor) == (250, 250)
    # half of a 23.45 basket is 11.72: 1000 points (10.00) in blocks of 250, of 5000 available
    assert max_redeemable(5000, 2345, policy) == 1000


@given(months=st.integers(1, 48), day=st.integers(1, 28), hour=st.integers(0, 23))
def test_rounded_to_month_end_points_live_until_the_first_of_the_month_after_the_nth(months, day, hour):
    earned = utc(2024, 5, day, hour)
    index = 2024 * 12 + 4 + months + 1
    assert ExpiryPolicy(months=months).expires_at(earned) == utc(index // 12, index % 12 + 1, 1)


@given(days=st.integers(1, 2000), minutes=st.integers(0, 60 * 24 * 365))
def test_after_n_days_without_rounding_points_live_exactly_n_days_in_utc(days, minutes):
    earned = utc(2024, 1, 1) + timedelta(minutes=minutes)
    policy = ExpiryPolicy(months=None, days=days, month_end=False)
    assert policy.expires_at(earned) == earned + timedelta(days=days)


@given(days=st.integers(1, 2000), minutes=st.integers(0, 60 * 24 * 365))
def test_after_n_days_rounded_points_live_to_the_end_of_that_month(days, minutes):
    earned = utc(2024, 1, 1) + timedelta(minutes=minutes)
    raw = earned + timedelta(days=days)
    gone = ExpiryPolicy(months=None, days=days).expires_at(earned)
    assert gone.day == 1 and (gone.hour, gone.minute) == (0, 0) and raw < gone <= raw + timedelta(days=31)
    assert (gone - timedelta(microseconds=1)).month == raw.month


def test_months_without_rounding_end_on_the_same_day_or_the_last_one_a_month_has():
    policy = ExpiryPolicy(months=1, month_end=False)
    assert policy.expires_at(utc(2024, 3, 15, 9, 30)) == utc(2024, 4, 15, 9, 30)
    assert policy.expires_at(utc(2024, 1, 31, 12)) == utc(2024, 2, 29, 12)


def test_days_count_on_the_stores_calendar():
    # 90 days from 22:30 UTC on 30 June = 00:30 on 1 July in Berlin; month end -> end of September, Berlin.
    policy = ExpiryPolicy(months=None, days=90, zone="Europe/Berlin")
    assert policy.expires_at(utc(2024, 6, 30, 22, 30)) == utc(2024, 9, 30, 22)


def test_months_and_days_together_are_refused():
    with pytest.raises(InvalidValue):
        ExpiryPolicy(months=3, days=90)


def test_the_version_in_force_is_the_latest_effective_at_the_time():
    one, two = programme_from_body(V1), programme_from_body(body(earning={"points": 2}))
    versions = [ProgrammeVersion(2, utc(2026, 6, 1, 10), two), ProgrammeVersion(1, utc(2000, 1, 1), one)]
    assert version_in_force(versions, utc(2026, 6, 1, 9, 59)).number == 1
    assert version_in_force(versions, utc(2026, 6, 1, 10)).number == 2
    assert version_in_force(versions, utc(1999, 1, 1)).number == 1
    with pytest.raises(InvalidValue):
        version_in_force([], utc(2026, 1, 1))


def test_a_crossing_sale_reaches_the_tier_its_total_with_the_sale_reaches_never_lower():
    rules = programme_from_body(V1).tier_rules()
    assert tier_after_sale("basic", 48000, 3000, rules) == "silver"
    assert tier_after_sale("basic", 48000, 1000, rules) == "basic"
    assert tier_after_sale("gold", 0, 100, rules) == "gold"
    assert tier_after_sale("platinum", 0, 60000, rules) == "silver"  # a tier an older version had


@pytest.mark.parametrize(("months", "dates"), [(3, [(1, 1), (4, 1), (7, 1), (10, 1)]), (12, [(1, 1)]),
                                              (6, [(1, 1), (7, 1)])])
def test_review_dates_follow_the_programmes_cadence(months, dates):
    found = [(m, d) for m in range(1, 13) for d in (1, 2) if is_review_date(utc(2026, m, d).date(), months)]
    assert found == dates


def test_thresholds_must_rise_from_zero_in_any_order_given():
    levels = [{"name": n, "threshold": t, "multiplier": "1", "benefits": []}
              for n, t in (("basic", 0), ("gold", 100), ("silver", 50))]
    assert "tiers.levels" in errors_of(body(tiers={"levels": levels}))


@given(points=st.integers(1, 1000), minor=st.integers(1, 1000), block=st.integers(1, 10_000))
def test_a_block_is_accepted_exactly_when_it_is_worth_whole_minor_units(points, minor, block):
    raw = body(redemption={"point_value": {"points": points, "minor": minor}, "block_points": block,
                           "minimum_points": block})
    whole = block * minor % points == 0
    if whole:
        policy = programme_from_body(raw).redemption_policy()
        assert policy.value.step_minor * points == block * minor
    else:
        assert "redemption.block_points" in errors_of(raw)
