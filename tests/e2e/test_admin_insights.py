"""In headless Chromium: marketing finds bundles and "for you" picks from the menu, follows each run until
its results show, and makes a draft from a row in one click; screenshots at a laptop's size.
The figures are worked out in tests/integration/admin_ui/insights_baskets.py."""

from __future__ import annotations

import pytest

from tests.e2e.test_admin_ui import backoffice, browser, sign_in  # noqa: F401  (fixtures)
from tests.e2e.test_admin_ui_simulation_dashboard import shots_dir
from tests.integration.admin_ui.insights_baskets import seed_baskets

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect


@pytest.fixture
def baskets(backoffice):  # noqa: F811
    _url, chain, services = backoffice
    seed_baskets(services, chain)
    return backoffice


def open_insights(page, url: str) -> None:
    page.goto(f"{url}/admin/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name='Bundles and "for you"').click()
    expect(page.locator("h1")).to_have_text('Bundles and "for you" offers')


def test_marketing_mines_bundles_and_makes_a_draft_bundle_in_one_click(baskets, browser):  # noqa: F811
    url, _chain, _services = baskets
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, url, "marketing")
    open_insights(page, url)
    bundles = page.get_by_role("form", name="Products bought together")
    bundles.get_by_label("Weeks of sales").fill("8")
    bundles.get_by_label("Baskets with both, at least").fill("5")
    bundles.get_by_role("button", name="Find bundles").click()
    row = page.locator("#bundle-suggestions tbody tr")
    expect(row).to_have_count(1, timeout=30_000)  # the run page reloads itself until the job is done
    assert "/admin/insights/runs/" in page.url
    expect(row).to_contain_text("Crisps")
    for figure in ("60.0 %", "85.7 %", "100.0 %", "1.43", "€3.15", "€2.10"):
        expect(row).to_contain_text(figure)
    page.screenshot(path=str(shots_dir() / "insights-bundles-1280x800.png"), full_page=True)
    row.get_by_role("button", name="Make a draft bundle of Crisps and Dip").click()
    expect(page.locator("h1")).to_contain_text("Crisps + Dip bundle")
    expect(page.get_by_text("Crisps + Dip bundle is saved as a draft.")).to_be_visible()


def test_marketing_picks_for_members_and_drafts_a_personal_offer_in_one_click(baskets, browser):  # noqa: F811
    url, _chain, _services = baskets
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, url, "marketing")
    open_insights(page, url)
    picks = page.get_by_role("form", name='"For you" picks')
    picks.get_by_label("Weeks of history").fill("8")
    picks.get_by_label("Recent weeks").fill("2")
    picks.get_by_label("Chain baskets with both, at least").fill("5")
    picks.get_by_role("button", name="Pick for members").click()
    rows = page.locator("#for-you-proposals tbody tr")
    expect(rows).to_have_count(2, timeout=30_000)
    water = rows.filter(has_text="Water")
    expect(water).to_contain_text("1 used to buy it and stopped")
    expect(rows.filter(has_text="Dip")).to_contain_text("1 buy what goes with it")
    page.screenshot(path=str(shots_dir() / "insights-for-you-1280x800.png"), full_page=True)
    water.get_by_label("% off").fill("15")
    water.get_by_role("button", name="Make a draft offer on Water").click()
    expect(page.get_by_text("For you: Water is saved as a draft.")).to_be_visible()
    expect(page.locator("h1")).to_contain_text("For you: Water")
