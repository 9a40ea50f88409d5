"""The reconciliation console: each exception with the till behind it, resolved once with a note."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from server.models import AuditRecord, ReconciliationException
from tests.integration.admin_ui.backoffice import page_token, seed_reconciliation_exception, sign_in
from tests.support.factories import login, make_terminal


def test_the_console_names_the_till_behind_each_exception_and_filters_by_it(services, client, chain):
    make_terminal(services, "S001", "T2")
    seed_reconciliation_exception(services, terminal="T1")
    seed_reconciliation_exception(services, terminal="T2")
    sign_in(client, "hq")
    page = client.get("/admin/reconciliation", query_string={"terminal": "T2"}).get_data(as_text=True)
    assert page.count("the till counted 130 points") == 1 and '<td class="text">T2</td>' in page
    rows = client.get("/admin/reconciliation", query_string={"format": "csv"}).get_data(as_text=True).splitlines()
    assert rows[0] == "Recorded,Store,Till,Kind,Till said,Server says,What happened,Transaction,State"
    assert [row.split(",")[2] for row in rows[1:]] == ["T1", "T2"]


def test_hq_resolves_an_exception_with_a_note_once_and_it_leaves_the_open_list(services, client, chain):
    exception_id = seed_reconciliation_exception(services)
    sign_in(client, "hq")
    assert f"/admin/reconciliation/{exception_id}" in client.get("/admin/reconciliation").get_data(as_text=True)
    path = f"/admin/reconciliation/{exception_id}/resolve"
    empty = client.post(path, data={"csrf_token": page_token(client), "note": " "})
    assert empty.status_code == 422 and "Note: say what you found" in empty.get_data(as_text=True)
    response = client.post(path, data={"csrf_token": page_token(client), "note": "till clock was 2 hours off"})
    assert response.headers["Location"] == "/admin/reconciliation?state=open"
    listing = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Resolved: the points differ exception of till S001/T1." in listing and "Nothing matches." in listing
    again = client.post(path, data={"csrf_token": page_token(client), "note": "a second opinion"})
    assert again.status_code == 422
    assert "resolved by hq" in again.get_data(as_text=True)
    with services.db.session() as session:
        found = session.get(ReconciliationException, uuid.UUID(exception_id))
        assert (found.resolved_by, found.resolution_note) == ("hq", "till clock was 2 hours off")
        record = session.scalars(select(AuditRecord).where(AuditRecord.action == "reconciliation.resolved")).one()
        assert (record.actor, record.target, record.reason) == ("hq", exception_id, "till clock was 2 hours off")


def test_the_api_resolves_for_hq_refuses_marketing_and_answers_409_the_second_time(services, client, chain):
    exception_id = seed_reconciliation_exception(services)
    path = f"/api/v1/reports/reconciliation/{exception_id}/resolve"
    refused = client.post(path, json={"note": "mine"}, headers=login(client, "marketing"))
    assert refused.status_code == 403
    hq = login(client, "hq")
    assert client.post(path, json={"note": ""}, headers=hq).status_code == 400
    response = client.post(path, json={"note": "store manager confirmed the sale"}, headers=hq)
    assert response.status_code == 200, response.json
    assert (response.json["resolved_by"], response.json["note"], response.json["store"]) == (
        "hq", "store manager confirmed the sale", "S001")
    again = client.post(path, json={"note": "again"}, headers=hq)
    assert (again.status_code, again.mimetype) == (409, "application/problem+json")
    assert client.post(f"/api/v1/reports/reconciliation/{uuid.uuid4()}/resolve", json={"note": "x"},
                       headers=hq).status_code == 404
