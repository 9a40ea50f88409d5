"""Usage counting: sales keep their discounts per line; limits and single-use coupons hold, even in a race."""

import json
import threading
import uuid

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from server.app import create_app
from server.models import CouponCode, ReconciliationException, SaleDiscount
from server.services import Services
from store_sync.http.client import terminal_session
from tests.integration.pricing.conftest import PRODUCTS, scope
from tests.support.concurrency import concurrently
from tests.support.factories import login, make_staff, make_terminal


def _sale_from_quote(till, priced, card=None, coupons=(), offline=False):
    """Post what the till was quoted, with the discounts it applied, as the POS agent would."""
    lines = [{"line_id": ln["line_id"], "sku": ln["sku"], "qty": ln["qty"], "paid_minor": ln["total"],
              "category": ln["category"], "discounts": ln["discounts"]} for ln in priced["lines"]]
    return till.sale(lines, card=card, coupons=list(coupons), offline=offline)


def _coupon_promotion(client, marketer, promote, count=3):
    promotion = promote("Coupon: 2.00 off", {"kind": "amount_off", "amount_minor": 200,
                                            "scope": scope(whole_basket=True)}, coupon={"single_use": True})
    batch = client.post(f"/api/v1/promotions/{promotion['id']}/coupons", headers=marketer,
                        json={"prefix": "SPRING-", "count": count})
    assert batch.status_code == 201, batch.json
    return promotion, batch.json["codes"]


def test_a_sale_keeps_a_copy_of_each_discount_per_line(services, catalogue, enrol, promote, quote, till, client,
                                                        marketer):
    promotion = promote("10 % off snacks", {"kind": "percent_off", "percent_bp": 1000,
                                            "scope": scope(categories=["snacks"])})
    _, card = enrol()
    sale = _sale_from_quote(till, quote([{"sku": "CHIPS", "qty": 3}], card=card), card=card)
    assert sale.status_code == 201, sale.json
    client.put(f"/api/v1/promotions/{promotion['id']}", headers=marketer, json={
        "label": "20 % off snacks", "rule": {"kind": "percent_off", "percent_bp": 2000,
                                             "scope": scope(categories=["snacks"])}})
    with services.db.session() as session:
        kept = session.scalars(select(SaleDiscount)).all()
    assert [(d.line_id, d.label, d.version, d.amount_minor) for d in kept] == [("1", "10 % off snacks", 1, 75)]


def test_a_once_a_week_offer_stops_after_one_sale_and_a_second_claim_is_refused(
        services, catalogue, enrol, promote, quote, till, clock):
    promote("Welcome: 1.00 off cola", {"kind": "amount_off", "amount_minor": 100, "scope": scope(["COLA"])},
            usage_limit={"max_uses": 1, "period": "week"})
    _, card = enrol()
    first = quote([{"sku": "COLA"}], card=card)
    assert first["total"] == 50
    assert _sale_from_quote(till, first, card=card).status_code == 201
    assert quote([{"sku": "COLA"}], card=card)["total"] == 150
    online = _sale_from_quote(till, first, card=card)
    assert online.status_code == 422 and online.json["reason"] == "usage-limit-reached"
    offline = _sale_from_quote(till, first, card=card, offline=True)
    # Both are true of it: the server would not have given the discount, and the limit was passed.
    assert offline.status_code == 201
    assert sorted(offline.json["exceptions"]) == ["price-differs", "usage-limit-reached"]
    clock.advance(days=7)  # a new week (asked by the till: staff tokens do not last a week)
    next_week = till.request("POST", "/api/v1/quotes", {"store": "B2", "lines": [{"sku": "COLA"}], "card_number": card})
    assert next_week.json["total"] == 50


def _reserve_offer(till, card, promotion_id, hold_id=None):
    return till.request("POST", "/api/v1/coupon-holds", {
        "id": hold_id or str(uuid.uuid4()), "promotions": [promotion_id], "card_number": card,
        "store": till.store, "terminal": till.terminal})


