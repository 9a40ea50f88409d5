"""A notice caught by a real SMTP server, its unsubscribe link followed in headless Chromium at a
phone's size against the real server app on a live port."""

from __future__ import annotations

import uuid

import pytest

from server.models import Member
from server.services import Services
from server.settings import Settings
from tests.conftest import TEST_SECRET
from tests.e2e.test_admin_ui import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.test_member_page import PHONE, _shot
from tests.integration.agent.live import LiveServer
from tests.integration.notices.postbox import LINK, Postbox
from tests.support.factories import login, make_staff, make_terminal

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect


@pytest.fixture
def postbox():
    box = Postbox().start()
    yield box
    box.stop()


@pytest.fixture
def noticed(tmp_path, sqlite_template, postbox):
    services = Services.build(Settings.from_values({
        "data_dir": str(tmp_path), "secret_key": TEST_SECRET, "database_url": sqlite_template.copy_to(tmp_path),
        "web_apps": "admin_ui.member.web:mount", "smtp_url": postbox.url, "public_url": "http://cards.example",
        "quiet_hours": "none"}))
    server = LiveServer(services)
    api = server.app.test_client()
    make_staff(services, "mia", "marketing")
    make_staff(services, "sam", "member_service")
    marketer, desk = login(api, "mia"), login(api, "sam")
    make_terminal(services, "S001", "T1")
    assert api.post("/api/v1/products/bulk", headers=marketer, json={"items": [
        {"sku": "COFFEE", "name": "Coffee beans 1 kg", "category": "coffee", "base_price_minor": 1299}]}
    ).status_code == 200
    joined = api.post("/api/v1/members", headers=desk, json={
        "name": "Ada Lovelace", "email": "ada@example.org", "home_store": "S001",
        "consents": {"marketing_email": True}})
    assert joined.status_code == 201, joined.json
    server.start()
    offer = api.post("/api/v1/promotions", headers=marketer, json={
        "label": "2.00 off coffee beans", "state": "active", "targeting": {"members_only": True},
        "stores": ["S001"], "notice": {"text": "Coffee beans 2.00 off this week.", "channels": ["email"]},
        "rule": {"kind": "amount_off", "amount_minor": 200,
                 "scope": {"skus": ["COFFEE"], "categories": [], "whole_basket": False}}})
    assert offer.status_code == 201, offer.json
    yield server.url, joined.json["id"], services
    server.stop()
    services.jobs.close()
    services.db.dispose()


@pytest.fixture
def phone():
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
        yield context.new_page()
        browser.close()


def test_the_unsubscribe_link_of_a_notice_asks_then_stops_offers_by_email(noticed, postbox, phone, tmp_path):
    url, member_id, services = noticed
    mail = postbox.wait_for(1)[0].message
    assert mail["To"] == "ada@example.org" and "Coffee beans 2.00 off this week." in mail.get_content()
    link = LINK.search(mail.get_content()).group(1)
    phone.goto(url + link.removeprefix("http://cards.example"))
    expect(phone.get_by_role("heading", name="No more offers by e-mail?")).to_be_visible()
    _shot(phone, "unsubscribe-ask", tmp_path)
    phone.get_by_role("button", name="Unsubscribe").tap()
    expect(phone.locator("#unsubscribed")).to_have_text("You will get no more offers by e-mail from OneCard.")
    _shot(phone, "unsubscribe-done", tmp_path)
    with services.db.session() as session:
        assert session.get(Member, uuid.UUID(member_id)).consents["marketing_email"] is False
