"""Reconciliation exceptions from offline journal items, exactly: overspend, and a coupon used twice."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.models import ReconciliationException
from tests.integration.faults.conftest import TerminalClient, item, sale_body

pytestmark = pytest.mark.postgres


def flags(live) -> list[tuple[str, str]]:
    with live.services.db.session() as session:
        rows = session.scalars(select(ReconciliationException).order_by(ReconciliationException.id)).all()
        return [(r.transaction_id, r.kind) for r in rows]


def test_a_sale_that_only_repays_debt_is_not_flagged_as_an_overspend(live):
    _member, card = live.enrol(points=600)
    till = TerminalClient(live, "S1", "T1", live.terminal("S1", "T1"))
    spent = sale_body("S1", "T1", card, 2000, points=1000)  # offline: 1000 of 600, 10.00 cash earns 10
    repays = sale_body("S1", "T1", card, 3000)  # earns 30, all of it repaying the debt
    assert [r["status"] for r in till.push([item(spent, 1), item(repays, 2)])] == ["applied", "applied"]
    # GROCERY is no product of the server's: each sale also says so, and stands.
    assert sorted(flags(live)) == sorted([(spent["id"], "overspend"), (spent["id"], "unknown-items"),
                                          (repays["id"], "unknown-items")])


def test_one_single_use_coupon_posted_from_two_offline_stores_is_flagged_once_and_both_sales_stand(live, staff):
    promotion = staff.post(f"{live.url}/api/v1/promotions", json={
        "label": "5.00 off with your coupon", "rule": {"kind": "amount_off", "amount_minor": 500,
                                                        "scope": {"whole_basket": True}},
        "coupon": {"single_use": True}, "state": "active"}, timeout=30).json()
    code = staff.post(f"{live.url}/api/v1/promotions/{promotion['id']}/coupons", json={"count": 1},
                      timeout=30).json()["codes"][0]
    sales = []
    for store in ("S1", "S2"):
        till = TerminalClient(live, store, "T1", live.terminal(store, "T1"))
        body = sale_body(store, "T1", None, 2299, coupons=[code])
        body["lines"][0]["discounts"] = [{"promotion_id": promotion["id"], "version": 1, "amount_minor": 500,
                                          "label": "5.00 off with your coupon", "coupon_code": code}]
        assert [r["status"] for r in till.push([item(body, 1)])] == ["applied"]
        sales.append(body["id"])
    assert sorted(flags(live)) == sorted([(sales[1], "coupon-already-used"), (sales[0], "unknown-items"),
                                          (sales[1], "unknown-items")])
