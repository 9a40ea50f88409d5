"""The back office's acts in headless Chromium: four eyes, revoking a till, resolving an exception,
building, previewing and publishing a promotion; and every new page at a laptop's and a tablet's size."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.test_admin_ui import backoffice, browser, sign_in  # noqa: F401  (fixtures)
from tests.integration.admin_ui.backoffice import seed_reconciliation_exception, seed_waiting_adjustment
from tests.support.factories import seed_member

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
SHOT_SIZES = ((1280, 800), (1024, 768))


def test_member_service_adjusts_above_the_limit_and_a_second_user_approves(backoffice, browser):  # noqa: F811
    url, chain, _services = backoffice
    asker = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in(asker, url, "member-service")
    asker.goto(f"{url}/admin/members/{chain.member_id}")
    adjust = asker.get_by_role("region", name="Adjust points")
    adjust.get_by_label("Points").fill("6,000")
    adjust.get_by_label("Reason").fill("receipts of a lost card's sales")
    adjust.get_by_role("button", name="Record adjustment").click()
    expect(asker.locator(".flash.success")).to_contain_text("+6,000 points are above your limit")
    expect(asker.locator("#points")).to_contain_text("1,500")
    asker.get_by_role("link", name="Approve or reject…").click()
    asker.get_by_label("Reason for your decision").fill("I checked them myself")
    asker.get_by_role("button", name="Approve").click()
    expect(asker.locator(".flash.error")).to_contain_text("another staff user must approve it")

    approver = browser.new_page(viewport={"width": 1024, "height": 768})
    sign_in(approver, url, "admin")
    approver.get_by_role("navigation", name="Main").get_by_role("link", name="Approvals").click()
    row = approver.locator("tbody tr", has_text="Ada Lovelace")
    expect(row).to_contain_text("6,000")
    row.get_by_role("link", name="Approve or reject…").click()
    approver.get_by_label("Reason for your decision").fill("receipts checked with store S001")
    approver.get_by_role("button", name="Approve").click()
    expect(approver.locator(".flash.success")).to_have_text(
        "Approved: +6,000 points for Ada Lovelace. The balance is now 7,500 points.")
    asker.goto(f"{url}/admin/members/{chain.member_id}")
    expect(asker.locator("#points")).to_contain_text("7,500")
    expect(asker.locator("#ledger")).to_contain_text("member-service, approved by admin")


def test_an_admin_revokes_a_till(backoffice, browser):  # noqa: F811
    url, _chain, _services = backoffice
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, url, "admin")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Stores and tills").click()
    page.get_by_role("link", name="S001").click()
    page.locator("tbody tr", has_text="T1").get_by_role("link", name="Revoke…").click()
    expect(page.locator(".warn-box")).to_contain_text("the server refuses everything this till signs")
    page.get_by_label("Reason (for the audit log)").fill("till stolen from the store")
    page.get_by_role("button", name="Revoke till").click()
    expect(page.locator("h1")).to_contain_text("Revoke till T1")  # the box is not ticked: the browser holds it
    page.get_by_label("Shut till S001/T1 out now").check()
    page.get_by_role("button", name="Revoke till").click()
    expect(page.locator(".flash.success")).to_have_text("Till S001/T1 is revoked: its next request is refused.")
    expect(page.locator("tbody tr", has_text="T1")).to_contain_text("revoked")
    expect(page.locator("tbody tr", has_text="T1").get_by_role("link", name="Revoke…")).to_have_count(0)


def test_hq_resolves_a_reconciliation_exception(backoffice, browser):  # noqa: F811
    url, _chain, services = backoffice
    seed_reconciliation_exception(services)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, url, "hq")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reconciliation").click()
    row = page.locator("tbody tr", has_text="the till counted 130 points")
    expect(row).to_contain_text("T1")
    row.get_by_role("link", name="Resolve…").click()
    page.get_by_label("Note").fill("till clock was 2 hours off; the store manager reset it")
    page.get_by_role("button", name="Resolve exception").click()
    expect(page.locator(".flash.success")).to_have_text("Resolved: the points differ exception of till S001/T1.")
    expect(page.locator("tbody")).to_contain_text("Nothing matches.")  # the open ones
    page.get_by_label("State").select_option("resolved")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("tbody tr").first).to_contain_text("resolved by hq")


def test_marketing_builds_a_percent_off_promotion_previews_and_publishes_it(backoffice, browser):  # noqa: F811
    url, _chain, _services = backoffice
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, url, "marketing")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Promotions").click()
    page.get_by_role("link", name="New promotion…").click()
    page.get_by_label("Name on the receipt").fill("20% off snacks")
    page.get_by_label("Kind").select_option("percent_off")
    expect(page.get_by_label("Bundle price (EUR)")).to_be_hidden()  # only the chosen kind's fields show
    page.get_by_label("Percent off", exact=True).fill("20")
    page.get_by_label("Categories", exact=True).fill("snacks")
    page.get_by_label("Priority").fill("10")
    page.get_by_role("button", name="Save as draft and preview").click()
    expect(page.locator(".flash.success")).to_contain_text("20% off snacks is saved as a draft (version 1)")

    page.get_by_label("Basket", exact=True).fill("CRISPS 2")
    page.get_by_role("button", name="Price this basket").click()
    line = page.locator("tbody tr", has_text="Crisps")
    expect(line).to_contain_text("20% off snacks: −€0.60")  # 20 % of 2 x 1.50
    expect(page.locator("tfoot")).to_contain_text("€2.40")

    page.get_by_role("link", name="Back to the promotion, to publish it…").click()
    page.get_by_role("link", name="Publish now…").click()
    expect(page.locator("main")).to_contain_text(
        "Tills start applying it as soon as they next read the server's changes.")
    page.get_by_role("button", name="Publish now").click()
    expect(page.locator(".flash.success")).to_have_text("20% off snacks is now active.")
    expect(page.locator("h1 .badge")).to_have_text("active")


def test_every_new_page_fits_a_laptop_and_a_tablet_without_sideways_scrolling(backoffice, browser):  # noqa: F811
    url, chain, services = backoffice
    shots = Path(os.environ.get("ONECARD_SCREENSHOTS") or "/tmp/backoffice2-shots")
    shots.mkdir(parents=True, exist_ok=True)
    request_id = seed_waiting_adjustment(services, chain)
    exception_id = seed_reconciliation_exception(services)
    _duplicate, duplicate_card = seed_member(services, 320, "Ada King")
    promotion = f"/admin/promotions/{chain.promotion_id}"
    pages = {"approvals": "/admin/approvals",
             "adjustment-request": f"/admin/members/{chain.member_id}/adjustments/{request_id}",
             "member-with-waiting": f"/admin/members/{chain.member_id}",
             "member-enrol": "/admin/members/new", "member-edit": f"/admin/members/{chain.member_id}/edit",
             "member-merge": f"/admin/members/{chain.member_id}/merge?duplicate={duplicate_card}",
             "store-tills": "/admin/stores/S001", "revoke-till": "/admin/stores/S001/terminals/T1/revoke",
             "suspend-till": "/admin/stores/S001/terminals/T1/suspension",
             "staff-users": "/admin/staff", "disable-staff": "/admin/staff/cashier/disable",
             "reconciliation": "/admin/reconciliation",
             "reconciliation-exception": f"/admin/reconciliation/{exception_id}",
             "promotion": promotion, "promotion-publish": f"{promotion}/state?to=active",
             "coupons": f"{promotion}/coupons", "promotion-builder": "/admin/promotions/new",
             "promotion-builder-bundle": "/admin/promotions/new?kind=bundle",
             "promotion-preview": f"{promotion}/preview?store=S001&lines=CRISPS+3"}
    for width, height in SHOT_SIZES:
        page = browser.new_page(viewport={"width": width, "height": height})
        sign_in(page, url, "admin")
        for name, path in pages.items():
            assert page.goto(url + path).status == 200, path
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{name} at {width}x{height} scrolls sideways by {overflow}px"
            page.screenshot(path=str(shots / f"{name}-{width}x{height}.png"), full_page=True)
        page.close()
