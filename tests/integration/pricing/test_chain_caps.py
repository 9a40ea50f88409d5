"""Chain-wide usage caps ("the first N customers"): reserved online, counted on posting, bounded offline,
for anonymous shoppers too; and never more uses than the cap when tills race on PostgreSQL."""

import json
import threading
import uuid

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from server.app import create_app
from server.models import CapUse, ChangeRecord, ReconciliationException
from server.services import Services
from store_sync.http.client import terminal_session
from tests.integration.pricing.conftest import PRODUCTS, scope
from tests.support.concurrency import concurrently
from tests.support.factories import login, make_staff, make_terminal
from tests.support.tills import Till

COLA_OFF = {"kind": "amount_off", "amount_minor": 100, "scope": scope(["COLA"])}


def _sale(till, priced, **extra):
    lines = [{"line_id": ln["line_id"], "sku": ln["sku"], "qty": ln["qty"], "paid_minor": ln["total"],
              "discounts": ln["discounts"]} for ln in priced["lines"]]
    return till.sale(lines, **extra)


def _reserve(till, promotion_id, hold_id=None, card=None):
    return till.request("POST", "/api/v1/coupon-holds", {
        "id": hold_id or str(uuid.uuid4()), "capped_promotions": [promotion_id], "card_number": card,
        "store": till.store, "terminal": till.terminal})


def _feed_says_reached(services, promotion_id) -> bool:
    with services.db.session() as session:
        payload = session.scalars(select(ChangeRecord.payload).where(
            ChangeRecord.entity_type == "promotion", ChangeRecord.entity_id == promotion_id)
            .order_by(ChangeRecord.order_key.desc()).limit(1)).one()
    return payload["cap_reached"]


def test_the_first_two_anonymous_shoppers_get_the_offer_and_the_third_is_quoted_without_it(
        services, catalogue, promote, quote, till):
    offer = promote("First 2: 1.00 off cola", COLA_OFF, chain_cap={"max_uses": 2, "offline_uses": 1})
    assert not _feed_says_reached(services, offer["id"])
    for _ in range(2):
        priced = quote([{"sku": "COLA"}])
        assert priced["total"] == 50
        held = _reserve(till, offer["id"])
        assert held.status_code == 201 and held.json["capped_promotions"] == [offer["id"]]
        posted = _sale(till, priced, coupon_hold_id=held.json["id"])
        assert posted.status_code == 201 and posted.json["exceptions"] == []
    assert quote([{"sku": "COLA"}])["total"] == 150
    assert _feed_says_reached(services, offer["id"])
    refused = _reserve(till, offer["id"])
    assert refused.status_code == 409 and refused.json["reason"] == "chain-cap-reached"
    assert refused.json["promotion_id"] == offer["id"] and "2 used and 0 reserved" in refused.json["detail"]


def test_a_reservation_counts_until_it_is_released_or_lapses_and_a_retry_is_the_same_reservation(
        services, client, catalogue, promote, quote, till, clock):
    offer = promote("First 1: 1.00 off cola", COLA_OFF, chain_cap={"max_uses": 1})
    other = Till(client, make_terminal(services, "C3", "T7"), "C3", "T7", clock)
    held = _reserve(till, offer["id"])
    assert _reserve(till, offer["id"], held.json["id"]).status_code == 201  # a retry
    assert quote([{"sku": "COLA"}])["total"] == 150  # the only use is reserved
    assert _reserve(other, offer["id"]).status_code == 409
    released = till.request("POST", f"/api/v1/coupon-holds/{held.json['id']}/release")
    assert released.status_code == 200 and released.json["status"] == "released"
    assert _reserve(other, offer["id"]).status_code == 201
    clock.advance(minutes=16)  # a hold lives 15 minutes
    assert quote([{"sku": "COLA"}])["total"] == 50


def test_online_a_sale_beyond_the_cap_is_refused_and_offline_it_is_accepted_counted_and_flagged(
        services, catalogue, enrol, promote, quote, till):
    offer = promote("First 1: 1.00 off cola", COLA_OFF, chain_cap={"max_uses": 1, "offline_uses": 1})
    _, card = enrol()
    priced = quote([{"sku": "COLA"}])
    assert _sale(till, priced).status_code == 201  # no reservation, but a use was left
    online = _sale(till, priced, card_number=card)
    assert online.status_code == 422 and online.json["reason"] == "chain-cap-reached"
    offline = _sale(till, priced, offline=True, card_number=card)  # the customer paid 0.50 and left
    assert offline.status_code == 201 and offline.json["exceptions"] == ["chain-cap-reached"]
    with services.db.session() as session:
        uses = session.execute(select(CapUse.promotion_id, CapUse.terminal_code, CapUse.over_cap)
                               .order_by(CapUse.over_cap)).all()
        detail = session.scalars(select(ReconciliationException.detail)).one()
    assert uses == [(offer["id"], "T1", False), (offer["id"], "T1", True)]
    assert "capped at 1 use(s)" in detail and "terminal T1" in detail


