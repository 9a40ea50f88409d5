"""Tax classes, till PINs and till events in the back office: the same services as the API, role-checked,
audited, with messages beside the fields; PINs are never shown back."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from server.models import AuditRecord, ChangeRecord, StaffUser, TaxClass
from server.pricing.taxes import set_tax_class
from server.till_events import record_event
from store_sync.till_events import TillEventBodySchema
from tests.integration.admin_ui.backoffice import page_token, sign_in
from tests.support.factories import make_staff


@pytest.fixture
def standard_class(services):
    """The ``standard`` class at 0 %, as the migration makes it (a test database may have been emptied)."""
    with services.db.session() as session:
        set_tax_class(session, "standard", "Standard", 0, services.clock())
        session.commit()


def audits(services, action: str) -> list[AuditRecord]:
    with services.db.session() as session:
        return list(session.scalars(select(AuditRecord).where(AuditRecord.action == action)))


def test_any_role_reads_tax_classes_and_only_an_admin_changes_a_rate(services, client, chain, standard_class):
    sign_in(client, "hq")
    page = client.get("/admin/tax-classes").get_data(as_text=True)
    assert "standard" in page and "Add a class or change a rate" not in page
    assert client.post("/admin/tax-classes", data={"csrf_token": page_token(client), "code": "standard",
                                                   "name": "Standard", "rate": "20"}).status_code == 403
    client.post("/admin/sign-out", data={"csrf_token": page_token(client)})
    sign_in(client, "admin")
    token = page_token(client, "/admin/tax-classes")
    made = client.post("/admin/tax-classes", data={"csrf_token": token, "code": "standard", "name": "Standard",
                                                   "rate": "20"})
    assert made.status_code == 302
    page = client.get("/admin/tax-classes").get_data(as_text=True)
    assert "Tax class standard changed: 20 % from" in page
    reduced = client.post("/admin/tax-classes", data={"csrf_token": token, "code": "reduced",
                                                      "name": "Reduced (food)", "rate": "5,5"})
    assert reduced.status_code == 302
    with services.db.session() as session:
        rates = dict(session.execute(select(TaxClass.code, TaxClass.rate_bp)).all())
    assert rates == {"standard": 2000, "reduced": 550}
    assert [(a.actor, a.target, a.details) for a in audits(services, "tax_class.set")] == [
        ("admin", "standard", {"rate_bp": 2000}), ("admin", "reduced", {"rate_bp": 550})]
    csv = client.get("/admin/tax-classes?format=csv&q=red").get_data(as_text=True).splitlines()
    assert csv[0] == "Code,Name,Rate (%),Products,Rate in force since"
    assert csv[1].startswith("reduced,Reduced (food),5.5,0,")


def test_a_rate_that_is_not_a_percentage_is_shown_beside_its_field_and_nothing_changes(services, client, chain,
                                                                                      standard_class):
    sign_in(client, "admin")
    token = page_token(client, "/admin/tax-classes")
    for rate, code in (("120", "standard"), ("twenty", "standard"), ("5.555", "standard"), ("5", "no good!")):
        answer = client.post("/admin/tax-classes", data={"csrf_token": token, "code": code, "name": "x", "rate": rate})
        page = answer.get_data(as_text=True)
        assert answer.status_code == 422 and "nothing was saved" in page, rate
        assert ('id="t-rate-error">Rate: write a percentage from 0 to 100' in page
                or 'id="t-code-error">Code: use 1-16 letters' in page), rate
    with services.db.session() as session:
        assert session.get(TaxClass, "standard").rate_bp == 0
    assert audits(services, "tax_class.set") == []


def test_an_admin_sets_and_clears_a_pin_which_is_never_shown_and_reaches_the_tills_as_a_hash(services, client, chain):
    sign_in(client, "admin")
    staff = client.get("/admin/staff").get_data(as_text=True)
    assert "/admin/staff/cashier/pin" in staff and "/admin/staff/marketing/pin" not in staff
    page = "/admin/staff/cashier/pin"
    token = page_token(client, page)
    differ = client.post(page, data={"csrf_token": token, "action": "set", "pin": "4821", "pin_again": "4812"})
    assert differ.status_code == 422 and "the two PINs differ" in differ.get_data(as_text=True)
    easy = client.post(page, data={"csrf_token": token, "action": "set", "pin": "1111", "pin_again": "1111"})
    assert easy.status_code == 422 and "PIN: a PIN of one digit repeated is too easy to guess." in easy.get_data(
        as_text=True)
    made = client.post(page, data={"csrf_token": token, "action": "set", "pin": "4821", "pin_again": "4821"})
    assert made.status_code == 302
    shown = client.get(page).get_data(as_text=True) + client.get("/admin/staff").get_data(as_text=True)
    assert "cashier has a till PIN" in shown and "4821" not in shown
    with services.db.session() as session:
        user = session.scalars(select(StaffUser).where(StaffUser.username == "cashier")).one()
        published = session.scalars(select(ChangeRecord).where(ChangeRecord.entity_id == str(user.id))
                                    .order_by(ChangeRecord.order_key)).all()
        assert user.pin_hash.startswith("$argon2id$") and published[-1].op == "upsert"
    unconfirmed = client.post(page, data={"csrf_token": token, "action": "clear"})
    assert unconfirmed.status_code == 422 and "Tick the box" in unconfirmed.get_data(as_text=True)
    cleared = client.post(page, data={"csrf_token": token, "action": "clear", "confirm": "clear"})
    assert cleared.status_code == 302
    with services.db.session() as session:
        user = session.scalars(select(StaffUser).where(StaffUser.username == "cashier")).one()
        last = session.scalars(select(ChangeRecord).where(ChangeRecord.entity_id == str(user.id))
                               .order_by(ChangeRecord.order_key.desc())).first()
        assert user.pin_hash is None and last.op == "delete"
    assert [a.target for a in audits(services, "staff.pin_set")] == ["cashier"]
    assert [a.target for a in audits(services, "staff.pin_cleared")] == ["cashier"]


def test_only_an_admin_reaches_the_pin_page(client, chain):
    sign_in(client, "hq")
    assert client.get("/admin/staff/cashier/pin").status_code == 403


def till_event(services, kind: str, hours_ago: float, cashier: str | None = None, terminal: str = "T1", **fields):
    with services.db.session() as session:
        cashier_id = session.scalar(select(StaffUser.id).where(StaffUser.username == cashier)) if cashier else None
        raw = {"id": f"ev-{uuid.uuid4().hex[:16]}", "kind": kind, "store": "S001", "terminal": terminal,
               "at": (services.clock() - timedelta(hours=hours_ago)).isoformat(),
               "cashier_id": str(cashier_id) if cashier_id else None, **fields}
        record_event(session, TillEventBodySchema().load(raw), raw, "S001", terminal, services.clock())
        session.commit()


def z_figures(counted: int, expected: int) -> dict:
    now = "2026-03-14T08:00:00+00:00"
    return {"shift_id": "shift-0001", "opened_at": now, "until": now, "float_minor": 10000, "sales_count": 12,
            "sales_minor": 34050, "refunds_count": 0, "refunds_minor": 0, "voids_count": 0, "no_sales": 1,
            "tenders": {"cash": 12000}, "points_redeemed": 0, "expected_cash_minor": expected,
            "counted_cash_minor": counted, "difference_minor": counted - expected}


def test_hq_filters_till_events_by_till_cashier_kind_and_day_and_downloads_them(services, client, chain):
    make_staff(services, "bob", "cashier")
    till_event(services, "no_sale", 2, "cashier", reason="change for the float")
    till_event(services, "locked_out", 3, "bob", terminal="T2")
    till_event(services, "z_report", 1, "cashier", figures=z_figures(21_800, 22_000))
    sign_in(client, "hq")
    page = client.get("/admin/till-events").get_data(as_text=True)
    assert "1–3 of 3" in page and "change for the float" in page and "locked out" in page
    zed = client.get("/admin/till-events?kind=z_report").get_data(as_text=True)
    assert "1–1 of 1" in zed and "€340.50" in zed and "€218.00" in zed and "-€2.00" in zed
    assert ">Counted cash (EUR)</th>" in zed and "()" not in zed  # the table macro sees the currency
    assert "1–1 of 1" in client.get("/admin/till-events?cashier=bob").get_data(as_text=True)
    assert "1–2 of 2" in client.get("/admin/till-events?till=T1").get_data(as_text=True)
    unknown = client.get("/admin/till-events?cashier=nobody").get_data(as_text=True)
    assert "Cashier: there is no staff user named nobody." in unknown and "Nothing matches." in unknown
    later = (services.clock() + timedelta(days=1)).date().isoformat()
    assert "Nothing matches." in client.get(f"/admin/till-events?from={later}").get_data(as_text=True)
    csv = client.get("/admin/till-events?format=csv&kind=z_report").get_data(as_text=True).splitlines()
    assert csv[0] == ("When,Store,Till,Event,Cashier,Approved by,Reason,Amount (EUR),Sales,Sales total (EUR),"
                      "Expected cash (EUR),Counted cash (EUR),Difference (EUR)")
    assert csv[1].endswith(",S001,T1,Z report (shift closed),cashier,,,,12,340.50,220.00,218.00,-2.00")


def test_a_cashier_or_marketing_cannot_reach_till_events(client, chain):
    sign_in(client, "marketing")
    assert client.get("/admin/till-events").status_code == 403


def test_a_long_list_is_counted_only_up_to_a_limit_and_still_pages_to_its_end(services, client, chain,
                                                                               monkeypatch):
    from dataclasses import replace

    from admin_ui import tables
    from admin_ui.views import till_events as view

    monkeypatch.setattr(tables, "COUNT_LIMIT", 2)
    monkeypatch.setattr(view, "EVENTS_TABLE", replace(view.EVENTS_TABLE, per_page=2))
    for hours in (1, 2, 3):
        till_event(services, "sign_in", hours, "cashier")
    sign_in(client, "hq")
    first = client.get("/admin/till-events").get_data(as_text=True)
    assert "1–2 of more than 2" in first and "Page 1 of many" in first and 'rel="next"' in first
    second = client.get("/admin/till-events?page=2").get_data(as_text=True)
    assert "3–3 of more than 2" in second and 'rel="next"' not in second
    assert len(client.get("/admin/till-events?format=csv").get_data(as_text=True).splitlines()) == 4
