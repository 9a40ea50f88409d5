"""Taxes over time: an offline sale is re-checked with the rates and the basis its till had; a store's
basis changes through the API (validated, audited) for sales priced after the change."""

from sqlalchemy import select

from server.models import AuditRecord
from server.sync import head_seq, sequence_pending
from tests.support.factories import login, make_staff


def _admin(client, services):
    make_staff(services, "ada-admin", "admin")
    return login(client, "ada-admin")


def _cursor(services) -> int:
    """The feed cursor of a till that has just read everything published so far."""
    sequence_pending(services.db.engine)
    with services.db.session() as session:
        return head_seq(session)


def _set_rate(client, admin, rate):
    response = client.put("/api/v1/tax-classes/standard", headers=admin, json={"name": "Standard", "rate_bp": rate})
    assert response.status_code == 200, response.json


def _offline_sale(till, priced, **extra):
    lines = [{"line_id": ln["line_id"], "sku": ln["sku"], "qty": ln["qty"], "paid_minor": ln["total"],
              "tax_minor": ln["tax"], "discounts": ln["discounts"]} for ln in priced["lines"]]
    return till.sale(lines, offline=True, **extra)


def test_an_offline_sale_taxed_at_the_rate_its_till_had_is_not_flagged_after_the_rate_changes(
        client, services, catalogue, quote, till):
    admin = _admin(client, services)
    _set_rate(client, admin, 2000)
    cursor = _cursor(services)
    at_the_till = quote([{"sku": "COLA", "qty": 2}])  # 3.00 with 20 % in it: 0.50
    assert at_the_till["lines"][0]["tax"] == 50
    _set_rate(client, admin, 1000)  # the till is offline and does not hear of it
    assert quote([{"sku": "COLA", "qty": 2}])["lines"][0]["tax"] == 27  # 3.00 with 10 % in it
    posted = _offline_sale(till, at_the_till, feed_cursor=cursor)
    assert posted.status_code == 201 and posted.json["exceptions"] == []
    # Without its cursor the server can only use today's rate, and says so.
    assert _offline_sale(till, at_the_till).json["exceptions"] == ["tax-differs"]


def test_an_offline_sale_priced_on_the_basis_its_till_had_is_not_flagged_after_the_basis_changes(
        client, services, catalogue, quote, till):
    admin = _admin(client, services)
    _set_rate(client, admin, 2000)
    cursor = _cursor(services)
    at_the_till = quote([{"sku": "COLA"}])  # 1.50, tax inside
    assert at_the_till["total"] == 150
    changed = client.patch("/api/v1/stores/B2", headers=admin, json={"prices_include_tax": False})
    assert changed.status_code == 200 and changed.json["prices_include_tax"] is False
    assert quote([{"sku": "COLA"}])["total"] == 180  # from now on: 1.50 + 20 %
    posted = _offline_sale(till, at_the_till, feed_cursor=cursor)
    assert posted.status_code == 201 and posted.json["exceptions"] == []
    online = till.sale([{"line_id": "1", "sku": "COLA", "qty": 1, "paid_minor": 150, "discounts": []}])
    assert online.json["exceptions"] == ["price-differs"]  # a sale after the change: 1.80


def test_a_stores_tax_basis_change_is_audited_validated_and_for_admins_only(client, services, catalogue, marketer):
    admin = _admin(client, services)
    assert client.patch("/api/v1/stores/B2", headers=marketer, json={"prices_include_tax": False}).status_code == 403
    assert client.patch("/api/v1/stores/B2", headers=admin, json={"prices_include_tax": "sometimes"}).status_code == 400
    assert client.patch("/api/v1/stores/B2", headers=admin, json={}).status_code == 400
    assert client.patch("/api/v1/stores/NOPE", headers=admin, json={"prices_include_tax": False}).status_code == 404
    for _ in range(2):  # the second sets what is already set: no change, no audit
        response = client.patch("/api/v1/stores/B2", headers=admin,
                                json={"prices_include_tax": False, "reason": "B2B price list"})
        assert response.status_code == 200 and response.json["prices_include_tax"] is False
    with services.db.session() as session:
        audits = session.execute(select(AuditRecord.action, AuditRecord.actor, AuditRecord.reason, AuditRecord.details)
                                 .where(AuditRecord.action == "store.tax_basis_changed")).all()
    assert [(a.action, a.reason, a.details) for a in audits] == [
        ("store.tax_basis_changed", "B2B price list", {"prices_include_tax": {"from": True, "to": False}})]
    assert "ada-admin" in audits[0].actor
    listed = {s["code"]: s["prices_include_tax"] for s in client.get("/api/v1/stores", headers=admin).json}
    assert listed["B2"] is False