def test_a_members_last_use_of_a_limited_offer_reserved_at_one_till_is_refused_at_another(
        services, client, catalogue, enrol, promote, quote, till, clock):
    from tests.support.tills import Till

    offer = promote("Welcome: 1.00 off cola", {"kind": "amount_off", "amount_minor": 100, "scope": scope(["COLA"])},
                    usage_limit={"max_uses": 1, "period": "week"})
    other = Till(client, make_terminal(services, "C3", "T7"), "C3", "T7", clock)
    _, card = enrol()
    priced = quote([{"sku": "COLA"}], card=card)
    held = _reserve_offer(till, card, offer["id"])
    assert held.status_code == 201 and held.json["promotions"] == [offer["id"]] and held.json["codes"] == []
    assert _reserve_offer(till, card, offer["id"], held.json["id"]).status_code == 201  # a retry: the same hold
    refused = _reserve_offer(other, card, offer["id"])
    assert refused.status_code == 409 and refused.json["type"].endswith("/offer-not-available")
    assert refused.json["promotion_id"] == offer["id"] and "used or reserved 1" in refused.json["detail"]
    skipped = _sale_from_quote(other, priced, card=card)  # posted online without reserving: the hold counts
    assert skipped.status_code == 422 and skipped.json["reason"] == "usage-limit-reached"
    lines = [{"line_id": "1", "sku": "COLA", "qty": 1, "paid_minor": 50, "discounts": priced["lines"][0]["discounts"]}]
    used = till.sale(lines, card=card, coupon_hold_id=held.json["id"])
    assert used.status_code == 201 and used.json["exceptions"] == []
    assert _reserve_offer(other, card, offer["id"]).status_code == 409  # used now, not held


def test_a_released_or_lapsed_offer_hold_frees_the_members_use(services, client, catalogue, enrol, promote, till,
                                                               clock):
    offer = promote("Welcome: 1.00 off cola", {"kind": "amount_off", "amount_minor": 100, "scope": scope(["COLA"])},
                    usage_limit={"max_uses": 1, "period": "ever"})
    _, card = enrol()
    held = _reserve_offer(till, card, offer["id"]).json
    released = till.request("POST", f"/api/v1/coupon-holds/{held['id']}/release")
    assert released.status_code == 200 and released.json["status"] == "released"
    assert _reserve_offer(till, card, offer["id"]).status_code == 201
    clock.advance(minutes=16)  # a hold lives 15 minutes
    assert _reserve_offer(till, card, offer["id"]).status_code == 201
    no_card = till.request("POST", "/api/v1/coupon-holds", {"id": str(uuid.uuid4()), "promotions": [offer["id"]],
                                                            "store": "B2", "terminal": "T1"})
    assert no_card.status_code == 400 and "card_number" in no_card.json["errors"]


def test_a_used_single_use_coupon_is_rejected_with_a_reason(client, marketer, catalogue, promote, quote, till):
    _, codes = _coupon_promotion(client, marketer, promote)
    priced = quote([{"sku": "CIGS"}], coupons=[codes[0]])
    assert priced["total"] == 600
    assert _sale_from_quote(till, priced, coupons=[codes[0]]).status_code == 201
    again = quote([{"sku": "CIGS"}], coupons=[codes[0]])
    assert again["rejected_coupons"][0]["code"] == codes[0]
    assert again["rejected_coupons"][0]["reason"] == "already_used" and again["total"] == 800
    refused = _sale_from_quote(till, priced, coupons=[codes[0]])
    assert refused.status_code == 422 and refused.json["reason"] == "coupon-already-used"


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


def _coupon_sale(services, session, url, terminal, code, offline):
    body = {"id": str(uuid.uuid4()), "kind": "sale", "store": "B2", "terminal": terminal,
            "at": services.clock().isoformat(), "offline": offline, "coupons": [code],
            "lines": [{"line_id": "1", "sku": "CIGS", "qty": 1, "paid_minor": 600}],
            "tenders": [{"kind": "cash", "amount_minor": 600}]}
    return session.post(f"{url}/api/v1/transactions", data=json.dumps(body),
                        headers={"Content-Type": "application/json"})


@pytest.mark.postgres
def test_tills_racing_for_one_single_use_coupon_leave_one_winner(live_postgres_server):
    services, app, url = live_postgres_server
    client = app.test_client()
    make_staff(services, "mia", "marketing")
    marketer = login(client, "mia")
    client.post("/api/v1/products/bulk", json={"items": PRODUCTS}, headers=marketer)
    promotion = client.post("/api/v1/promotions", headers=marketer, json={
        "label": "Coupon: 2.00 off", "state": "active", "coupon": {"single_use": True},
        "rule": {"kind": "amount_off", "amount_minor": 200, "scope": scope(whole_basket=True)}}).json
    codes = client.post(f"/api/v1/promotions/{promotion['id']}/coupons", headers=marketer,
                        json={"count": 2}).json["codes"]
    tills = [(terminal_session(make_terminal(services, "B2", f"T{i}"), url), f"T{i}") for i in range(12)]
    online = concurrently([lambda s=s, t=t: _coupon_sale(services, s, url, t, codes[0], False)
                            for s, t in tills[:6]])
    assert sorted(r.status_code for r in online) == [201] + [422] * 5
    assert {r.json()["reason"] for r in online if r.status_code == 422} == {"coupon-already-used"}
    offline = concurrently([lambda s=s, t=t: _coupon_sale(services, s, url, t, codes[1], True)
                             for s, t in tills[6:]])
    assert [r.status_code for r in offline] == [201] * 6
    with services.db.session() as session:
        uses = dict(session.execute(select(CouponCode.code, CouponCode.uses)).all())
        flagged = session.scalars(select(ReconciliationException.kind)).all()
    assert uses == {codes[0]: 1, codes[1]: 6}
    assert flagged == ["coupon-already-used"] * 5


