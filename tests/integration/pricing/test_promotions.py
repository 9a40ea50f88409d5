"""Promotions as versioned data: edits make versions, states decide what prices, contradictions are 422."""

import pytest

from tests.integration.pricing.conftest import discounts, scope

TEN_OFF_SNACKS = {"kind": "percent_off", "percent_bp": 1000, "scope": scope(categories=["snacks"])}


def test_an_edit_makes_version_two_and_version_one_stays_readable(client, marketer, catalogue, promote, quote):
    promotion = promote("10 % off snacks", TEN_OFF_SNACKS)
    assert discounts(quote([{"sku": "CHIPS", "qty": 2}]))["1"] == [("10 % off snacks", 1, 50)]
    edited = client.put(f"/api/v1/promotions/{promotion['id']}", headers=marketer,
                        json={"label": "20 % off snacks", "rule": {**TEN_OFF_SNACKS, "percent_bp": 2000}})
    assert edited.status_code == 200, edited.json
    assert edited.json["current_version"] == 2 and edited.json["state"] == "active"
    first = client.get(f"/api/v1/promotions/{promotion['id']}/versions/1", headers=marketer).json
    assert first["definition"]["rule"]["percent_bp"] == 1000 and first["created_by"] == "mia"
    assert [v["version"] for v in client.get(f"/api/v1/promotions/{promotion['id']}/versions",
                                             headers=marketer).json] == [1, 2]
    assert discounts(quote([{"sku": "CHIPS", "qty": 2}]))["1"] == [("20 % off snacks", 2, 100)]


def test_only_live_promotions_price_and_a_paused_one_stops_applying(client, marketer, catalogue, promote, quote):
    promote("Draft: half price cola", {"kind": "percent_off", "percent_bp": 5000, "scope": scope(["COLA"])},
            state="draft")
    live = promote("10 % off snacks", TEN_OFF_SNACKS)
    basket = [{"sku": "COLA"}, {"sku": "CHIPS"}]
    assert quote(basket)["total"] == 150 + 225
    paused = client.post(f"/api/v1/promotions/{live['id']}/state", headers=marketer,
                         json={"state": "paused", "reason": "supplier ran out"})
    assert paused.status_code == 200 and paused.json["state"] == "paused"
    assert quote(basket)["total"] == 400
    client.post(f"/api/v1/promotions/{live['id']}/state", headers=marketer, json={"state": "active"})
    assert quote(basket)["total"] == 375


def test_a_scheduled_promotion_waits_for_its_start(client, marketer, catalogue, promote, quote, clock):
    start = clock.advance(hours=0).replace(hour=18, minute=0)
    draft = promote("Evening snacks", TEN_OFF_SNACKS, state="draft", window={"start": start.isoformat()})
    moved = client.post(f"/api/v1/promotions/{draft['id']}/state", headers=marketer, json={"state": "scheduled"})
    assert moved.status_code == 200, moved.json
    assert quote([{"sku": "CHIPS"}])["total"] == 250
    assert quote([{"sku": "CHIPS"}], at=start.isoformat())["total"] == 225


def test_an_ended_promotion_cannot_come_back(client, marketer, catalogue, promote):
    promotion = promote("10 % off snacks", TEN_OFF_SNACKS)
    client.post(f"/api/v1/promotions/{promotion['id']}/state", headers=marketer, json={"state": "ended"})
    again = client.post(f"/api/v1/promotions/{promotion['id']}/state", headers=marketer, json={"state": "active"})
    assert again.status_code == 409 and again.json["from_state"] == "ended"
    edited = client.put(f"/api/v1/promotions/{promotion['id']}", headers=marketer,
                        json={"label": "20 % off snacks", "rule": {**TEN_OFF_SNACKS, "percent_bp": 2000}})
    assert edited.status_code == 409 and edited.mimetype == "application/problem+json"


@pytest.mark.parametrize(("rule", "window", "field", "words"), [
    (TEN_OFF_SNACKS, {"start": "2026-04-01T00:00:00+00:00", "end": "2026-03-01T00:00:00+00:00"},
     "window.end", "after start"),
    ({"kind": "bundle", "components": [{"scope": scope(["PASTA"])}], "price_minor": 150}, {},
     "rule.components", "at least two items"),
    ({**TEN_OFF_SNACKS, "percent_bp": 12_000}, {}, "rule.percent_bp", "0.01 % .. 100 %"),
])
def test_contradictions_are_refused_with_the_field_and_a_clear_message(client, marketer, rule, window, field,
                                                                          words):
    response = client.post("/api/v1/promotions", headers=marketer,
                           json={"label": "Broken", "rule": rule, "window": window})
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    assert words in response.json["errors"][field][0]
    assert client.get("/api/v1/promotions", headers=marketer).json["items"] == []


def test_a_malformed_definition_is_a_bad_request(client, marketer):
    response = client.post("/api/v1/promotions", headers=marketer,
                           json={"label": "x", "rule": {"kind": "free_lunch"}})
    assert response.status_code == 400 and "rule.kind" in response.json["errors"]


def test_a_price_list_is_a_member_price_promotion_per_tier(client, marketer, catalogue, enrol, quote):
    created = client.post("/api/v1/price-lists", headers=marketer, json={
        "label": "Gold price", "prices": [{"sku": "COLA", "price_minor": 99}], "tiers": ["gold"],
        "state": "active"})
    assert created.status_code == 201, created.json
    assert created.json["kind"] == "member_price"
    listed = client.get("/api/v1/price-lists", headers=marketer).json["items"]
    assert [p["id"] for p in listed] == [created.json["id"]]
    _, gold = enrol("Goldie", tier="gold")
    _, basic = enrol("Basil")
    assert quote([{"sku": "COLA"}], card=gold)["lines"][0]["member_unit_price"] == 99
    assert quote([{"sku": "COLA"}], card=basic)["lines"][0]["member_unit_price"] is None