def test_an_offline_sale_that_did_not_get_an_exhausted_offer_is_not_a_price_difference(
        services, catalogue, promote, quote, till):
    offer = promote("First 1: 1.00 off cola", COLA_OFF, chain_cap={"max_uses": 5, "offline_uses": 1})
    full = quote([{"sku": "COLA"}])
    assert full["total"] == 50
    # The till had used its offline allowance: it charged the shelf price, and the server agrees.
    plain = {**full, "lines": [{**full["lines"][0], "total": 150, "discounts": []}]}
    posted = _sale(till, plain, offline=True)
    assert posted.status_code == 201 and posted.json["exceptions"] == []
    with services.db.session() as session:
        assert session.scalars(select(CapUse.promotion_id)).all() == []
    assert quote([{"sku": "COLA"}])["total"] == 50 and offer["definition"]["chain_cap"]["max_uses"] == 5


def test_a_cap_needs_uses_and_an_offline_allowance_within_them(client, marketer, catalogue):
    for cap, field in (({"max_uses": 0}, "chain_cap.max_uses"),
                       ({"max_uses": 3, "offline_uses": 4}, "chain_cap.offline_uses")):
        response = client.post("/api/v1/promotions", headers=marketer,
                               json={"label": "x", "rule": COLA_OFF, "chain_cap": cap})
        assert response.status_code == 422, response.json
        assert field in json.dumps(response.json)


@pytest.fixture
def live_postgres_server(postgres_database, tmp_path):
    """The real app over PostgreSQL behind a threaded HTTP server: requests really run at once."""
    from server.settings import Settings
    from tests.conftest import TEST_SECRET

    postgres_database.reset()
    services = Services.build(Settings.from_values({"data_dir": str(tmp_path), "secret_key": TEST_SECRET,
                                                    "database_url": postgres_database.url}))
    app = create_app(services=services)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield services, app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    services.db.dispose()


def _post(session, url, path, body):
    return session.post(f"{url}{path}", data=json.dumps(body), headers={"Content-Type": "application/json"})


def _cola_sale(services, terminal, hold_id=None):
    body = {"id": str(uuid.uuid4()), "kind": "sale", "store": "B2", "terminal": terminal,
            "at": services.clock().isoformat(), "offline": False,
            "lines": [{"line_id": "1", "sku": "COLA", "qty": 1, "paid_minor": 50, "discounts": []}],
            "tenders": [{"kind": "cash", "amount_minor": 50}]}
    if hold_id:
        body["coupon_hold_id"] = hold_id
    return body


@pytest.mark.postgres
def test_tills_racing_for_the_last_uses_of_a_capped_offer_never_get_more_than_the_cap(live_postgres_server):
    services, app, url = live_postgres_server
    client = app.test_client()
    make_staff(services, "mia", "marketing")
    marketer = login(client, "mia")
    client.post("/api/v1/products/bulk", json={"items": PRODUCTS}, headers=marketer)
    tills = [(terminal_session(make_terminal(services, "B2", f"T{i}"), url), f"T{i}") for i in range(12)]
    for round_ in range(4):
        cap = 1 + round_ * 2  # 1, 3, 5, 7 uses for 12 tills
        offer = client.post("/api/v1/promotions", headers=marketer, json={
            "label": f"First {cap}", "state": "active", "rule": COLA_OFF, "chain_cap": {"max_uses": cap}}).json
        discount = {"promotion_id": offer["id"], "version": 1, "label": offer["definition"]["label"],
                    "amount_minor": 100}
        holds = [str(uuid.uuid4()) for _ in tills]
        reserved = concurrently([lambda s=s, t=t, h=h, pid=offer["id"]: _post(s, url, "/api/v1/coupon-holds", {
            "id": h, "capped_promotions": [pid], "store": "B2", "terminal": t})
            for (s, t), h in zip(tills, holds, strict=True)])
        won = [(s, t, h) for (s, t), h, r in zip(tills, holds, reserved, strict=True) if r.status_code == 201]
        assert sorted(r.status_code for r in reserved) == [201] * cap + [409] * (12 - cap)
        # Every till posts a sale with the offer at once: the reserved ones and six that skipped reserving.
        sales = [(s, _cola_sale(services, t, h)) for s, t, h in won] + [(s, _cola_sale(services, t))
                                                                        for s, t in tills[:6]]
        for _, body in sales:
            body["lines"][0]["discounts"] = [discount]
        posted = concurrently([lambda s=s, b=b: _post(s, url, "/api/v1/transactions", b) for s, b in sales])
        assert sorted(r.status_code for r in posted) == [201] * cap + [422] * 6
        assert {r.json()["reason"] for r in posted if r.status_code == 422} == {"chain-cap-reached"}
        with services.db.session() as session:
            assert len(session.scalars(select(CapUse).where(CapUse.promotion_id == offer["id"])).all()) == cap


def test_reserving_only_offers_without_a_cap_holds_nothing_and_says_so(catalogue, promote, till):
    plain = promote("1.00 off cola", COLA_OFF)
    answer = _reserve(till, plain["id"])
    assert answer.status_code == 201
    assert (answer.json["status"], answer.json["capped_promotions"], answer.json["expires_at"]) == ("empty", [], None)
