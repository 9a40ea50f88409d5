"""Offline sales are re-priced by the server with the promotion versions the till used."""

import uuid

from sqlalchemy import select

from server.models import ReconciliationException
from server.pricing.versions import canonical
from server.schemas.promotions import DefinitionSchema
from server.sync import head_seq, sequence_pending
from tests.integration.pricing.conftest import scope
from tests.support.feed import publish


def _posted(till, priced, card=None, offline=True, **extra):
    lines = [{"line_id": ln["line_id"], "sku": ln["sku"], "qty": ln["qty"], "paid_minor": ln["total"],
              "category": ln["category"], "discounts": ln["discounts"]} for ln in priced["lines"]]
    return till.sale(lines, card=card, offline=offline, **extra)


def test_an_offline_sale_priced_with_a_since_replaced_version_agrees_with_the_server(
        client, marketer, catalogue, promote, quote, till):
    promotion = promote("20% off chips", {"kind": "percent_off", "percent_bp": 2000,
                                          "scope": scope(["CHIPS"])})
    at_the_till = quote([{"sku": "CHIPS", "qty": 2}])  # 5.00 less 20%: 4.00, version 1
    assert at_the_till["total"] == 400
    edited = client.put(f"/api/v1/promotions/{promotion['id']}", headers=marketer, json={
        "label": "30% off chips", "rule": {"kind": "percent_off", "percent_bp": 3000, "scope": scope(["CHIPS"])}})
    assert edited.status_code == 200, edited.json
    posted = _posted(till, at_the_till)  # the offline till still had version 1
    assert posted.status_code == 201 and posted.json["exceptions"] == []


def test_an_offline_sale_charged_differently_is_recorded_with_both_figures(catalogue, quote, till, services):
    priced = quote([{"sku": "COLA", "qty": 2}, {"sku": "PASTA"}])  # 3.00 and 1.99
    priced["lines"][0]["total"] = 250  # a stale shelf price at the till
    posted = _posted(till, priced)
    assert posted.status_code == 201 and posted.json["exceptions"] == ["price-differs"]
    with services.db.session() as session:
        row = session.scalar(select(ReconciliationException))
    assert (row.till_value, row.server_value) == (250 + 199, 300 + 199)
    assert "line 1 (COLA): till 250, server 300" in row.detail


def test_an_online_sale_charged_other_than_the_servers_quote_is_flagged_too(catalogue, quote, till):
    priced = quote([{"sku": "COLA"}])
    priced["lines"][0]["total"] = 120  # the till should have shown the server's 1.50
    assert _posted(till, priced, offline=False).json["exceptions"] == ["price-differs"]


# -- the promotions the till had: its feed cursor -------------------------------------------------


def _cursor(services) -> int:
    """The feed cursor of a till that has just read everything published so far."""
    sequence_pending(services.db.engine)
    with services.db.session() as session:
        return head_seq(session)


def _exceptions(services, transaction_id):
    with services.db.session() as session:
        rows = session.scalars(select(ReconciliationException)
                               .where(ReconciliationException.transaction_id == transaction_id)
                               .order_by(ReconciliationException.kind)).all()
        return [(r.kind, r.till_value, r.server_value, r.detail) for r in rows]


def _end(client, marketer, promotion):
    ended = client.post(f"/api/v1/promotions/{promotion['id']}/state", headers=marketer,
                        json={"state": "ended", "reason": "campaign over"})
    assert ended.status_code == 200, ended.json


