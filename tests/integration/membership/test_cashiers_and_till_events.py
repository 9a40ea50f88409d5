"""Till PINs (set by an admin, published as hashes, withdrawn on disable), the cashier on a
transaction, and till events (sign-ins, approvals, no-sales, shift reports) through the journal."""

import uuid

from sqlalchemy import select

from server.models import AuditRecord, PostedTransaction, TillEvent
from store_sync.pins import verify_pin
from tests.support.factories import login, make_staff
from tests.support.processes import onecard_env, run_onecard
from tests.support.tills import line


def _staff_changes(till):
    page = till.request("GET", "/api/v1/sync/changes?cursor=0&limit=500").json
    return [(c["op"], c["entity_id"], c["payload"]) for c in page["items"] if c["entity_type"] == "staff"]


def _push(till, items):
    batch = {"protocol_version": 1, "store": till.store, "terminal": till.terminal,
             "items": [{**item, "seq": n} for n, item in enumerate(items, start=1)]}
    return till.request("POST", "/api/v1/sync/journal", batch)


def _event(till, kind, **fields):
    event_id = str(uuid.uuid4())
    body = {"id": event_id, "kind": kind, "store": till.store, "terminal": till.terminal,
            "at": till.clock().isoformat(), **fields}
    return {"id": event_id, "type": "till_event", "body": body}


def _audit(services, action):
    with services.db.session() as session:
        return session.execute(select(AuditRecord.actor, AuditRecord.target, AuditRecord.reason)
                               .where(AuditRecord.action == action)).all()


def test_an_admin_sets_a_pin_that_reaches_tills_as_a_salted_hash_and_is_withdrawn_on_disable(client, services,
                                                                                             till):
    make_staff(services, "root", "admin")
    make_staff(services, "mia", "cashier")
    admin = login(client, "root")
    for pin in ("12", "1111", "12a4"):
        refused = client.put("/api/v1/users/mia/pin", json={"pin": pin}, headers=admin)
        assert refused.status_code == 422, (pin, refused.json)
    set_ = client.put("/api/v1/users/mia/pin", json={"pin": "4821"}, headers=admin)
    assert set_.status_code == 200 and set_.json["has_pin"] is True and "pin" not in str(set_.json).replace(
        "has_pin", "")
    [(op, staff_id, payload)] = _staff_changes(till)
    assert op == "upsert" and payload["name"] == "mia" and payload["role"] == "cashier"
    assert "4821" not in str(payload) and payload["pin_hash"].startswith("$argon2id$")
    assert verify_pin(payload["pin_hash"], "4821") and not verify_pin(payload["pin_hash"], "4822")
    assert _audit(services, "staff.pin_set") == [("root", "mia", None)]
    # The same PIN set again gets a new salt.
    client.put("/api/v1/users/mia/pin", json={"pin": "4821"}, headers=admin)
    assert _staff_changes(till)[1][2]["pin_hash"] != payload["pin_hash"]
    client.post("/api/v1/users/mia/disable", json={}, headers=admin)
    assert _staff_changes(till)[-1][:2] == ("delete", staff_id)


def test_only_an_admin_sets_pins_and_only_for_till_roles(client, services):
    make_staff(services, "root", "admin")
    make_staff(services, "hana", "hq")
    make_staff(services, "max", "manager")
    assert client.put("/api/v1/users/max/pin", json={"pin": "2580"}, headers=login(client, "hana")).status_code == 403
    assert client.put("/api/v1/users/max/pin", json={"pin": "2580"}, headers=login(client, "root")).status_code == 200
    marketing = client.put("/api/v1/users/hana/pin", json={"pin": "2580"}, headers=login(client, "root"))
    assert marketing.status_code == 422 and "cashiers, managers and admins" in marketing.json["detail"]
    unknown = client.put("/api/v1/users/nobody/pin", json={"pin": "2580"}, headers=login(client, "root"))
    assert unknown.status_code == 404


def test_the_cli_sets_a_pin(services, tmp_path, database_url, till):
    make_staff(services, "mia", "cashier")
    env = onecard_env(data_dir=str(tmp_path), database_url=database_url)
    done = run_onecard("users", "set-pin", "--username", "mia", "--pin-stdin", env=env, input="4821\n")
    assert done.returncode == 0, done.stderr
    assert "set the till PIN of cashier user 'mia'" in done.stdout
    assert verify_pin(_staff_changes(till)[0][2]["pin_hash"], "4821")
    bad = run_onecard("users", "set-pin", "--username", "mia", "--pin-stdin", env=env, input="12\n")
    assert bad.returncode == 1 and "4 to 8 digits" in bad.stderr


def test_the_cashier_on_a_sale_is_kept_with_the_transaction(services, till):
    cashier = str(uuid.uuid4())
    posted = till.sale([line("1", 500)], tenders=[{"kind": "cash", "amount_minor": 500}], cashier_id=cashier)
    assert posted.status_code == 201, posted.json
    with services.db.session() as session:
        row = session.scalar(select(PostedTransaction))
    assert row.cashier_id == cashier and row.body["cashier_id"] == cashier


def test_till_events_are_kept_once_audited_where_it_matters_and_listed(client, services, till):
    make_staff(services, "hana", "hq")
    mia, boss = str(uuid.uuid4()), str(uuid.uuid4())
    figures = {"shift_id": str(uuid.uuid4()), "opened_at": till.clock().isoformat(), "until": till.clock().isoformat(),
               "float_minor": 10000, "sales_count": 2, "sales_minor": 1500, "refunds_count": 0, "refunds_minor": 0,
               "voids_count": 0, "no_sales": 1, "tenders": {"cash": 1500}, "points_redeemed": 0,
               "expected_cash_minor": 11500, "counted_cash_minor": 11450, "difference_minor": -50}
    items = [_event(till, "sign_in", cashier_id=mia),
             _event(till, "sign_in_refused", cashier_id=mia, reason="wrong PIN"),
             _event(till, "no_sale", cashier_id=mia, reason="change for the float"),
             _event(till, "approval", cashier_id=mia, approver_id=boss, subject="sale-1", amount_minor=9000,
                    reason="refund above the limit"),
             _event(till, "z_report", cashier_id=mia, figures=figures)]
    results = _push(till, items).json["results"]
    assert [r["status"] for r in results] == ["applied"] * 5, results
    assert [r["status"] for r in _push(till, items[:2]).json["results"]] == ["duplicate", "duplicate"]
    bad = [_event(till, "no_sale", cashier_id=mia), _event(till, "x_report", cashier_id=mia)]
    assert [(r["status"], r["reason"]) for r in _push(till, bad).json["results"]] == [
        ("rejected", "invalid-body"), ("rejected", "invalid-body")]
    with services.db.session() as session:
        assert session.query(TillEvent).count() == 5
    assert _audit(services, "till.no_sale") == [("B2/T1", mia, "change for the float")]
    assert _audit(services, "till.sign_in") == []
    reports = client.get("/api/v1/till-events?kind=z_report&store=B2", headers=login(client, "hana"))
    assert reports.status_code == 200, reports.json
    [report] = reports.json["items"]
    assert report["body"]["figures"]["difference_minor"] == -50 and report["cashier_id"] == mia
    page = client.get("/api/v1/till-events?limit=2", headers=login(client, "hana")).json
    rest = client.get(f"/api/v1/till-events?limit=10&cursor={page['next_cursor']}", headers=login(client, "hana")).json
    assert len(page["items"]) + len(rest["items"]) == 5 and rest["next_cursor"] is None
