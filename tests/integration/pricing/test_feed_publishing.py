"""The catalogue reaches tills through the feed, and a till prices with it exactly as the server does."""

from datetime import UTC, datetime

from promotions import BasketLine, Catalogue, PricingRequest, Store, price_basket
from store_sync.promotion_definitions import from_payload
from tests.integration.pricing.conftest import scope


def _feed(till) -> dict[tuple[str, str], dict]:
    """The latest state per entity the till's store sees, read page by page as an agent does."""
    latest, cursor = {}, "0"
    while True:
        page = till.request("GET", f"/api/v1/sync/changes?cursor={cursor}&limit=100").json
        for change in page["items"]:
            latest[(change["entity_type"], change["entity_id"])] = change
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return latest


def test_products_and_live_promotions_are_published_and_price_the_same_at_the_till(client, catalogue,
                                                                                   promote, till):
    promote("Bundle: pasta + sauce 4.99", {"kind": "bundle", "price_minor": 499, "components": [
        {"scope": scope(skus=["PASTA"]), "qty": 1}, {"scope": scope(skus=["SAUCE"]), "qty": 1}]})
    promote("3 for 2 — Snacks", {"kind": "multi_buy", "buy": 2, "get": 1, "scope": scope(categories=["snacks"])})
    draft = promote("Not yet", {"kind": "percent_off", "percent_bp": 5000, "scope": scope(skus=["COLA"])},
                    state="draft")
    feed = _feed(till)
    assert feed[("product", "PASTA")]["payload"]["barcodes"] == ["4006381333931"]
    promotions = [c["payload"] for (kind, _), c in feed.items() if kind == "promotion" and c["op"] == "upsert"]
    assert sorted(p["definition"]["label"] for p in promotions) == ["3 for 2 — Snacks", "Bundle: pasta + sauce 4.99"]
    assert feed.get(("promotion", draft["id"]), {"op": "delete"})["op"] == "delete"  # drafts never reach tills

    lines = [("PASTA", 2), ("SAUCE", 1), ("CHIPS", 3)]
    server_quote = till.request("POST", "/api/v1/quotes",
                                {"store": "B2", "lines": [{"sku": s, "qty": q} for s, q in lines]}).json
    products = {sku: feed[("product", sku)]["payload"] for sku, _ in lines}
    at_till = price_basket(PricingRequest(
        lines=tuple(BasketLine(str(n), sku, products[sku]["base_price_minor"], qty,
                               category=products[sku]["category"]) for n, (sku, qty) in enumerate(lines, 1)),
        store=Store("B2", "Europe/Berlin"), at=datetime.now(UTC)), Catalogue(from_payload(p) for p in promotions))
    assert at_till.total == server_quote["total"] == 2 * 199 + 349 - (199 + 349 - 499) + 2 * 250


def test_pausing_a_promotion_withdraws_it_from_the_tills(client, catalogue, promote, marketer, till):
    promotion = promote("10% off snacks", {"kind": "percent_off", "percent_bp": 1000,
                                           "scope": scope(categories=["snacks"])})
    paused = client.post(f"/api/v1/promotions/{promotion['id']}/state", headers=marketer,
                         json={"state": "paused", "reason": "supplier issue"})
    assert paused.status_code == 200, paused.json
    assert _feed(till)[("promotion", promotion["id"])]["op"] == "delete"
