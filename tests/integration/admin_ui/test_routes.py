"""Every page under /admin: who may open it (the API's role rules, checked on the server) and CSRF."""

from __future__ import annotations

from dataclasses import replace

import pytest
from flask import url_for

from tests.integration.admin_ui.backoffice import (
    ROLES,
    page_token,
    seed_partner,
    seed_reconciliation_exception,
    seed_waiting_adjustment,
    sign_in,
)

SERVICE, MARKETING, HQ, ADMIN = {"member_service", "admin"}, {"marketing", "admin"}, {"hq", "admin"}, {"admin"}
PUBLIC = None  # reachable without signing in

# Every route under /admin must be listed here, with the roles that may use it.
ALLOWED = {
    "admin.static": PUBLIC,
    "admin.sign_in": PUBLIC,
    "admin.sign_out": PUBLIC,
    "admin.home": set(ROLES),
    "admin.member_search": SERVICE,
    "admin.member": SERVICE,
    "admin.card_state": SERVICE,
    "admin.card_replace": SERVICE,
    "admin.adjust": SERVICE,
    "admin.export": SERVICE,
    "admin.erase": SERVICE,
    "admin.promotions": MARKETING,
    "admin.promotion": MARKETING,
    "admin.segments": MARKETING,
    "admin.reconciliation": HQ,
    "admin.sync_health": HQ,
    "admin.stores": HQ,
    "admin.store": HQ,
    "admin.register_till": ADMIN,
    "admin.staff_users": ADMIN,
    "admin.create_staff": ADMIN,
    "admin.audit_log": ADMIN,
    "admin.approvals": SERVICE,
    "admin.adjustment_request": SERVICE,
    "admin.approve_request": SERVICE,
    "admin.reject_request": SERVICE,
    "admin.revoke_till": ADMIN,
    "admin.till_suspension": ADMIN,
    "admin.disable_staff": ADMIN,
    "admin.enrol_member": SERVICE,
    "admin.edit_member": SERVICE,
    "admin.merge": SERVICE,
    "admin.reconciliation_exception": HQ,
    "admin.resolve_reconciliation": HQ,
    "admin.promotion_state": MARKETING,
    "admin.generate_coupons": MARKETING,
    "admin.coupons": MARKETING,
    "admin.build_promotion": MARKETING,
    "admin.promotion_preview": MARKETING,
    "admin.edit_promotion_page": MARKETING,
    "admin.promotion_simulation": MARKETING,
    "admin.rewards": MARKETING,
    "admin.simulation_job": MARKETING,
    "admin.dashboard": HQ,
    "admin.partners": ADMIN,
    "admin.create_partner_page": ADMIN,
    "admin.partner": ADMIN,
    "admin.issue_partner_key": ADMIN,
    "admin.revoke_partner_key": ADMIN,
    "admin.partner_settlement": ADMIN,
    "admin.programme": set(ROLES),
    "admin.programme_version": set(ROLES),
    "admin.programme_compare": set(ROLES),
    "admin.new_programme_version": MARKETING,
    "admin.tax_classes": set(ROLES),
    "admin.set_tax_class": ADMIN,
    "admin.staff_pin": ADMIN,
    "admin.till_events": HQ,
    "admin.insights": MARKETING,
    "admin.run_bundle_mining": MARKETING,
    "admin.run_for_you": MARKETING,
    "admin.insights_job": MARKETING,
    "admin.draft_bundle_page": MARKETING,
    "admin.draft_for_you_page": MARKETING,
}
JOB_ID = "0192a7f0-0000-7000-8000-0000000000aa"  # a simulation job, running
RUN_ID = "0192a7f0-0000-7000-8000-0000000000ab"  # a bundle mining job, running