def test_a_version_published_after_the_tills_cursor_does_not_flag_a_sale_the_tills_version_did_not_discount(
        client, marketer, catalogue, promote, quote, till, services):
    promotion = promote("20% off sauce", {"kind": "percent_off", "percent_bp": 2000, "scope": scope(["SAUCE"])})
    cursor = _cursor(services)
    at_the_till = quote([{"sku": "CHIPS", "qty": 2}])  # version 1 leaves chips alone: 2 x 2.50
    assert at_the_till["total"] == 500 and at_the_till["lines"][0]["discounts"] == []
    edited = client.put(f"/api/v1/promotions/{promotion['id']}", headers=marketer, json={
        "label": "20% off chips", "rule": {"kind": "percent_off", "percent_bp": 2000, "scope": scope(["CHIPS"])}})
    assert edited.status_code == 200, edited.json
    posted = _posted(till, at_the_till, feed_cursor=cursor)
    assert posted.status_code == 201 and posted.json["exceptions"] == []
    # The same sale from an agent that sends no cursor meets version 2 (what every sale met before).
    older_agent = _posted(till, at_the_till)
    assert older_agent.json["exceptions"] == ["price-differs"]
    assert _exceptions(services, older_agent.json["transaction_id"]) == [
        ("price-differs", 500, 400, "line 1 (CHIPS): till 500, server 400")]


def test_a_promotion_created_after_the_tills_cursor_is_not_used_to_re_price_its_sale(
        client, marketer, catalogue, promote, quote, till, services):
    cursor = _cursor(services)
    at_the_till = quote([{"sku": "CHIPS", "qty": 2}])
    assert at_the_till["total"] == 500
    promote("20% off chips", {"kind": "percent_off", "percent_bp": 2000, "scope": scope(["CHIPS"])})
    assert _posted(till, at_the_till, feed_cursor=cursor).json["exceptions"] == []
    assert _posted(till, at_the_till).json["exceptions"] == ["price-differs"]


def test_a_cursor_past_the_feeds_head_is_re_priced_with_the_live_promotions(
        client, marketer, catalogue, promote, quote, till, services):
    at_the_till = quote([{"sku": "CHIPS", "qty": 2}])
    promote("20% off chips", {"kind": "percent_off", "percent_bp": 2000, "scope": scope(["CHIPS"])})
    from_elsewhere = _cursor(services) + 1000  # e.g. a till of a database restored from an older backup
    assert _posted(till, at_the_till, feed_cursor=from_elsewhere).json["exceptions"] == ["price-differs"]


def test_promotions_ended_after_the_tills_cursor_still_price_its_sale_and_give_their_bonus_points(
        client, marketer, catalogue, promote, quote, till, services, enrol):
    _member_id, card = enrol()
    chips = promote("20% off chips", {"kind": "percent_off", "percent_bp": 2000, "scope": scope(["CHIPS"])})
    double = promote("Double points on snacks", {"kind": "bonus_points", "extra_bp": 10_000,
                                                 "scope": scope(categories=["snacks"])})
    cursor = _cursor(services)
    at_the_till = quote([{"sku": "CHIPS", "qty": 4}], card=card)  # 10.00 less 20%: 8.00, 8 + 8 points
    assert (at_the_till["total"], at_the_till["points"]["to_earn"]) == (800, 16)
    for promotion in (chips, double):
        _end(client, marketer, promotion)
    posted = _posted(till, at_the_till, card=card, feed_cursor=cursor)
    assert posted.status_code == 201, posted.json
    assert (posted.json["exceptions"], posted.json["points_earned"], posted.json["bonus_points"]) == ([], 16, 8)
    older_agent = _posted(till, at_the_till, card=card)
    assert (older_agent.json["exceptions"], older_agent.json["bonus_points"]) == (["price-differs"], 0)


def test_a_till_that_charged_other_than_its_own_promotions_said_is_still_flagged(
        client, marketer, catalogue, promote, quote, till, services):
    at_the_till = quote([{"sku": "CHIPS", "qty": 2}])  # priced before the promotion: 5.00
    promote("20% off chips", {"kind": "percent_off", "percent_bp": 2000, "scope": scope(["CHIPS"])})
    cursor = _cursor(services)  # ... but the till had it when it sold
    posted = _posted(till, at_the_till, feed_cursor=cursor)
    assert _exceptions(services, posted.json["transaction_id"]) == [
        ("price-differs", 500, 400, "line 1 (CHIPS): till 500, server 400")]