def _published_uses(services, member_id):
    """The use log of the member's newest snapshot on the change feed."""
    from server.models import ChangeRecord

    with services.db.session() as session:
        payload = session.scalars(select(ChangeRecord.payload).where(
            ChangeRecord.entity_type == "member", ChangeRecord.entity_id == member_id)
            .order_by(ChangeRecord.order_key.desc()).limit(1)).one()
    return [(use["promotion_id"], use["transaction_id"]) for use in payload["promotion_uses"]]


def test_the_member_snapshot_logs_each_sale_that_used_a_limited_offer_and_nothing_else(
        services, catalogue, enrol, promote, quote, till):
    weekly = promote("Welcome: 1.00 off cola", {"kind": "amount_off", "amount_minor": 100, "scope": scope(["COLA"])},
                     usage_limit={"max_uses": 2, "period": "week"})
    promote("10 % off snacks", {"kind": "percent_off", "percent_bp": 1000, "scope": scope(categories=["snacks"])})
    member_id, card = enrol()
    sale = _sale_from_quote(till, quote([{"sku": "COLA", "qty": 2}, {"sku": "CHIPS"}], card=card), card=card)
    assert sale.status_code == 201, sale.json
    sale_id = sale.json["transaction_id"]
    # One entry per sale however many lines it discounted; the unlimited snack offer is not logged.
    assert _published_uses(services, member_id) == [(weekly["id"], sale_id)]
    second = _sale_from_quote(till, quote([{"sku": "COLA"}], card=card), card=card)
    second_id = second.json["transaction_id"]
    assert sorted(_published_uses(services, member_id)) == sorted([(weekly["id"], sale_id), (weekly["id"], second_id)])


def test_uses_from_an_earlier_period_drop_out_of_the_snapshot_log(
        services, catalogue, enrol, promote, quote, till, clock):
    weekly = promote("Welcome: 1.00 off cola", {"kind": "amount_off", "amount_minor": 100, "scope": scope(["COLA"])},
                     usage_limit={"max_uses": 1, "period": "week"})
    daily = promote("Chips deal", {"kind": "amount_off", "amount_minor": 50, "scope": scope(["CHIPS"])},
                    usage_limit={"max_uses": 1, "period": "day"})
    member_id, card = enrol()
    first = _sale_from_quote(till, quote([{"sku": "COLA"}, {"sku": "CHIPS"}], card=card), card=card)
    assert sorted(_published_uses(services, member_id)) == sorted(
        [(weekly["id"], first.json["transaction_id"]), (daily["id"], first.json["transaction_id"])])
    clock.advance(days=3)  # the day ended (plus the margin for every time zone); the week may not have
    later = till.sale([{"line_id": "1", "sku": "PASTA", "qty": 1, "paid_minor": 199}], card=card)
    assert later.status_code == 201, later.json
    uses = _published_uses(services, member_id)
    assert (daily["id"], first.json["transaction_id"]) not in uses
    clock.advance(days=14)
    till.sale([{"line_id": "1", "sku": "PASTA", "qty": 1, "paid_minor": 199}], card=card)
    assert _published_uses(services, member_id) == []


def test_a_once_a_week_bonus_points_offer_counts_its_use_like_a_discount(services, catalogue, enrol, promote, quote,
                                                                       till, clock):
    weekly = promote("Double points on cola, once a week", {"kind": "bonus_points", "extra_bp": 10000,
                                                            "scope": scope(["COLA"])},
                     usage_limit={"max_uses": 1, "period": "week"})
    member_id, card = enrol()
    first = quote([{"sku": "COLA", "qty": 4}], card=card)  # 6.00: 6 base points, 6 more once a week
    assert [(b["promotion_id"], b["points"]) for b in first["points"]["bonus"]] == [(weekly["id"], 6)]
    sold = _sale_from_quote(till, first, card=card)
    assert sold.status_code == 201 and sold.json["points_earned"] == 12, sold.json
    again = quote([{"sku": "COLA", "qty": 4}], card=card)
    assert again["points"]["bonus"] == []  # used this week
    second = _sale_from_quote(till, again, card=card, offline=True)
    assert second.json["points_earned"] == 6 and second.json["exceptions"] == []
    assert _published_uses(services, member_id) == [(weekly["id"], sold.json["transaction_id"])]