@pytest.fixture
def chain(services, chain):
    """The chain, with something behind every kind of id a route takes."""
    from admin_ui.views.insights import BUNDLES, JOB_KINDS
    from admin_ui.views.promotion_simulation import JOB_NAME
    from server.jobs import JobState, JobView

    services.jobs.records.add(JobView(id=JOB_ID, name=JOB_NAME, state=JobState.RUNNING, enqueued_at=services.clock()))
    mining = next(name for name, kind in JOB_KINDS.items() if kind == BUNDLES)
    services.jobs.records.add(JobView(id=RUN_ID, name=mining, state=JobState.RUNNING, enqueued_at=services.clock()))
    return replace(chain, request_id=seed_waiting_adjustment(services, chain),
                   exception_id=seed_reconciliation_exception(services), partner_key_id=seed_partner(services))


def admin_routes(app, chain) -> list[tuple[str, str, str]]:
    """(endpoint, method, path) for every rule under /admin, with real ids filled in."""
    values = {"member_id": chain.member_id, "number": chain.card, "promotion_id": chain.promotion_id,
              "code": chain.store, "filename": "admin.css", "request_id": chain.request_id,
              "terminal": "T1", "username": "cashier", "version": 1,
              "exception_id": chain.exception_id, "job_id": JOB_ID, "run_id": RUN_ID, "partner_code": "CINEMA",
              "key_id": chain.partner_key_id}
    with app.test_request_context():
        return [(rule.endpoint, method, url_for(rule.endpoint, **{a: values[a] for a in rule.arguments}))
                for rule in app.url_map.iter_rules() if rule.rule.startswith("/admin")
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]


def test_every_back_office_route_states_who_may_use_it(app, chain):
    endpoints = {endpoint for endpoint, _method, _path in admin_routes(app, chain)}
    assert endpoints == set(ALLOWED)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_pages_the_api_allows_it(app, client, chain, role):
    assert sign_in(client, role).status_code == 302
    token = page_token(client)
    refused, let_in = [], []
    for endpoint, method, path in admin_routes(app, chain):
        if ALLOWED[endpoint] is PUBLIC or endpoint == "admin.sign_out":
            continue
        # An empty form: allowed roles get a validation message, never a change.
        response = client.open(path, method=method, data={"csrf_token": token} if method == "POST" else None)
        (refused if response.status_code == 403 else let_in).append((endpoint, method))
        assert response.status_code in (200, 302, 400, 403, 422), (path, method, response.status_code)
    expected_in = [(e, m) for e, m, _p in admin_routes(app, chain)
                   if ALLOWED[e] is not PUBLIC and e != "admin.sign_out" and role in ALLOWED[e]]
    assert sorted(let_in) == sorted(expected_in)
    assert all(role not in ALLOWED[e] for e, _m in refused)


def test_a_refused_page_says_so_in_the_layout_and_is_audited(services, client, chain):
    sign_in(client, "cashier")
    response = client.get("/admin/promotions")
    assert response.status_code == 403
    assert response.mimetype == "text/html"
    assert "Your role (cashier) may not open this page." in response.get_data(as_text=True)
    with services.db.session() as session:
        from sqlalchemy import select

        from server.models import AuditRecord

        refusal = session.scalars(select(AuditRecord).where(AuditRecord.action == "admin.refused")).one()
        assert (refusal.actor, refusal.target) == ("cashier", "GET /admin/promotions")


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in_from_every_page(app, client, chain):
    for endpoint, method, path in admin_routes(app, chain):
        if ALLOWED[endpoint] is PUBLIC or method != "GET":
            continue
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/admin/sign-in?next="), path


@pytest.mark.parametrize("token", ["", "forged-token"], ids=["without a token", "with a forged token"])
def test_every_form_posted_without_the_sessions_csrf_token_is_refused(app, client, chain, token):
    sign_in(client, "admin")
    posts = [(endpoint, path) for endpoint, method, path in admin_routes(app, chain) if method == "POST"]
    assert len(posts) >= 8  # sign-in, sign-out, cards (2), adjust, export, erase, till, staff
    for endpoint, path in posts:
        response = client.post(path, data={"csrf_token": token, "reason": "x", "points": "5"} if token
                               else {"reason": "x", "points": "5"})
        assert response.status_code == 400, endpoint
        assert "not sent from a OneCard page" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 200  # still signed in: nothing was done
