"""Quotes: member prices, targeted offers, bundles and coupons priced together; previews with audience."""

from tests.integration.pricing.conftest import PASTA_EAN, discounts, scope

BASKET = [{"sku": "COLA", "qty": 2}, {"sku": "CHIPS"}, {"barcode": PASTA_EAN}, {"sku": "SAUCE"}]


def _segment(client, marketer, member_ids):
    response = client.post("/api/v1/segments", headers=marketer, json={"name": "Snack fans", "member_ids": member_ids})
    assert response.status_code == 201, response.json
    return response.json


def _offers(client, marketer, promote, segment_id):
    client.post("/api/v1/price-lists", headers=marketer, json={
        "prices": [{"sku": "COLA", "price_minor": 120}], "state": "active"})
    promote("Snack fans: 10 % off", {"kind": "percent_off", "percent_bp": 1000, "scope": scope(categories=["snacks"])},
            targeting={"segments": [segment_id]})
    promote("Bundle: pasta + sauce 4.99", {"kind": "bundle", "price_minor": 499, "components": [
        {"scope": scope(["PASTA"])}, {"scope": scope(["SAUCE"])}]})
    promote("Coupon: 1.00 off", {"kind": "amount_off", "amount_minor": 100, "scope": scope(whole_basket=True)},
            coupon={"single_use": True, "codes": ["SAVE1"]})


def test_a_member_in_the_segment_gets_member_price_targeted_offer_bundle_and_coupon(
        client, marketer, catalogue, enrol, promote, quote):
    member_id, card = enrol(points=1000)
    _offers(client, marketer, promote, _segment(client, marketer, [member_id])["id"])
    priced = quote(BASKET, card=card, coupons=["SAVE1"], points_to_redeem=600)
    cola, _chips, pasta, sauce = priced["lines"]
    assert (cola["base_amount"], cola["member_unit_price"]) == (300, 120)
    assert discounts(priced)["1"][0] == ("Member price", 1, 60)
    assert discounts(priced)["2"][0] == ("Snack fans: 10 % off", 1, 25)
    bundle = [d for line in (pasta, sauce) for d in line["discounts"] if d["label"].startswith("Bundle")]
    assert sum(d["amount_minor"] for d in bundle) == 548 - 499
    coupon = [d for line in priced["lines"] for d in line["discounts"] if d["coupon_code"] == "SAVE1"]
    assert sum(d["amount_minor"] for d in coupon) == 100
    assert (priced["subtotal"], priced["discount_total"], priced["total"]) == (1098, 234, 864)
    assert sum(line["total"] for line in priced["lines"]) == 864
    assert priced["accepted_coupons"] == ["SAVE1"] and priced["rejected_coupons"] == []
    # 600 asked, but points may pay at most half of 8.64 (400 points): under the 500 minimum.
    assert (priced["points"]["redeemable"], priced["points"]["redeemable_value_minor"]) == (0, 0)
    assert priced["member"]["id"] == member_id and priced["points"]["base"] == priced["points"]["to_earn"] > 0


def test_an_anonymous_basket_gets_the_bundle_and_the_coupon_only(client, marketer, catalogue, enrol, promote, quote):
    member_id, _ = enrol()
    _offers(client, marketer, promote, _segment(client, marketer, [member_id])["id"])
    priced = quote(BASKET, coupons=["SAVE1", "NOPE"])
    assert priced["total"] == 300 + 250 + 499 - 100
    assert priced["rejected_coupons"] == [{"code": "NOPE", "reason": "unknown_code", "promotion_id": None}]
    assert priced["member"] is None and priced["points"]["to_earn"] == 0


def test_bonus_points_show_per_promotion_and_excluded_goods_earn_nothing(client, catalogue, enrol, promote, quote):
    promotion = promote("Double points on snacks", {"kind": "bonus_points", "extra_bp": 10_000,
                                                    "scope": scope(categories=["snacks"])})
    _, card = enrol()
    priced = quote([{"sku": "CHIPS", "qty": 4}, {"sku": "CIGS"}], card=card)
    assert priced["points"]["base"] == 10  # 10.00 of chips; the cigarettes earn nothing
    assert priced["points"]["bonus"] == [{"promotion_id": promotion["id"], "version": 1,
                                          "label": "Double points on snacks", "points": 10, "replaces_base": False,
                                          "explanation": "Double points on snacks: +10"}]
    assert priced["points"]["to_earn"] == 20


