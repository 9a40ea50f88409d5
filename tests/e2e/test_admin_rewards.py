"""The back office's Rewards page in Chromium at a tablet's 1024x768: a marketer adds a free product
for points and sees it listed. Screenshots go to /tmp/admin-shots/."""

# ruff: noqa: F811 - the tests take the fixtures imported from test_admin_ui by name

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_admin_ui import backoffice, browser, sign_in  # noqa: F401

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
SHOTS = Path("/tmp/admin-shots")


def test_a_marketer_adds_a_free_product_reward_and_sees_it_listed(backoffice, browser):
    url, _chain, _services = backoffice
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    sign_in(page, url, "marketing")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Rewards").click()
    expect(page.locator("h1")).to_have_text("Rewards")
    page.get_by_label("Name on the till and the receipt").fill("Free crisps")
    page.get_by_label("Kind").select_option("free_product")
    page.get_by_label("Points it costs").fill("300")
    page.get_by_label("Product free (code)").fill("CRISPS")
    page.get_by_label("Per member, at most").fill("1")
    page.get_by_label("Period").select_option("week")
    page.get_by_role("button", name="Save reward").click()
    expect(page.locator(".flash.success")).to_have_text("Free crisps is saved (active).")
    row = page.locator("tbody tr", has_text="Free crisps")
    expect(row).to_contain_text("CRISPS free")
    expect(row).to_contain_text("1 per week")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 1024  # no sideways scrolling
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "rewards-1024x768.png"), full_page=True)
