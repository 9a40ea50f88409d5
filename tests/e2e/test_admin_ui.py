"""The back office in headless Chromium, served by the real server app on a live port."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from server.services import Services
from server.settings import Settings
from tests.conftest import TEST_SECRET
from tests.integration.admin_ui.backoffice import seed_chain
from tests.integration.agent.live import LiveServer
from tests.support.factories import PASSWORD, seed_member

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SIZES = {"desktop": (1280, 800), "tablet-landscape": (1024, 768), "tablet-portrait": (768, 1024)}


@pytest.fixture
def backoffice(tmp_path, sqlite_template):
    services = Services.build(Settings.from_values({
        "data_dir": str(tmp_path), "secret_key": TEST_SECRET, "database_url": sqlite_template.copy_to(tmp_path),
        "web_apps": "admin_ui.web:mount"}))
    chain = seed_chain(services)
    for points, name in ((320, "Grace Hopper"), (12_480, "Alan Turing"), (0, "Ada Byron")):
        seed_member(services, points, name)
    server = LiveServer(services)
    server.start()
    yield server.url, chain, services
    server.stop()
    services.db.dispose()


@pytest.fixture
def browser():
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def sign_in(page, url: str, username: str) -> None:
    page.goto(f"{url}/admin/")
    expect(page).to_have_url(f"{url}/admin/sign-in?next=/admin/?")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")  # the form submits from the keyboard
    expect(page.locator("h1")).to_contain_text(f"Good to see you, {username}")


def test_member_service_finds_a_member_blocks_and_replaces_a_card_and_adjusts_points(backoffice, browser):
    url, chain, _services = backoffice
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, url, "member-service")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Find a member").click()
    page.get_by_label("Name, phone, e-mail or card number").fill("lovelace")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Ada Lovelace").click()
    expect(page.locator("h1")).to_contain_text("Ada Lovelace")
    expect(page.locator("#points")).to_contain_text("1,500")

    row = page.locator("#cards tbody tr", has_text=chain.card)
    row.get_by_text("Block or report lost").click()
    row.get_by_label("New state").select_option("blocked")
    row.get_by_label("Reason").first.fill("member reports the wallet stolen")
    row.get_by_role("button", name="Change state").click()
    expect(page.locator(".flash.success")).to_have_text(f"Card {chain.card} is now blocked.")
    expect(page.locator("#cards tbody tr", has_text=chain.card).locator(".badge")).to_have_text("blocked")

    row = page.locator("#cards tbody tr", has_text=chain.card)
    row.get_by_text("Replace", exact=True).click()
    row.get_by_label("Reason").last.fill("lost card")
    row.get_by_role("button", name="Replace card").click()
    expect(page.locator(".flash.success")).to_contain_text("New card")
    expect(page.locator("#cards tbody tr")).to_have_count(2)
    expect(page.locator("#cards tbody tr", has_text=chain.card).locator(".badge")).to_have_text("replaced")

    adjust = page.get_by_role("region", name="Adjust points")
    adjust.get_by_label("Points").fill("250")
    adjust.get_by_label("Reason").fill("goodwill for a late delivery")
    adjust.get_by_role("button", name="Record adjustment").click()
    expect(page.locator(".flash.success")).to_have_text("+250 points recorded. The balance is now 1,750 points.")
    expect(page.locator("#ledger")).to_contain_text("goodwill for a late delivery")


def test_a_form_posted_without_its_csrf_token_is_refused(backoffice, browser):
    url, chain, _services = backoffice
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, url, "member-service")
    page.goto(f"{url}/admin/members/{chain.member_id}")
    form = page.locator("form[action$='/adjustments']")
    form.locator("input[name=csrf_token]").evaluate("input => input.remove()")
    adjust = page.get_by_role("region", name="Adjust points")
    adjust.get_by_label("Points").fill("99999")
    adjust.get_by_label("Reason").fill("forged")
    adjust.get_by_role("button", name="Record adjustment").click()
    expect(page.locator("h1")).to_have_text("400 · Bad Request")
    expect(page.locator("main")).to_contain_text("not sent from a OneCard page")
    page.goto(f"{url}/admin/members/{chain.member_id}")
    expect(page.locator("#points")).to_contain_text("1,500")


def test_a_cashier_cannot_reach_marketing_or_member_pages(backoffice, browser):
    url, chain, _services = backoffice
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    sign_in(page, url, "cashier")
    # the programme and its tax classes are read by every role (as the API lets them); nothing else
    expect(page.locator("nav.side a")).to_have_text(["Loyalty programme", "Tax classes"])
    for path in ("/admin/promotions", "/admin/segments", "/admin/members?q=ada", f"/admin/members/{chain.member_id}"):
        response = page.goto(url + path)
        assert response.status == 403, path
        expect(page.locator("h1")).to_have_text("403 · Forbidden")
        expect(page.locator("main")).to_contain_text("Your role (cashier) may not open this page.")


def test_sign_out_ends_the_session(backoffice, browser):
    url, _chain, _services = backoffice
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, url, "hq")
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator(".flash.info")).to_have_text("You are signed out.")
    page.goto(f"{url}/admin/sync-health")
    expect(page).to_have_url(f"{url}/admin/sign-in?next=/admin/sync-health?")


def test_the_main_pages_fit_a_laptop_and_a_tablet_without_sideways_scrolling(backoffice, browser, tmp_path):
    url, chain, _services = backoffice
    shots = Path(os.environ.get("ONECARD_SCREENSHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    pages = {"home": "/admin/", "member-search": "/admin/members?q=a", "member": f"/admin/members/{chain.member_id}",
             "promotions": "/admin/promotions", "promotion": f"/admin/promotions/{chain.promotion_id}",
             "segments": "/admin/segments", "reconciliation": "/admin/reconciliation",
             "sync-health": "/admin/sync-health", "stores": "/admin/stores", "store": "/admin/stores/S001",
             "staff": "/admin/staff", "audit": "/admin/audit"}
    for size, (width, height) in SIZES.items():
        page = browser.new_page(viewport={"width": width, "height": height})
        sign_in(page, url, "admin")
        for name, path in pages.items():
            assert page.goto(url + path).status == 200, path
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{name} at {size} scrolls sideways by {overflow}px"
            page.screenshot(path=str(shots / f"{name}-{width}x{height}.png"), full_page=True)
        page.close()
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{url}/admin/sign-in")
    page.screenshot(path=str(shots / "sign-in-1280x800.png"))
