"""Operators shut a till or a staff user out: a confirmation first, the state shown after, audited."""

from __future__ import annotations

from sqlalchemy import select

from server.models import AuditRecord, StaffUser, Terminal
from tests.integration.admin_ui.backoffice import page_token, sign_in


def audit_of(services, action: str) -> AuditRecord:
    with services.db.session() as session:
        return session.scalars(select(AuditRecord).where(AuditRecord.action == action)).one()


def test_revoking_a_till_asks_for_confirmation_then_shuts_it_out_and_shows_it_revoked(services, client, chain):
    sign_in(client, "admin")
    store = client.get("/admin/stores/S001").get_data(as_text=True)
    assert "/admin/stores/S001/terminals/T1/revoke" in store and '<td class="text">active</td>' in store
    confirm = client.get("/admin/stores/S001/terminals/T1/revoke").get_data(as_text=True)
    assert "the server refuses everything this till signs" in confirm
    refused = client.post("/admin/stores/S001/terminals/T1/revoke",
                          data={"csrf_token": page_token(client), "reason": "till stolen"})
    assert refused.status_code == 422 and "Tick the box" in refused.get_data(as_text=True)
    response = client.post("/admin/stores/S001/terminals/T1/revoke",
                           data={"csrf_token": page_token(client), "reason": "till stolen", "confirm": "revoke"})
    assert response.headers["Location"] == "/admin/stores/S001"
    store = client.get("/admin/stores/S001").get_data(as_text=True)
    assert "Till S001/T1 is revoked: its next request is refused." in store
    assert "revoked 2026-" in store and "/terminals/T1/revoke" not in store
    with services.db.session() as session:
        assert session.scalars(select(Terminal.active).where(Terminal.code == "T1")).one() is False
    record = audit_of(services, "terminal.revoked")
    assert (record.actor, record.target, record.reason) == ("admin", "S001/T1", "till stolen")


def test_suspending_a_till_asks_for_confirmation_shows_it_suspended_and_resuming_restores_it(services, client,
                                                                                          chain):
    sign_in(client, "admin")
    page = "/admin/stores/S001/terminals/T1/suspension"
    assert page in client.get("/admin/stores/S001").get_data(as_text=True)
    assert "every sale it posts is accepted" in client.get(page).get_data(as_text=True)
    refused = client.post(page, data={"csrf_token": page_token(client), "reason": "over its allowance"})
    assert refused.status_code == 422 and "Tick the box" in refused.get_data(as_text=True)
    response = client.post(page, data={"csrf_token": page_token(client), "reason": "over its allowance",
                                       "confirm": "suspend"})
    assert response.headers["Location"] == "/admin/stores/S001"
    store = client.get("/admin/stores/S001").get_data(as_text=True)
    assert "Till S001/T1 is suspended: it redeems no points until resumed." in store
    assert "suspended 2026-" in store and "Resume…" in store
    assert "Resuming lets the server place points holds" in client.get(page).get_data(as_text=True)
    client.post(page, data={"csrf_token": page_token(client), "reason": "review done", "confirm": "resume"})
    assert '<td class="text">active</td>' in client.get("/admin/stores/S001").get_data(as_text=True)
    with services.db.session() as session:
        assert session.scalars(select(Terminal.suspended_at).where(Terminal.code == "T1")).one() is None
    assert (audit_of(services, "terminal.suspended").reason, audit_of(services, "terminal.resumed").reason) == (
        "over its allowance", "review done")


def test_a_till_revoked_already_is_said_so_and_not_revoked_twice(client, chain):
    sign_in(client, "admin")
    form = {"csrf_token": page_token(client), "confirm": "revoke"}
    client.post("/admin/stores/S001/terminals/T1/revoke", data=form)
    again = client.post("/admin/stores/S001/terminals/T1/revoke", data=form)
    assert again.status_code == 422
    assert "was already revoked" in again.get_data(as_text=True)


def test_disabling_a_staff_user_ends_their_access_and_lists_them_as_disabled(services, client, app, chain):
    marketing = app.test_client()
    sign_in(marketing, "marketing")
    sign_in(client, "admin")
    assert "/admin/staff/marketing/disable" in client.get("/admin/staff").get_data(as_text=True)
    response = client.post("/admin/staff/marketing/disable",
                           data={"csrf_token": page_token(client), "reason": "left the company", "confirm": "disable"})
    assert response.headers["Location"] == "/admin/staff"
    listing = client.get("/admin/staff", query_string={"state": "disabled"}).get_data(as_text=True)
    assert "Staff user marketing is disabled" in listing
    assert '<td class="text">marketing</td>' in listing and "admin/staff/marketing/disable" not in listing
    assert marketing.get("/admin/promotions").status_code == 302  # signed out at the next click
    with services.db.session() as session:
        assert session.scalars(select(StaffUser.active).where(StaffUser.username == "marketing")).one() is False
    assert audit_of(services, "staff.disabled").reason == "left the company"


def test_an_admin_cannot_disable_their_own_account_from_the_page(services, client, chain):
    sign_in(client, "admin")
    assert "/admin/staff/admin/disable" not in client.get("/admin/staff").get_data(as_text=True)
    refused = client.post("/admin/staff/admin/disable", data={"csrf_token": page_token(client), "confirm": "disable"})
    assert refused.status_code == 422
    assert "An admin cannot disable their own account here" in refused.get_data(as_text=True)
    assert client.get("/admin/staff").status_code == 200
