"""The programme form in people's units, read back into a body, and the words that compare two versions."""

from __future__ import annotations

from fractions import Fraction

from werkzeug.datastructures import MultiDict

from admin_ui.programme_form import fields_of, place, ratio_text, read, share_text
from admin_ui.programme_words import changes
from admin_ui.promotion_form import Money

EUR = Money("EUR", 2)
BODY = {
    "earning": {"points": 1, "per_amount_minor": 100, "unit_points": {"BEANS": 20}, "excluded_products": [],
                "excluded_categories": ["gift-cards", "tobacco"], "category_multipliers": {"produce": "2"},
                "basis": "after_points"},
    "redemption": {"point_value": {"points": 100, "minor": 100}, "block_points": 100, "minimum_points": 500,
                   "max_share": "1/3", "combinable_tenders": ["card", "cash"]},
    "tiers": {"basis": "spend", "window_days": 365, "review_months": 3, "crossing_sale_earns_new_tier": False,
              "levels": [{"name": "basic", "threshold": 0, "multiplier": "1", "benefits": []},
                         {"name": "gold", "threshold": 150_000, "multiplier": "3/2", "benefits": ["free coffee"]}]},
    "expiry": {"unit": "months", "after": 12, "month_end": True, "time_zone": "store"},
    "offline": {"cap_points": 2000, "window_hours": 24, "hold_ttl_seconds": 900, "max_data_age_hours": 12},
}


def form_from(fields: dict) -> MultiDict:
    pairs = [(name, value) for name, value in fields.items() if name not in ("tenders", "expiry_month_end")]
    pairs += [("tenders", t) for t in fields["tenders"]]
    return MultiDict(pairs + ([("expiry_month_end", "yes")] if fields["expiry_month_end"] else []))


def test_ratios_read_as_decimals_where_a_decimal_is_exact_and_as_fractions_where_not():
    assert (ratio_text(Fraction(3, 2)), ratio_text(Fraction(4, 3)), ratio_text(Fraction(2))) == ("1.5", "4/3", "2")
    assert (share_text(Fraction(1, 2)), share_text(Fraction(1, 8)), share_text(Fraction(1, 3))) == (
        "50", "12.5", "1/3")


def test_a_body_shown_in_the_form_reads_back_to_the_same_body():
    fields = fields_of(BODY, EUR)
    assert (fields["earn_per"], fields["tier_threshold_1"], fields["max_share"]) == ("1.00", "1500.00", "1/3")
    body, effective_from, errors, rows = read(form_from(fields), EUR)
    assert errors == {} and effective_from is None and rows == [0, 1]
    assert body == BODY


def test_a_tier_row_left_empty_is_dropped_and_errors_land_on_the_row_that_was_typed():
    fields = fields_of(BODY, EUR) | {"tier_name_0": "", "tier_name_2": "platinum", "tier_threshold_2": "9000",
                                     "tier_multiplier_2": "2", "tier_benefits_2": ""}
    body, _at, errors, rows = read(form_from(fields), EUR)
    assert errors == {} and rows == [1, 2]
    assert [level["name"] for level in body["tiers"]["levels"]] == ["gold", "platinum"]
    found: dict[str, str] = {}
    place({"programme.tiers.levels.1.multiplier": ["must be at most 10"],
           "programme.earning.points": ["at most one point per minor unit paid"]}, EUR, found, rows)
    assert found == {"tier_multiplier_2": "Tier 3, points multiplier: must be at most 10.",
                     "earn_points": "Points earned: at most one point per EUR 0.01 paid."}


def test_what_was_typed_wrong_is_named_in_the_fields_words():
    fields = fields_of(BODY, EUR) | {"earn_per": "1,005", "max_share": "half", "tier_threshold_1": "lots",
                                     "earn_unit_points": "BEANS twenty", "effective_from": "tomorrow"}
    _body, _at, errors, _rows = read(form_from(fields), EUR)
    assert errors == {
        "earn_per": "Per amount paid: write an amount in EUR, e.g. 2.50.",
        "max_share": "Most of a basket points may pay (%): write a percentage such as 50 or 33.5 (or a fraction "
                     "of the basket such as 1/3).",
        "tier_threshold_1": "Tier 2, from: write an amount in EUR, e.g. 2.50.",
        "earn_unit_points": "Points per unit sold: line 1: write a code, a space and a number, e.g. SKU123 2.",
        "effective_from": "Takes effect (UTC): write the date and time as 2026-12-01 06:00 (UTC), or leave it "
                          "empty for now."}


def test_changes_name_each_item_that_differs_in_money_and_points():
    after = {**BODY, "tiers": {**BODY["tiers"], "levels": BODY["tiers"]["levels"][:1]},
             "expiry": {**BODY["expiry"], "unit": "never"},
             "redemption": {**BODY["redemption"], "combinable_tenders": ["cash", "card"]}}
    money = lambda minor: f"€{minor // 100:,}.{minor % 100:02d}"  # noqa: E731
    assert changes(BODY, after, money) == [
        "Points expire: 12 months after they are earned, at the end of that month, on the calendar of the time "
        "zone of the store where they were earned → never",
        "Tier gold: removed (was from €1,500.00, points ×1.5; free coffee)"]
    assert changes(BODY, BODY, money) == []
