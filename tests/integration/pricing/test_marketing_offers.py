"""Quotes under the offers marketing asks for: scoped thresholds, per-basket caps, buy X get Y."""

from tests.integration.pricing.conftest import discounts, scope


def test_spend_five_on_snacks_takes_ten_percent_off_the_snacks_only(catalogue, promote, quote):
    promote("Spend 5 on snacks, 10 % off snacks", {"kind": "spend_threshold", "scope": scope(categories=["snacks"]),
                                                  "tiers": [{"min_spend_minor": 500, "percent_bp": 1000}]})
    priced = quote([{"sku": "CHIPS", "qty": 2}, {"sku": "COLA", "qty": 4}])
    assert discounts(priced) == {"1": [("Spend 5 on snacks, 10 % off snacks", 1, 50)], "2": []}
    assert priced["total"] == 500 + 600 - 50
    assert quote([{"sku": "CHIPS"}, {"sku": "COLA", "qty": 4}])["total"] == 250 + 600


def test_a_capped_promotion_gives_at_most_its_cap_spread_over_its_lines(catalogue, promote, quote):
    promote("Half price snacks and drinks, at most 3.00",
            {"kind": "percent_off", "percent_bp": 5000, "scope": scope(categories=["snacks", "drinks"])},
            max_discount_minor=300)
    priced = quote([{"sku": "CHIPS", "qty": 2}, {"sku": "COLA", "qty": 2}])
    # 2.50 + 1.50 uncapped, 3.00 capped: 1.88 / 1.12 by largest remainder on 250:150.
    assert [d[0][2] for d in discounts(priced).values()] == [188, 112]
    assert priced["total"] == 800 - 300


def test_buy_pasta_get_the_dearest_of_sauce_or_cola_free(catalogue, promote, quote):
    promote("Pasta + free sauce or drink", {"kind": "buy_get", "buy_scope": scope(["PASTA"]), "buy_qty": 1,
                                            "get_scope": scope(categories=["sauces", "drinks"]), "get_qty": 1})
    priced = quote([{"sku": "PASTA"}, {"sku": "COLA"}, {"sku": "SAUCE"}])
    assert discounts(priced)["3"] == [("Pasta + free sauce or drink", 1, 349)]
    assert priced["total"] == 199 + 150


def test_nonsense_offers_are_refused_with_the_field_named(client, marketer, catalogue):
    bad = [
        ({"kind": "buy_get", "buy_scope": scope(["PASTA"]), "buy_qty": 0, "get_scope": scope(["COLA"])}, "buy_qty"),
        ({"kind": "spend_threshold", "scope": scope(["PASTA"]),
          "tiers": [{"min_spend_minor": 100, "bonus_points": 5}]}, "tiers"),
    ]
    for rule, field in bad:
        response = client.post("/api/v1/promotions", headers=marketer, json={"label": "x", "rule": rule})
        assert response.status_code == 422 and field in str(response.json), response.json
    capped_price = client.post("/api/v1/promotions", headers=marketer, json={
        "label": "x", "rule": {"kind": "bonus_points", "scope": scope(["PASTA"]), "fixed_points": 5},
        "max_discount_minor": 100})
    assert capped_price.status_code == 422 and "max_discount" in str(capped_price.json)


def test_a_quote_says_what_the_basket_lacks_for_each_offer_it_almost_gets(catalogue, promote, quote):
    three_for_two = promote("3 for 2 — Snacks", {"kind": "multi_buy", "buy": 2, "get": 1,
                                                 "scope": scope(categories=["snacks"])})
    spend = promote("10 % off at 10.00", {"kind": "spend_threshold",
                                           "tiers": [{"min_spend_minor": 1000, "percent_bp": 1000}]})
    priced = quote([{"sku": "CHIPS", "qty": 2}, {"sku": "COLA", "qty": 3}])
    # 5.00 of chips + 4.50 of cola = 9.50: 0.50 short of 10.00, and one snack short of 3 for 2.
    assert sorted(priced["near_misses"], key=lambda h: h["label"]) == sorted([
        {"promotion_id": spend["id"], "version": 1, "label": "10 % off at 10.00", "missing_qty": 0,
         "missing_amount_minor": 50},
        {"promotion_id": three_for_two["id"], "version": 1, "label": "3 for 2 — Snacks", "missing_qty": 1,
         "missing_amount_minor": 0},
    ], key=lambda h: h["label"])
    # A third snack is free, so it adds nothing to the spend: 0.50 still short.
    third = quote([{"sku": "CHIPS", "qty": 3}, {"sku": "COLA", "qty": 3}])["near_misses"]
    assert [(h["label"], h["missing_amount_minor"]) for h in third] == [("10 % off at 10.00", 50)]
    assert quote([{"sku": "CHIPS", "qty": 3}, {"sku": "COLA", "qty": 4}])["near_misses"] == []
