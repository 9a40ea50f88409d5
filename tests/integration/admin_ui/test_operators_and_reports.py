"""Operators, marketing and HQ pages: what they show, and the acts they offer."""

from __future__ import annotations

import csv
import io
import re
import uuid

from sqlalchemy import select

from server.audit import Actor
from server.models import AuditRecord, StaffUser, Terminal
from server.pricing.versions import add_version, get_promotion
from server.schemas.promotions import DefinitionSchema
from tests.integration.admin_ui.backoffice import csrf_of, page_token, sign_in


def test_registering_a_till_shows_its_credential_once(services, client, chain):
    sign_in(client, "admin")
    response = client.post("/admin/stores/S001/terminals", data={"csrf_token": page_token(client), "code": "T2"})
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    credential = re.search(r'<textarea id="credential"[^>]*>([^<]+)</textarea>',
                           response.get_data(as_text=True)).group(1).strip()
    store_page = client.get("/admin/stores/S001").get_data(as_text=True)
    assert "T2" in store_page and credential not in store_page
    with services.db.session() as session:
        till = session.scalars(select(Terminal).where(Terminal.code == "T2")).one()
        assert credential.startswith(till.key_id) or till.key_id in credential
    assert client.get("/admin/stores", query_string={"format": "csv"}).get_data(as_text=True).splitlines()[1] \
        .startswith("S001,Store S001,Europe/Berlin,2,")


def test_a_till_code_that_breaks_the_rules_is_explained(client, chain):
    sign_in(client, "admin")
    client.post("/admin/stores/S001/terminals", data={"csrf_token": page_token(client), "code": "till 9!"})
    assert "terminal: use 1-32 letters" in client.get("/admin/stores/S001").get_data(as_text=True)


def test_an_admin_creates_a_staff_user_who_can_then_sign_in(services, client, app, chain):
    sign_in(client, "admin")
    client.post("/admin/staff", data={"csrf_token": page_token(client), "username": "Grace",
                                      "role": "marketing", "password": "a long enough secret"})
    assert "Staff user grace (marketing) created." in client.get("/admin/staff").get_data(as_text=True)
    with services.db.session() as session:
        assert session.scalars(select(StaffUser.role).where(StaffUser.username == "grace")).one() == "marketing"
        created = session.scalars(select(AuditRecord).where(AuditRecord.action == "staff.created",
                                                            AuditRecord.target == "grace")).one()
        assert created.actor == "admin"
    other = app.test_client()
    token = csrf_of(other.get("/admin/sign-in").get_data(as_text=True))
    signed_in = other.post("/admin/sign-in", data={"username": "grace", "password": "a long enough secret",
                                                   "csrf_token": token})
    assert signed_in.status_code == 302


def test_the_promotion_page_shows_each_version_and_what_it_changed(services, client, chain):
    with services.db.session() as session:
        record = get_promotion(session, uuid.UUID(chain.promotion_id))
        add_version(session, record, DefinitionSchema().load({
            "label": "15% off snacks", "priority": 5,
            "rule": {"kind": "percent_off", "percent_bp": 1500, "scope": {"categories": ["snacks"]}}}),
            services.clock(), Actor.staff("marketing"), services.program)
        session.commit()
    sign_in(client, "marketing")
    listing = client.get("/admin/promotions", query_string={"state": "draft"}).get_data(as_text=True)
    assert "15% off snacks" in listing
    page = client.get(f"/admin/promotions/{chain.promotion_id}").get_data(as_text=True)
    assert "label, priority, rule.percent_bp" in page
    assert "Stacks with other promotions; priority 5" in page
    assert "every customer, member or not" in page
    none = client.get("/admin/promotions", query_string={"state": "ended"}).get_data(as_text=True)
    assert "Nothing matches." in none


def test_segments_list_their_member_counts(client, chain):
    sign_in(client, "marketing")
    rows = list(csv.reader(io.StringIO(client.get("/admin/segments?format=csv").get_data(as_text=True))))
    assert rows[0][:3] == ["Name", "Kind", "Members"]
    assert rows[1][:3] == ["Gold members", "rule", "0"]


def test_sync_health_lists_every_till_and_filters_by_store(client, chain):
    sign_in(client, "hq")
    page = client.get("/admin/sync-health", query_string={"store": "S001"}).get_data(as_text=True)
    assert '<td class="text">T1</td>' in page
    assert "Store: choose one of the listed values" in client.get(
        "/admin/sync-health", query_string={"store": "S999"}).get_data(as_text=True)


def test_a_badly_written_date_filter_is_explained_in_the_form(client, chain):
    sign_in(client, "hq")
    page = client.get("/admin/reconciliation", query_string={"from": "14/03/2026"}).get_data(as_text=True)
    assert "From: write the date as YYYY-MM-DD" in page


def test_the_audit_log_filters_by_action_and_pages(client, chain):
    sign_in(client, "admin")
    page = client.get("/admin/audit", query_string={"action": "card.issued"}).get_data(as_text=True)
    assert "card.issued" in page and "staff.created" not in page
