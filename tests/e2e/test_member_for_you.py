"""A "for you" offer on the member page at a phone's size: picked from the member's own baskets by the
job, drafted and published by marketing, shown with its reason, clipped, and applied by a till."""

from __future__ import annotations

from datetime import timedelta

import pytest

from server.pricing.for_you import compute_for_you
from server.services import Services
from server.settings import Settings
from tests.conftest import TEST_SECRET
from tests.e2e.test_member_page import _shot, mailbox, phone  # noqa: F401  (fixtures)
from tests.integration.agent.live import LiveServer
from tests.support.factories import login, make_staff, make_terminal
from tests.support.tills import Till, line

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

PRODUCTS = [{"sku": "PASTA", "name": "Fusilli 500 g", "category": "pasta", "base_price_minor": 199},
            {"sku": "SAUCE", "name": "Tomato sauce", "category": "sauces", "base_price_minor": 349},
            {"sku": "MILK", "name": "Milk 1 l", "category": "dairy", "base_price_minor": 109}]


@pytest.fixture
def for_you_site(tmp_path, sqlite_template, mailbox):  # noqa: F811
    services = Services.build(Settings.from_values({
        "data_dir": str(tmp_path), "secret_key": TEST_SECRET, "database_url": sqlite_template.copy_to(tmp_path),
        "web_apps": "admin_ui.member.web:mount", "smtp_url": mailbox.url}))
    server = LiveServer(services)
    api = server.app.test_client()
    make_staff(services, "mia", "marketing")
    make_staff(services, "sam", "member_service")
    marketer, desk = login(api, "mia"), login(api, "sam")
    till = Till(api, make_terminal(services, "S001", "T1"), "S001", "T1", services.clock)
    assert api.post("/api/v1/products/bulk", headers=marketer, json={"items": PRODUCTS}).status_code == 200
    cards = {}
    for name, email in (("Ada Lovelace", "ada@example.org"), ("Bob Baker", "bob@example.org")):
        joined = api.post("/api/v1/members", headers=desk, json={"name": name, "email": email, "consents": {
            "marketing_email": False, "marketing_sms": False, "profiling": True}})
        assert joined.status_code == 201, joined.json
        cards[name] = joined.json["card"]["number"]
    yesterday = services.clock() - timedelta(days=1)
    for n in range(6):  # Bob's baskets pair pasta with sauce (and milk with neither); Ada buys pasta alone
        for lines in ([line("1", 199, sku="PASTA"), line("2", 349, sku="SAUCE")], [line("1", 109, sku="MILK")]):
            sold = till.sale(lines, card=cards["Bob Baker"], at=yesterday + timedelta(minutes=n))
            assert sold.status_code == 201, sold.json
    assert till.sale([line("1", 199, sku="PASTA")], card=cards["Ada Lovelace"], at=yesterday).status_code == 201
    picked = compute_for_you(services.db.session, services.clock(), 8, recent_weeks=2, min_together=5,
                             min_before=3, limit=3)
    assert [(p["sku"], p["members"]) for p in picked["proposals"]] == [("SAUCE", 1)], picked
    draft = api.post("/api/v1/insights/for-you/draft", headers=marketer, json={"sku": "SAUCE", "percent_bp": 2000})
    assert draft.status_code == 201, draft.json
    published = api.post(f"/api/v1/promotions/{draft.json['id']}/state", headers=marketer,
                         json={"state": "active", "reason": "for you"})
    assert published.status_code == 200, published.json
    server.start()
    yield server.url, cards["Ada Lovelace"], till
    server.stop()
    services.db.dispose()


def test_a_member_sees_why_an_offer_was_picked_for_them_clips_it_and_a_till_applies_it(
        for_you_site, phone, mailbox, tmp_path):  # noqa: F811
    url, card, till = for_you_site
    phone.goto(f"{url}/me/sign-in")
    phone.get_by_label("E-mail or phone number").fill("ada@example.org")
    phone.get_by_role("button", name="Send me a code").click()
    phone.get_by_label("Code").fill(mailbox.code_for("ada@example.org"))
    phone.get_by_role("button", name="Sign in").click()
    expect(phone.locator("#pending")).to_have_text("0")
    _shot(phone, "card-with-pending", tmp_path)

    phone.get_by_role("navigation", name="Member").get_by_role("link", name="Offers").click()
    offer = phone.get_by_role("listitem", name="For you: Tomato sauce")
    expect(offer.locator(".why")).to_have_text("Picked for you: it goes with the Fusilli 500 g you buy.")
    offer.get_by_role("button", name="Clip to card").click()
    expect(phone.get_by_role("listitem", name="For you: Tomato sauce").locator(".badge")).to_have_text("On your card")
    _shot(phone, "for-you-offer", tmp_path)
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the offers page scrolls sideways by {overflow}px"

    priced = till.request("POST", "/api/v1/quotes", {"store": "S001", "card_number": card,
                                                     "lines": [{"sku": "SAUCE"}]}).json
    assert priced["total"] == 279 and [d["label"] for d in priced["lines"][0]["discounts"]] == [
        "For you: Tomato sauce"]