def test_the_tills_catalogue_holds_its_own_stores_and_every_stores_promotions_not_other_stores(
        catalogue, till, services):
    def payload(label, percent):
        return {"id": str(uuid.uuid4()), "version": 1, "state": "active", "codes": [], "definition": canonical(
            DefinitionSchema().load({"label": label, "rule": {"kind": "percent_off", "percent_bp": percent,
                                                              "scope": scope(["CHIPS"])}}))}

    ours, theirs = payload("20% off chips here", 2000), payload("50% off chips in K7", 5000)
    publish(services.db.engine, ("promotion", ours["id"], "upsert", ours, "B2"),
            ("promotion", theirs["id"], "upsert", theirs, "K7"))
    sold = [{"line_id": "1", "sku": "CHIPS", "qty": 2, "paid_minor": 400, "discounts": [
        {"promotion_id": ours["id"], "version": 1, "label": "20% off chips here", "amount_minor": 100}]}]
    posted = till.sale(sold, offline=True, feed_cursor=_cursor(services))
    assert posted.status_code == 201 and posted.json["exceptions"] == []


# -- items the server does not sell ---------------------------------------------------------------


def test_an_offline_sale_with_items_the_server_does_not_sell_is_applied_names_them_and_checks_the_rest(
        client, marketer, catalogue, quote, till, services, enrol):
    _member_id, card = enrol()
    retired = client.patch("/api/v1/products/PASTA", headers=marketer, json={"active": False})
    assert retired.status_code == 200, retired.json
    cola = quote([{"sku": "COLA", "qty": 2}])["lines"][0]  # 3.00
    sold = [{**{k: cola[k] for k in ("line_id", "sku", "qty", "discounts")}, "paid_minor": 250},  # stale price
            {"line_id": "2", "sku": "GHOST", "qty": 1, "paid_minor": 400},
            {"line_id": "3", "sku": "PASTA", "qty": 1, "paid_minor": 199}]
    posted = till.sale(sold, card=card, offline=True, feed_cursor=_cursor(services))
    assert posted.status_code == 201, posted.json
    assert (posted.json["exceptions"], posted.json["points_earned"]) == (["unknown-items", "price-differs"], 8)
    assert _exceptions(services, posted.json["transaction_id"]) == [
        ("price-differs", 250, 300, "line 1 (COLA): till 250, server 300"),
        ("unknown-items", 400 + 199, None, "items the server does not sell: line 2 (GHOST, unknown): till 400; "
                                           "line 3 (PASTA, inactive): till 199; the other lines were checked")]


def test_with_items_the_server_does_not_sell_a_promotion_pricing_lines_together_leaves_the_rest_unchecked(
        catalogue, promote, till, services):
    threshold = promote("1.00 off from 5.00", {"kind": "spend_threshold",
                                              "tiers": [{"min_spend_minor": 500, "amount_off_minor": 100}]})
    off = {"promotion_id": threshold["id"], "version": 1, "label": "1.00 off from 5.00"}
    # 3.00 of cola and a 4.00 item the server does not know reach 5.00: the 1.00 is shared 43 / 57.
    sold = [{"line_id": "1", "sku": "COLA", "qty": 2, "paid_minor": 257, "discounts": [{**off, "amount_minor": 43}]},
            {"line_id": "2", "sku": "GHOST", "qty": 1, "paid_minor": 343, "discounts": [{**off, "amount_minor": 57}]}]
    posted = till.sale(sold, offline=True, feed_cursor=_cursor(services))
    assert posted.status_code == 201 and posted.json["exceptions"] == ["unknown-items"]
    assert _exceptions(services, posted.json["transaction_id"]) == [
        ("unknown-items", 343, None, "items the server does not sell: line 2 (GHOST, unknown): till 343; the other "
                                     f"lines were not checked, as {threshold['id']} (1.00 off from 5.00) price "
                                     "lines together")]


def test_an_offline_sale_of_nothing_the_server_sells_is_applied_and_says_so(till, services):
    posted = till.sale([{"line_id": "1", "sku": "GHOST", "qty": 1, "paid_minor": 400}], offline=True)
    assert posted.status_code == 201 and posted.json["exceptions"] == ["unknown-items"]
    assert _exceptions(services, posted.json["transaction_id"]) == [
        ("unknown-items", 400, None, "no item is one the server sells, prices not checked: "
                                     "line 1 (GHOST, unknown): till 400")]