def test_each_line_says_whether_it_earns_points_and_why_not_in_words(client, marketer, catalogue, enrol, quote):
    stamps = {"sku": "STAMPS", "name": "Postage stamps", "category": "post", "base_price_minor": 95,
              "excluded_from_points": True}
    assert client.post("/api/v1/products/bulk", json={"items": [stamps]}, headers=marketer).status_code == 200
    _, card = enrol()
    priced = quote([{"sku": "CHIPS"}, {"sku": "CIGS"}, {"sku": "STAMPS"}], card=card)
    assert [(line["excluded"], line["excluded_reason"]) for line in priced["lines"]] == [
        (False, None), (True, "tobacco earns no points"), (True, "this product earns no points")]
    assert priced["points"]["base"] == 2  # the chips' 2.50 alone
    assert quote([{"sku": "CIGS"}])["lines"][0]["excluded_reason"] == "tobacco earns no points"  # no member too


def test_redeemable_points_are_whole_blocks_within_balance_and_half_the_basket(catalogue, enrol, quote):
    _, card = enrol(points=900)
    priced = quote([{"sku": "CIGS", "qty": 2}], card=card, points_to_redeem=2000)
    assert (priced["points"]["redeemable"], priced["points"]["redeemable_value_minor"]) == (800, 800)


def test_a_till_quotes_for_its_own_store_only(catalogue, till):
    assert till.request("POST", "/api/v1/quotes", {"store": "B2", "lines": [{"sku": "COLA"}]}).status_code == 200
    other = till.request("POST", "/api/v1/quotes", {"store": "B9", "lines": [{"sku": "COLA"}]})
    assert other.status_code == 403


def test_an_unknown_item_names_its_line(client, marketer, catalogue):
    response = client.post("/api/v1/quotes", headers=marketer,
                           json={"store": "B2", "lines": [{"sku": "COLA"}, {"barcode": "96385074"}]})
    assert response.status_code == 422 and "lines.1.barcode" in response.json["errors"]


def test_a_preview_prices_a_draft_and_counts_its_audience(client, marketer, catalogue, enrol, promote):
    _, gold_card = enrol("Goldie", tier="gold")
    enrol("Basil")
    enrol("Bea")
    draft = promote("Gold: 2 for 1 cola", {"kind": "multi_buy", "buy": 1, "get": 1, "scope": scope(["COLA"])},
                    state="draft", targeting={"tiers": ["gold"]})
    response = client.post(f"/api/v1/promotions/{draft['id']}/preview", headers=marketer, json={
        "basket": {"store": "B2", "card_number": gold_card, "lines": [{"sku": "COLA", "qty": 2}]}})
    assert response.status_code == 200, response.json
    preview = response.json
    assert preview["audience"] == {"members": 1, "anonymous": False}
    assert preview["quote"]["total"] == 150 and preview["version"] == 1
    live = client.post("/api/v1/quotes", headers=marketer,
                       json={"store": "B2", "card_number": gold_card, "lines": [{"sku": "COLA", "qty": 2}]})
    assert live.json["total"] == 300  # the draft itself prices nothing


def _tax_classes(client, services):
    from tests.support.factories import login, make_staff

    make_staff(services, "ada-admin", "admin")
    admin = login(client, "ada-admin")
    for code, name, rate in (("standard", "Standard", 2000), ("reduced", "Reduced", 500), ("zero", "Zero", 0)):
        response = client.put(f"/api/v1/tax-classes/{code}", headers=admin, json={"name": name, "rate_bp": rate})
        assert response.status_code == 200, response.json
    return admin


