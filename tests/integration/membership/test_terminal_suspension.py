"""Suspending a till: it keeps syncing and selling, every sale it posts is accepted and earns by the
server's figures, but it redeems no points (holds and points quotes refused, points tendered not
taken) and each sale is flagged ``terminal-suspended``; resuming restores it. Audited, by API or CLI."""

import uuid

import pytest
from sqlalchemy import select

from server.models import AuditRecord, Hold
from tests.integration.membership.conftest import account, place_hold
from tests.support.factories import login, make_staff
from tests.support.processes import onecard_env, run_onecard

WINE = {"sku": "WINE", "name": "Red wine", "category": "wine", "base_price_minor": 1000}


@pytest.fixture
def admin(client, services, till):
    make_staff(services, "root", "admin")
    headers = login(client, "root")
    assert client.post("/api/v1/products/bulk", json={"items": [WINE]}, headers=headers).status_code == 200
    return headers


def _suspend(client, admin, action="suspend", reason="redeemed past its allowance"):
    return client.post(f"/api/v1/stores/B2/terminals/T1/{action}", json={"reason": reason}, headers=admin)


def _hold(till, card, points):
    return till.request("POST", "/api/v1/holds", {"id": str(uuid.uuid4()), "card_number": card, "points": points,
                                                  "store": till.store, "terminal": till.terminal})


def _journal(till, body):
    body = {"kind": "sale", "store": till.store, "terminal": till.terminal, "at": till.clock().isoformat(),
            "id": str(uuid.uuid4()), **body}
    batch = {"protocol_version": 1, "store": till.store, "terminal": till.terminal,
             "items": [{"id": body["id"], "seq": 1, "type": "transaction", "body": body}]}
    response = till.request("POST", "/api/v1/sync/journal", batch)
    assert response.status_code == 200, response.json
    return response.json["results"][0]


def _audit(services, action):
    with services.db.session() as session:
        return session.execute(select(AuditRecord.actor, AuditRecord.target, AuditRecord.reason)
                               .where(AuditRecord.action == action)).all()


WINE_SALE = [{"line_id": "1", "sku": "WINE", "qty": 2, "paid_minor": 2000}]
POINTS_AND_CASH = [{"kind": "points", "amount_minor": 500, "points": 500}, {"kind": "cash", "amount_minor": 1500}]


def test_a_suspended_till_is_refused_holds_and_points_quotes_but_sells_and_earns(client, services, admin, till,
                                                                                enrol, desk):
    member_id, card = enrol(points=1000)
    suspended = _suspend(client, admin)
    assert suspended.status_code == 200 and suspended.json["suspended_at"] == "2026-03-14T09:30:00+00:00"
    assert suspended.json["active"] is True
    refused = _hold(till, card, 500)
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert refused.json["type"].endswith("/terminal-suspended") and "B2/T1 is suspended" in refused.json["detail"]
    quote = {"store": "B2", "lines": [{"sku": "WINE"}], "card_number": card}
    assert till.request("POST", "/api/v1/quotes", {**quote, "points_to_redeem": 500}).status_code == 403
    assert till.request("POST", "/api/v1/quotes", quote).json["points"]["to_earn"] == 10  # prices still answered
    sale = till.sale(WINE_SALE, card=card)
    assert sale.status_code == 201 and sale.json["points_earned"] == 20
    assert sale.json["exceptions"] == ["terminal-suspended"]
    assert account(client, desk, member_id)["balance"] == 1020
    assert _audit(services, "terminal.suspended") == [("root", "B2/T1", "redeemed past its allowance")]


def test_points_a_suspended_till_tendered_offline_are_not_taken_and_resuming_restores_redemption(
        client, services, admin, till, enrol, desk):
    member_id, card = enrol(points=1000)
    held = place_hold(till, card, 500)  # placed before the suspension
    assert _suspend(client, admin).status_code == 200
    online = till.sale(WINE_SALE, card=card, tenders=POINTS_AND_CASH, hold_id=held)
    assert online.status_code == 422 and online.json["reason"] == "terminal-suspended"
    completed = _journal(till, {"card_number": card, "offline": True, "hold_id": held, "lines": WINE_SALE,
                                "tenders": POINTS_AND_CASH})
    assert completed["status"] == "applied"
    assert completed["outcome"]["points_redeemed"] == 0 and completed["outcome"]["exceptions"] == ["terminal-suspended"]
    with services.db.session() as session:
        assert session.get(Hold, uuid.UUID(held)).status == "released"  # the member's points are free again
    assert account(client, desk, member_id)["balance"] == 1000 + 20  # nothing taken; earned on the 20.00
    report = client.get("/api/v1/reports/reconciliation?store=B2", headers=admin).json
    [row] = [r for r in report["exceptions"] if r["transaction_id"] == completed["outcome"]["transaction_id"]]
    assert row["terminal"] == "T1" and "none of the 500 points tendered are credited" in row["detail"]

    assert _suspend(client, admin, "resume", "review done").json["suspended_at"] is None
    again = till.sale(WINE_SALE, card=card, tenders=POINTS_AND_CASH, hold_id=place_hold(till, card, 500))
    assert again.status_code == 201 and again.json["points_redeemed"] == 500 and again.json["exceptions"] == []
    assert _audit(services, "terminal.resumed") == [("root", "B2/T1", "review done")]


def test_suspending_twice_resuming_an_active_till_and_a_non_admin_are_refused(client, services, admin, till):
    make_staff(services, "hana", "hq")
    assert _suspend(client, login(client, "hana")).status_code == 403
    assert _suspend(client, admin, "resume").status_code == 409
    assert _suspend(client, admin).status_code == 200
    again = _suspend(client, admin)
    assert again.status_code == 409 and "already suspended" in again.json["detail"]
    assert client.post("/api/v1/stores/B2/terminals/T1/revoke", json={}, headers=admin).status_code == 200
    assert _suspend(client, admin, "resume").status_code == 200  # a revoked till can still be un-suspended
    assert _suspend(client, admin).status_code == 409


def test_the_cli_suspends_and_resumes_a_terminal(services, till, tmp_path, database_url):
    env = onecard_env(data_dir=str(tmp_path), database_url=database_url)
    done = run_onecard("terminals", "suspend", "--store", "B2", "--terminal", "T1", "--reason", "review", env=env)
    assert done.returncode == 0 and "suspended terminal 'T1' of store 'B2'" in done.stdout, done.stderr
    again = run_onecard("terminals", "suspend", "--store", "B2", "--terminal", "T1", env=env)
    assert again.returncode == 1 and "already suspended" in again.stderr
    resumed = run_onecard("terminals", "resume", "--store", "B2", "--terminal", "T1", env=env)
    assert resumed.returncode == 0 and "resumed terminal 'T1'" in resumed.stdout, resumed.stderr
    assert _audit(services, "terminal.suspended") == [("cli", "B2/T1", "review")]
    assert _audit(services, "terminal.resumed") == [("cli", "B2/T1", None)]
