"""The programme, tax-class, till-PIN and till-event pages in headless Chromium on a live server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.test_admin_ui import backoffice, browser, sign_in  # noqa: F401  (fixtures)
from tests.integration.admin_ui.test_tills_and_taxes_pages import till_event, z_figures
from tests.support.factories import PASSWORD

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
SHOT_SIZES = ((1280, 800), (768, 1024))


def programme_via_api(page, url: str) -> dict:
    """What the API says is in force, asked as a client of the API would."""
    token = page.request.post(f"{url}/api/v1/auth/token",
                              data={"username": "hq", "password": PASSWORD}).json()["access_token"]
    return page.request.get(f"{url}/api/v1/programme", headers={"Authorization": f"Bearer {token}"}).json()


def test_marketing_makes_a_new_programme_version_and_the_api_has_it_in_force(backoffice, browser):  # noqa: F811
    url, _chain, _services = backoffice
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, url, "marketing")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Loyalty programme").click()
    expect(page.locator("#in-force-h")).to_have_text("In force now: version 1")
    page.get_by_role("link", name="Make a new version…").click()
    expect(page.get_by_label("Per amount paid (EUR)")).to_have_value("1.00")
    page.get_by_label("Per amount paid (EUR)").fill("2.00")
    page.get_by_label("Tier 2 from").fill("400.00")
    page.get_by_role("button", name="Review the changes").click()
    expect(page.locator("#review-changes")).to_contain_text("Base earning: 1 point per €1.00 paid, rounded down "
                                                            "per sale → 1 point per €2.00 paid")
    assert programme_via_api(page, url)["current"]["number"] == 1  # reviewed, not yet saved
    page.get_by_role("button", name="Save as version 2").click()
    expect(page.locator(".flash.success")).to_contain_text("Version 2 is saved: in force now")
    changes = page.locator("#changes")
    expect(changes).to_contain_text("Base earning: 1 point per €1.00 paid, rounded down per sale → "
                                    "1 point per €2.00 paid")
    expect(changes).to_contain_text("Tier silver: from €500.00, points ×1.25 → from €400.00, points ×1.25")
    shown = programme_via_api(page, url)
    assert shown["current"]["number"] == 2
    assert shown["current"]["programme"]["earning"]["per_amount_minor"] == 200


def test_an_invalid_value_is_shown_beside_its_field_and_nothing_changes(backoffice, browser):  # noqa: F811
    url, _chain, _services = backoffice
    page = browser.new_page(viewport={"width": 768, "height": 1024})
    sign_in(page, url, "marketing")
    page.goto(f"{url}/admin/programme/new")
    page.get_by_label("Most of a basket points may pay (%)").fill("150")
    page.get_by_label("Points earned").fill("two")
    page.get_by_role("button", name="Review the changes").click()
    expect(page.locator(".flash.error")).to_contain_text("nothing was saved")
    expect(page.locator("#g-earn_points-error")).to_have_text("Points earned: write a whole number, e.g. 500.")
    expect(page.get_by_label("Points earned")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Points earned").fill("1")
    page.get_by_role("button", name="Review the changes").click()  # now the programme's own rule speaks
    expect(page.locator("#g-max_share-error")).to_have_text(
        "Most of a basket points may pay (%): points cannot pay more than the whole basket.")
    expect(page.get_by_label("Most of a basket points may pay (%)")).to_have_value("150")
    assert programme_via_api(page, url)["current"]["number"] == 1


def test_a_cashier_reads_the_programme_but_cannot_reach_its_form(backoffice, browser):  # noqa: F811
    url, _chain, _services = backoffice
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, url, "cashier")
    page.goto(f"{url}/admin/programme")
    expect(page.locator("#in-force-h")).to_have_text("In force now: version 1")
    expect(page.get_by_role("link", name="Make a new version…")).to_have_count(0)
    response = page.goto(f"{url}/admin/programme/new")
    assert response.status == 403
    expect(page.locator("main")).to_contain_text("Your role (cashier) may not open this page.")


def test_the_programme_form_without_its_csrf_token_is_refused(backoffice, browser):  # noqa: F811
    url, _chain, _services = backoffice
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, url, "marketing")
    page.goto(f"{url}/admin/programme/new")
    page.locator("form.builder input[name=csrf_token]").evaluate("input => input.remove()")
    page.get_by_label("Per amount paid (EUR)").fill("5.00")
    page.get_by_role("button", name="Review the changes").click()
    expect(page.locator("h1")).to_have_text("400 · Bad Request")
    assert programme_via_api(page, url)["current"]["number"] == 1


def test_the_new_pages_fit_a_laptop_and_a_tablet_without_sideways_scrolling(backoffice, browser):  # noqa: F811
    url, chain, services = backoffice
    shots = Path(os.environ.get("ONECARD_SCREENSHOTS") or "/tmp/admin16-shots")
    shots.mkdir(parents=True, exist_ok=True)
    till_event(services, "no_sale", 2, "cashier", reason="change for the float")
    till_event(services, "locked_out", 3, "cashier", terminal="T2")
    till_event(services, "z_report", 1, "cashier", figures=z_figures(21_800, 22_000))
    pages = {"programme": "/admin/programme", "programme-form": "/admin/programme/new",
             "programme-version": "/admin/programme/versions/1", "tax-classes": "/admin/tax-classes",
             "staff-pin": "/admin/staff/cashier/pin", "till-events": "/admin/till-events",
             "promotion-simulations": f"/admin/promotions/{chain.promotion_id}"}
    for width, height in SHOT_SIZES:
        page = browser.new_page(viewport={"width": width, "height": height})
        sign_in(page, url, "admin")
        for name, path in pages.items():
            assert page.goto(url + path).status == 200, path
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{name} at {width}x{height} scrolls sideways by {overflow}px"
            page.screenshot(path=str(shots / f"{name}-{width}x{height}.png"), full_page=True)
        page.goto(url + "/admin/programme/new")
        page.get_by_label("Points earned").fill("many")
        page.get_by_role("button", name="Review the changes").click()
        page.screenshot(path=str(shots / f"programme-form-invalid-{width}x{height}.png"), full_page=True)
        page.get_by_label("Points earned").fill("1")
        page.get_by_label("Offline allowance (points per till)").fill("1500")
        page.get_by_role("button", name="Review the changes").click()
        expect(page.locator("#review-changes")).to_contain_text("Offline allowance: 2,000 points")
        page.screenshot(path=str(shots / f"programme-form-review-{width}x{height}.png"), full_page=True)
        page.close()
