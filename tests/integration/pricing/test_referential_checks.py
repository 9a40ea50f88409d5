"""Promotions, price lists and segments name only what exists; a promotion whose window has ended
cannot go live; a "bought category" segment answers on the demo's history."""

import random
import uuid
from datetime import timedelta

from sqlalchemy import select

from server.demo.seed import seed_chain
from server.membership.posting import PostTransaction, post_transaction
from server.models import PostedTransaction, Product
from store_sync.transactions import TillTransaction
from tests.integration.pricing.conftest import scope
from tests.support.tills import line

GHOST_SEGMENT = "01900000-0000-7000-8000-000000000000"


def test_a_promotion_naming_unknown_stores_tiers_categories_products_or_segments_is_refused(
        client, marketer, catalogue):
    response = client.post("/api/v1/promotions", headers=marketer, json={
        "label": "10 % off snacks", "state": "active", "stores": ["B2", "S999"],
        "rule": {"kind": "percent_off", "percent_bp": 1000,
                 "scope": scope(["CHIPS", "CRISPS", "NACHOS"], ["snacks", "unicorns"])},
        "targeting": {"tiers": ["gold", "platinum"], "segments": [GHOST_SEGMENT]}})
    assert response.status_code == 422, response.json
    assert response.json["type"].endswith("/unknown-reference")
    assert response.json["errors"] == {
        "stores": ["unknown store: S999"],
        "targeting.tiers": ["unknown tier: platinum"],
        "targeting.segments": [f"unknown segment: {GHOST_SEGMENT}"],
        "rule.scope.skus": ["unknown product: CRISPS, NACHOS"],
        "rule.scope.categories": ["unknown category: unicorns"],
    }
    assert client.get("/api/v1/promotions", headers=marketer).json["items"] == []


def test_a_bundle_component_naming_an_unknown_product_is_refused(client, marketer, catalogue):
    response = client.post("/api/v1/promotions", headers=marketer, json={
        "label": "Pasta + sauce 4.99", "rule": {"kind": "bundle", "price_minor": 499, "components": [
            {"scope": scope(["PASTA"])}, {"scope": scope(["PESTO"])}]}})
    assert response.status_code == 422
    assert response.json["errors"] == {"rule.components.1.scope.skus": ["unknown product: PESTO"]}


def test_an_edit_naming_an_unknown_product_is_refused_and_the_promotion_keeps_its_version(
        client, marketer, catalogue, promote):
    promotion = promote("0.50 off cola", {"kind": "amount_off", "amount_minor": 50, "scope": scope(["COLA"])})
    edit = client.put(f"/api/v1/promotions/{promotion['id']}", headers=marketer, json={
        "label": "0.50 off cola", "rule": {"kind": "amount_off", "amount_minor": 50, "scope": scope(["COLA-2L"])}})
    assert edit.status_code == 422 and edit.json["errors"] == {"rule.scope.skus": ["unknown product: COLA-2L"]}
    assert client.get(f"/api/v1/promotions/{promotion['id']}", headers=marketer).json["current_version"] == 1


def test_a_price_list_naming_an_unknown_product_tier_or_store_is_refused(client, marketer, catalogue):
    response = client.post("/api/v1/price-lists", headers=marketer, json={
        "prices": [{"sku": "PASTA", "price_minor": 179}, {"sku": "GNOCCHI", "price_minor": 229}],
        "tiers": ["silver", "diamond"], "stores": ["B9"], "state": "active"})
    assert response.status_code == 422
    assert response.json["errors"] == {"prices": ["unknown product: GNOCCHI"], "tiers": ["unknown tier: diamond"],
                                       "stores": ["unknown store: B9"]}
    known = client.post("/api/v1/price-lists", headers=marketer, json={
        "prices": [{"sku": "PASTA", "price_minor": 179}], "tiers": ["silver"], "stores": ["B2"], "state": "active"})
    assert known.status_code == 201, known.json


def test_a_segment_rule_naming_an_unknown_tier_store_or_category_is_refused(client, marketer, catalogue):
    response = client.post("/api/v1/segments", headers=marketer, json={"name": "Nobody", "rule": {
        "tiers": ["bronze"], "home_stores": ["B2", "Z1"], "bought_category": {"category": "caviar", "days": 30}}})
    assert response.status_code == 422
    assert response.json["errors"] == {"rule.tiers": ["unknown tier: bronze"],
                                       "rule.home_stores": ["unknown store: Z1"],
                                       "rule.bought_category.category": ["unknown category: caviar"]}
    assert client.get("/api/v1/segments", headers=marketer).json["items"] == []


