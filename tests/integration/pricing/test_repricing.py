"""Offline sales are re-priced by the server with the promotion versions the till used."""

from tests.integration.pricing.conftest import scope


def _posted(till, priced, card=None, offline=True):
    lines = [{"line_id": ln["line_id"], "sku": ln["sku"], "qty": ln["qty"], "paid_minor": ln["total"],
              "category": ln["category"], "discounts": ln["discounts"]} for ln in priced["lines"]]
    return till.sale(lines, card=card, offline=offline)


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
    from sqlalchemy import select

    from server.models import ReconciliationException

    priced = quote([{"sku": "COLA", "qty": 2}, {"sku": "PASTA"}])  # 3.00 and 1.99
    priced["lines"][0]["total"] = 250  # a stale shelf price at the till
    posted = _posted(till, priced)
    assert posted.status_code == 201 and posted.json["exceptions"] == ["price-differs"]
    with services.db.session() as session:
        row = session.scalar(select(ReconciliationException))
    assert (row.till_value, row.server_value) == (250 + 199, 300 + 199)
    assert "line 1 (COLA): till 250, server 300" in row.detail


def test_an_online_sale_is_not_second_guessed(catalogue, quote, till):
    priced = quote([{"sku": "COLA"}])
    priced["lines"][0]["total"] = 120
    assert _posted(till, priced, offline=False).json["exceptions"] == []