def test_a_quote_shows_the_tax_per_rate_after_discounts(client, services, marketer, catalogue, promote, quote):
    _tax_classes(client, services)
    for sku, tax_class in (("PASTA", "reduced"), ("SAUCE", "reduced"), ("CIGS", "zero")):
        assert client.patch(f"/api/v1/products/{sku}", headers=marketer,
                            json={"tax_class": tax_class}).status_code == 200
    promote("Chips 20 % off", {"kind": "percent_off", "percent_bp": 2000, "scope": scope(["CHIPS"])})
    priced = quote([{"sku": "CHIPS", "qty": 2}, {"sku": "COLA"}, {"sku": "PASTA"}, {"sku": "SAUCE"},
                    {"sku": "CIGS"}])
    # 20 %: chips 2 x 2.50 - 20 % = 4.00, cola 1.50 -> 5.50 gross, 550 x 2000 / 12000 = 91.67 -> 92
    # 5 %: pasta 1.99 + sauce 3.49 = 5.48, 548 x 500 / 10500 = 26.10 -> 26; 0 %: cigarettes 8.00
    assert priced["tax"] == {"prices_include_tax": True, "net": 1898 - 118, "tax": 118, "gross": 1898,
                             "rates": [{"rate_bp": 0, "net": 800, "tax": 0, "gross": 800},
                                       {"rate_bp": 500, "net": 522, "tax": 26, "gross": 548},
                                       {"rate_bp": 2000, "net": 458, "tax": 92, "gross": 550}]}
    assert priced["total"] == 1898
    by_line = {line["sku"]: (line["tax_rate_bp"], line["tax"]) for line in priced["lines"]}
    # largest remainder: chips 400 x 92 / 550 = 66.9, cola 25.1 -> 67 + 25; pasta 9.46, sauce 16.54 -> 9 + 17
    assert by_line == {"CHIPS": (2000, 67), "COLA": (2000, 25), "PASTA": (500, 9), "SAUCE": (500, 17),
                       "CIGS": (0, 0)}


def test_a_net_threshold_counts_the_basket_without_its_tax(client, services, marketer, catalogue, promote, quote):
    _tax_classes(client, services)
    promote("Spend 10.00 net, save 1.00", {"kind": "spend_threshold", "basis": "net",
                                            "tiers": [{"min_spend_minor": 1000, "amount_off_minor": 100}]})
    assert quote([{"sku": "CHIPS", "qty": 4}])["total"] == 1000  # 10.00 gross is 8.33 net: no discount
    assert quote([{"sku": "CHIPS", "qty": 5}])["total"] == 1150  # 12.50 gross, 10.42 net: 1.00 off


def test_a_product_cannot_name_a_tax_class_that_does_not_exist(client, marketer, catalogue):
    response = client.patch("/api/v1/products/COLA", headers=marketer, json={"tax_class": "luxury"})
    assert response.status_code == 422 and "tax_class" in response.json["errors"]


def test_only_an_admin_sets_a_rate_and_a_rate_above_one_hundred_percent_is_refused(client, services, marketer):
    admin = _tax_classes(client, services)
    assert client.put("/api/v1/tax-classes/standard", headers=marketer,
                      json={"name": "Standard", "rate_bp": 1900}).status_code == 403
    refused = client.put("/api/v1/tax-classes/standard", headers=admin, json={"name": "Standard", "rate_bp": 10_001})
    assert refused.status_code == 400 and "rate_bp" in str(refused.json), refused.json
    listed = client.get("/api/v1/tax-classes", headers=marketer).json
    assert [(c["code"], c["rate_bp"]) for c in listed] == [("reduced", 500), ("standard", 2000), ("zero", 0)]


def test_a_store_whose_prices_exclude_tax_adds_it_on_top(client, services, marketer, catalogue, quote):
    admin = _tax_classes(client, services)
    made = client.post("/api/v1/stores", headers=admin,
                       json={"code": "X1", "name": "Net prices", "timezone": "Europe/London",
                             "prices_include_tax": False})
    assert made.status_code == 201 and made.json["prices_include_tax"] is False, made.json
    priced = quote([{"sku": "COLA", "qty": 3}], store="X1")  # 4.50 + 20 % = 0.90
    assert (priced["subtotal"], priced["discount_total"], priced["total"]) == (450, 0, 540)
    assert priced["tax"]["rates"] == [{"rate_bp": 2000, "net": 450, "tax": 90, "gross": 540}]
    assert priced["lines"][0]["total"] == 540 and priced["lines"][0]["tax"] == 90


def test_a_tax_class_code_too_long_for_a_product_is_refused(client, services):
    admin = _tax_classes(client, services)
    response = client.put("/api/v1/tax-classes/" + "x" * 17, headers=admin, json={"name": "Long", "rate_bp": 0})
    assert response.status_code == 422 and "code" in response.json["errors"]