def _journal_sale_from_quote(till, priced, card):
    """An offline sale of what the till was quoted, as a journal item."""
    lines = [{"line_id": ln["line_id"], "sku": ln["sku"], "qty": ln["qty"], "paid_minor": ln["total"],
              "category": ln["category"], "discounts": ln["discounts"]} for ln in priced["lines"]]
    sale_id = str(uuid.uuid4())
    body = {"id": sale_id, "kind": "sale", "store": till.store, "terminal": till.terminal,
            "at": till.clock().isoformat(), "offline": True, "card_number": card, "lines": lines,
            "tenders": [{"kind": "cash", "amount_minor": sum(ln["paid_minor"] for ln in lines)}]}
    return {"id": sale_id, "type": "transaction", "body": body}


def test_a_journal_batch_counts_its_own_earlier_sales_against_a_members_limit(
        services, catalogue, enrol, promote, quote, till):
    """In a batch, the uses its sales record wait until its end: the limit counts them all the same,
    besides the uses stored before it, and they are stored with the batch."""
    from server.models import PromotionUseRecord

    weekly = promote("Welcome: 1.00 off cola", {"kind": "amount_off", "amount_minor": 100, "scope": scope(["COLA"])},
                     usage_limit={"max_uses": 1, "period": "week"})
    fresh_id, fresh = enrol()
    used_id, used = enrol("Grace Hopper")
    fresh_quote, used_quote = quote([{"sku": "COLA"}], card=fresh), quote([{"sku": "COLA"}], card=used)
    assert fresh_quote["total"] == used_quote["total"] == 50
    assert _sale_from_quote(till, used_quote, card=used).status_code == 201  # a use stored before the batch
    items = [_journal_sale_from_quote(till, fresh_quote, fresh), _journal_sale_from_quote(till, fresh_quote, fresh),
             _journal_sale_from_quote(till, used_quote, used)]
    batch = {"protocol_version": 1, "store": till.store, "terminal": till.terminal,
             "items": [{**item, "seq": n} for n, item in enumerate(items, start=1)]}
    response = till.request("POST", "/api/v1/sync/journal", batch)
    assert [r["status"] for r in response.json["results"]] == ["applied"] * 3, response.json
    exceptions = [sorted(r["outcome"]["exceptions"]) for r in response.json["results"]]
    # The second sale of the fresh member and the used member's sale: the server would not have given
    # the discount (price-differs), and the limit was passed.
    assert exceptions == [[], ["price-differs", "usage-limit-reached"], ["price-differs", "usage-limit-reached"]]
    with services.db.session() as session:
        stored = session.execute(select(PromotionUseRecord.member_id, PromotionUseRecord.transaction_id)
                                 .where(PromotionUseRecord.promotion_id == weekly["id"])).all()
        discounts = session.scalars(select(SaleDiscount.transaction_id).where(
            SaleDiscount.transaction_id.in_([item["id"] for item in items]))).all()
    assert sorted((str(member), sale) for member, sale in stored if sale in {i["id"] for i in items}) == sorted(
        [(fresh_id, items[0]["id"]), (fresh_id, items[1]["id"]), (used_id, items[2]["id"])])
    assert sorted(discounts) == sorted(item["id"] for item in items)


def test_in_a_journal_batch_a_members_offer_reserved_at_another_till_still_counts(
        services, client, catalogue, enrol, promote, quote, till, clock):
    """A batch asks once which of its members hold a live reservation; those who do have it counted."""
    from tests.support.tills import Till

    offer = promote("Welcome: 1.00 off cola", {"kind": "amount_off", "amount_minor": 100, "scope": scope(["COLA"])},
                    usage_limit={"max_uses": 1, "period": "week"})
    other = Till(client, make_terminal(services, "C3", "T7"), "C3", "T7", clock)
    _, holding = enrol()
    _, free = enrol("Grace Hopper")
    priced = quote([{"sku": "COLA"}], card=holding)
    assert _reserve_offer(other, holding, offer["id"]).status_code == 201
    items = [_journal_sale_from_quote(till, priced, holding), _journal_sale_from_quote(till, priced, free)]
    batch = {"protocol_version": 1, "store": till.store, "terminal": till.terminal,
             "items": [{**item, "seq": n} for n, item in enumerate(items, start=1)]}
    results = till.request("POST", "/api/v1/sync/journal", batch).json["results"]
    assert [(r["status"], r["outcome"]["exceptions"]) for r in results] == [
        ("applied", ["usage-limit-reached"]), ("applied", [])]
