"""In headless Chromium: marketing simulates a promotion on past sales (at once, and as a job the page
follows), HQ filters the dashboard; both pages at a laptop's and a tablet's size, with screenshots."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from server.app import create_app
from server.pricing import simulation
from server.reports.rollups import run_rollups
from tests.e2e.test_admin_ui import backoffice, browser, sign_in  # noqa: F401  (fixtures)
from tests.support.factories import make_terminal
from tests.support.tills import Till

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
SIZES = ((1280, 800), (1024, 768), (768, 1024))


@pytest.fixture
def past_sales(backoffice):  # noqa: F811
    """Two sales of crisps posted by a till: 3 days ago with Ada's card (2 x 1.50), 10 days ago without (1.50)."""
    _url, chain, services = backoffice
    till = Till(create_app(services=services).test_client(), make_terminal(services, "S001", "T2"), "S001", "T2",
                services.clock)
    now = services.clock()
    for days, qty, card in ((3, 2, chain.card), (10, 1, None)):
        answer = till.sale([{"line_id": "1", "sku": "CRISPS", "qty": qty, "paid_minor": 150 * qty}], card=card,
                           at=now - timedelta(days=days), offline=True)
        assert answer.status_code == 201, answer.json
    run_rollups(now + timedelta(minutes=5))
    return backoffice


def shots_dir() -> Path:
    shots = Path(os.environ.get("ONECARD_SCREENSHOTS") or "/tmp/backoffice16-shots")
    shots.mkdir(parents=True, exist_ok=True)
    return shots


def test_marketing_simulates_the_draft_on_past_sales_at_once_and_as_a_job(past_sales, browser, monkeypatch):  # noqa: F811
    url, chain, _services = past_sales
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, url, "marketing")
    page.goto(f"{url}/admin/promotions/{chain.promotion_id}")
    page.get_by_role("link", name="Simulate on past sales").click()
    page.get_by_label("Weeks of past sales").select_option("4")
    page.get_by_role("button", name="Simulate").click()
    result = page.locator("#simulation-result")
    expect(result.locator("#r-discount")).to_contain_text("€0.45")  # 10 % of 3.00 and of 1.50
    expect(result.locator("#r-sales")).to_contain_text("2of 2 sales")
    expect(result.locator("#r-members")).to_contain_text("1")
    expect(result.locator("tbody tr", has_text="Crisps")).to_contain_text("€0.45")
    page.screenshot(path=str(shots_dir() / "simulation-result-1280x800.png"), full_page=True)

    monkeypatch.setattr(simulation, "INLINE_SALES", 0)  # the live server runs in this process
    page.get_by_label("Weeks of past sales").select_option("1")
    page.get_by_role("button", name="Simulate").click()
    expect(page.locator("#simulation-result #r-discount")).to_contain_text("€0.30", timeout=30_000)
    assert "/simulation/0" in page.url  # the job's own page (ids are UUIDv7), reloaded until the result came
    expect(page.locator("h2", has_text="Version 1 over 1 week")).to_be_visible()


def test_hq_filters_the_dashboard_by_store_and_days(past_sales, browser):  # noqa: F811
    url, _chain, services = past_sales
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, url, "hq")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(page.locator("#t-sales")).to_contain_text("€4.50")
    expect(page.locator("#t-share")).to_contain_text("66.67 %")  # 3.00 of 4.50 with a card
    expect(page.locator("figure.chart svg")).to_have_count(4)
    today = services.clock().date()
    page.get_by_label("From", exact=True).fill(str(today - timedelta(days=5)))
    page.get_by_label("Store", exact=True).select_option("S001")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#t-sales")).to_contain_text("€3.00")
    expect(page.locator("h1")).to_contain_text("store S001")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename == "chain-days.csv"


def test_the_simulation_and_dashboard_pages_fit_a_laptop_and_a_tablet(past_sales, browser):  # noqa: F811
    url, chain, _services = past_sales
    for width, height in SIZES:
        page = browser.new_page(viewport={"width": width, "height": height})
        sign_in(page, url, "admin")
        page.goto(f"{url}/admin/promotions/{chain.promotion_id}/simulation")
        page.get_by_role("button", name="Simulate").click()
        expect(page.locator("#simulation-result")).to_be_visible()
        for name in ("simulation", "dashboard"):
            if name == "dashboard":
                assert page.goto(f"{url}/admin/dashboard").status == 200
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{name} at {width}x{height} scrolls sideways by {overflow}px"
            page.screenshot(path=str(shots_dir() / f"{name}-{width}x{height}.png"), full_page=True)
        page.close()
