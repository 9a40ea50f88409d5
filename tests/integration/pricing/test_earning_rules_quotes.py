"""Earning rules through the API: a quote says what each rule gave and why a line earns nothing."""

from tests.integration.pricing.conftest import scope


def test_a_quote_explains_each_earning_rule_and_each_line_that_earns_nothing(client, catalogue, enrol, promote, quote):
    per_two = promote("1 point per 2.00 on snacks", {"kind": "bonus_points", "points_per": 1, "per_minor": 200,
                                                     "scope": scope(categories=["snacks"])})
    alone = promote("2x points on drinks", {"kind": "bonus_points", "extra_bp": 20_000, "standalone": True,
                                            "scope": scope(categories=["drinks"])})
    promote("3 cola: +30", {"kind": "bonus_points", "fixed_points": 30, "min_qty": 3,
                            "scope": scope(["COLA"])})
    promote("Orders of 30.00: +100", {"kind": "bonus_points", "fixed_points": 100, "min_order_minor": 3000,
                                      "scope": scope(whole_basket=True)})
    _, card = enrol()
    priced = quote([{"sku": "CHIPS", "qty": 3}, {"sku": "COLA", "qty": 2}, {"sku": "CIGS"}], card=card)
    # chips 7.50 and cola 3.00 earn; cola's base goes to the stand-alone rule: base 7
    assert priced["points"]["base"] == 7
    assert [(b["promotion_id"], b["explanation"], b["replaces_base"]) for b in priced["points"]["bonus"]] == sorted([
        (per_two["id"], "1 point per 2.00 on snacks: +3", False),  # 7.50 / 2.00 = 3.75 -> 3
        (alone["id"], "2x points on drinks: +6", True)])
    assert priced["points"]["to_earn"] == 7 + 3 + 6  # two colas are not three; 18.50 is not 30.00
    assert [(ln["sku"], ln["excluded_reason"], ln["base_replaced_by"]) for ln in priced["lines"]] == [
        ("CHIPS", None, None), ("COLA", None, alone["id"]), ("CIGS", "tobacco earns no points", None)]


def test_an_earning_rule_that_makes_no_sense_is_refused_with_a_422(client, marketer):
    response = client.post("/api/v1/promotions", headers=marketer, json={
        "label": "half a rule", "state": "active",
        "rule": {"kind": "bonus_points", "points_per": 1, "scope": scope(categories=["snacks"])}})
    assert response.status_code == 422, response.json
