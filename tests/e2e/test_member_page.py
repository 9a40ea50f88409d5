"""The member page in headless Chromium at a phone's size, served by the real server app on a live port.

The code comes through a real SMTP server (aiosmtpd); the clipped offer is then priced by a till's
signed quote against the same server.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from server.services import Services
from server.settings import Settings
from tests.conftest import TEST_SECRET
from tests.e2e.test_admin_ui import CHROMIUM, CHROMIUM_ARGS
from tests.integration.agent.live import LiveServer
from tests.integration.member_page.mailbox import Mailbox
from tests.integration.member_page.pages import SVG, decode_svg
from tests.support.factories import login, make_staff, make_terminal
from tests.support.tills import Till

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

PHONE = {"width": 390, "height": 844}
SHOTS = os.environ.get("ONECARD_SCREENSHOTS")  # a directory to keep the pages' screenshots in


@pytest.fixture
def mailbox():
    box = Mailbox().start()
    yield box
    box.stop()


@pytest.fixture
def member_site(tmp_path, sqlite_template, mailbox):
    services = Services.build(Settings.from_values({
        "data_dir": str(tmp_path), "secret_key": TEST_SECRET, "database_url": sqlite_template.copy_to(tmp_path),
        "web_apps": "admin_ui.member.web:mount", "smtp_url": mailbox.url}))
    server = LiveServer(services)
    api = server.app.test_client()
    make_staff(services, "mia", "marketing")
    make_staff(services, "sam", "member_service")
    marketer, desk = login(api, "mia"), login(api, "sam")
    till = Till(api, make_terminal(services, "S001", "T1"), "S001", "T1", services.clock)
    products = api.post("/api/v1/products/bulk", headers=marketer, json={"items": [
        {"sku": "COFFEE", "name": "Coffee beans 1 kg", "category": "coffee", "base_price_minor": 1299}]})
    assert products.status_code == 200, products.json
    joined = api.post("/api/v1/members", headers=desk, json={"name": "Ada Lovelace", "email": "ada@example.org"})
    offer = api.post("/api/v1/promotions", headers=marketer, json={
        "label": "2.00 off coffee beans", "state": "active", "targeting": {"clip": True},
        "rule": {"kind": "amount_off", "amount_minor": 200,
                 "scope": {"skus": ["COFFEE"], "categories": [], "whole_basket": False}}})
    assert joined.status_code == 201 and offer.status_code == 201, (joined.json, offer.json)
    server.start()
    yield server.url, joined.json["card"]["number"], till
    server.stop()
    services.db.dispose()


@pytest.fixture
def phone():
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
        yield context.new_page()
        browser.close()


def _shot(page, name: str, tmp_path: Path) -> None:
    folder = Path(SHOTS) if SHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"member-{name}.png"), full_page=True)


def test_a_member_signs_in_with_a_mailed_code_shows_the_card_and_clips_an_offer_a_till_applies(
        member_site, phone, mailbox, tmp_path):
    url, card, till = member_site
    basket = {"store": "S001", "card_number": card, "lines": [{"sku": "COFFEE"}]}
    assert till.request("POST", "/api/v1/quotes", basket).json["total"] == 1299

    phone.goto(f"{url}/me/")
    expect(phone.locator("h1")).to_have_text("Sign in to your card")
    _shot(phone, "sign-in", tmp_path)
    phone.get_by_label("E-mail or phone number").fill("ada@example.org")
    phone.get_by_role("button", name="Send me a code").click()
    expect(phone.locator("h1")).to_have_text("Enter your code")
    phone.get_by_label("Code").fill(mailbox.code_for("ada@example.org"))
    phone.get_by_role("button", name="Sign in").click()

    expect(phone.locator("#card-number")).to_have_text(card)
    barcode = phone.locator(".barcode svg")
    box = barcode.bounding_box()
    assert box["width"] >= 340  # nearly the phone's whole width
    _shot(phone, "card", tmp_path)
    shown = SVG.findall(phone.content())
    assert decode_svg(shown[0], tmp_path, "shown-barcode", 600) == [card]
    assert decode_svg(shown[1], tmp_path, "shown-qr", 400) == [card]

    phone.get_by_role("navigation", name="Member").get_by_role("link", name="Offers").click()
    offer = phone.get_by_role("listitem", name="2.00 off coffee beans")
    offer.get_by_role("button", name="Clip to card").click()
    expect(phone.locator(".notice.success")).to_contain_text("is on your card")
    expect(phone.get_by_role("listitem", name="2.00 off coffee beans").locator(".badge")).to_have_text("On your card")
    _shot(phone, "offers", tmp_path)

    priced = till.request("POST", "/api/v1/quotes", basket).json
    assert priced["total"] == 1099
    assert [d["label"] for d in priced["lines"][0]["discounts"]] == ["2.00 off coffee beans"]

    phone.get_by_role("navigation", name="Member").get_by_role("link", name="Card").click()
    phone.get_by_role("button", name="Show a code for a partner").click()
    expect(phone.locator("#partner-code")).to_have_text(re.compile(r"^\d{6}$"))
    _shot(phone, "partner-code", tmp_path)

    phone.get_by_role("navigation", name="Member").get_by_role("link", name="Profile").click()
    _shot(phone, "profile", tmp_path)