def test_a_promotion_whose_window_has_ended_cannot_go_live(client, marketer, catalogue, promote, clock):
    past = {"start": (clock() - timedelta(days=30)).isoformat(), "end": (clock() - timedelta(days=1)).isoformat()}
    rule = {"kind": "amount_off", "amount_minor": 50, "scope": scope(["COLA"])}
    created = client.post("/api/v1/promotions", headers=marketer,
                          json={"label": "Last month's cola", "rule": rule, "window": past, "state": "active"})
    assert created.status_code == 409 and created.json["type"].endswith("/promotion-state")
    draft = promote("Last month's cola", rule, state="draft", window=past)
    activated = client.post(f"/api/v1/promotions/{draft['id']}/state", headers=marketer, json={"state": "active"})
    assert activated.status_code == 409 and "ended at" in activated.json["detail"]
    assert client.post("/api/v1/price-lists", headers=marketer, json={
        "prices": [{"sku": "COLA", "price_minor": 120}], "window": past, "state": "active"}).status_code == 409


def test_a_paused_promotion_cannot_resume_after_its_window_ended(client, marketer, catalogue, promote, clock):
    hour = {"end": (clock() + timedelta(hours=1)).isoformat()}
    promotion = promote("This hour's cola", {"kind": "amount_off", "amount_minor": 50, "scope": scope(["COLA"])},
                        window=hour)
    assert client.post(f"/api/v1/promotions/{promotion['id']}/state", headers=marketer,
                       json={"state": "paused"}).status_code == 200
    clock.advance(hours=1)
    resumed = client.post(f"/api/v1/promotions/{promotion['id']}/state", headers=marketer, json={"state": "active"})
    assert resumed.status_code == 409
    assert client.post(f"/api/v1/promotions/{promotion['id']}/state", headers=marketer,
                       json={"state": "ended"}).status_code == 200


def _buyers(session, category: str, since) -> int:
    """Members with a kept sale line in ``category`` since ``since``, counted from the raw rows."""
    skus = {sku for sku, cat in session.execute(select(Product.sku, Product.category)) if cat == category}
    buyers = set()
    for sale in session.scalars(select(PostedTransaction)):
        lines = sale.body.get("lines", [])
        if sale.kind == "sale" and sale.member_id and sale.at >= since and any(ln["sku"] in skus for ln in lines):
            buyers.add(sale.member_id)
    return len(buyers)


def test_a_bought_category_segment_counts_the_buyers_in_the_demo_history(client, marketer, services, clock):
    seed_chain(services, random.Random(20261126), product_count=40, member_count=6)
    response = client.post("/api/v1/segments", headers=marketer, json={
        "name": "Coffee buyers this fortnight", "rule": {"bought_category": {"category": "coffee", "days": 14}}})
    assert response.status_code == 201, response.json
    with services.db.session() as session:
        expected = _buyers(session, "coffee", clock() - timedelta(days=14))
    assert 0 < expected < 6
    assert response.json["size"] == expected


def test_sales_kept_without_their_lines_do_not_break_a_bought_category_segment(
        client, marketer, catalogue, enrol, till, services, clock):
    _, snacker = enrol("Snack Buyer")
    _, old_timer = enrol("Demo Member")
    till.sale([{**line("1", 250), "sku": "CHIPS"}], card=snacker)
    sale_id = str(uuid.uuid4())  # as the demo kept its history before its lines were kept too
    with services.db.session() as session:
        message = TillTransaction.from_dict({
            "id": sale_id, "kind": "sale", "store": "B2", "terminal": "T1",
            "at": (clock() - timedelta(days=3)).isoformat(), "lines": [{**line("1", 250), "sku": "CHIPS"}],
            "tenders": [{"kind": "card", "amount_minor": 250, "points": 0}], "card_number": old_timer})
        post_transaction(session, PostTransaction(message, raw={"id": sale_id, "history": True}),
                         services.program, clock())
        session.commit()
    response = client.post("/api/v1/segments", headers=marketer, json={
        "name": "Snack buyers", "rule": {"bought_category": {"category": "snacks", "days": 30}}})
    assert (response.status_code, response.json["size"]) == (201, 1)
