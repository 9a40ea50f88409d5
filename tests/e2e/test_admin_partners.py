"""Partner pages in headless Chromium at a laptop's size: create a partner, issue a key, settle, revoke."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.e2e.test_admin_ui import backoffice, browser, sign_in  # noqa: F401  (fixtures)

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect


def _earn(url: str, key: str, card: str, amount: int) -> int:
    body = json.dumps({"reference": str(uuid.uuid4()), "card_number": card, "amount_minor": amount}).encode()
    request = urllib.request.Request(f"{url}/api/v1/partner/earn", data=body, method="POST", headers={
        "Content-Type": "application/json", "X-OneCard-Partner-Key": key})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as refused:
        return refused.code


def _fits(page, name: str, shots: Path) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px"
    page.screenshot(path=str(shots / f"{name}-1280x800.png"), full_page=True)


def test_an_admin_sets_up_a_partner_issues_a_key_sees_the_settlement_and_revokes_the_key(
        backoffice, browser, tmp_path):  # noqa: F811
    url, chain, _services = backoffice
    shots = Path(os.environ.get("ONECARD_SCREENSHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, url, "admin")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Partners").click()
    expect(page.locator("h1")).to_have_text("Partner merchants")
    page.get_by_label("Code").fill("CINEMA")
    page.get_by_label("Name").fill("Odeon Cinemas")
    page.get_by_label("Points members earn").fill("1")
    page.get_by_label("For every").fill("1.00")
    page.get_by_label("Partner pays the chain").fill("0.80")
    page.get_by_label("Chain pays the partner").fill("1.00")
    page.get_by_role("button", name="Create partner").click()
    expect(page.locator(".flash.success")).to_contain_text("Partner CINEMA created")
    expect(page.locator("h1")).to_contain_text("Odeon Cinemas")

    page.get_by_label("Earn: credit points on the partner's sales").check()
    page.get_by_role("button", name="Issue key").click()
    key = page.get_by_label("Key of CINEMA").input_value()
    _fits(page, "partner-key-issued", shots)
    assert _earn(url, key, chain.card, 2550) == 201  # 25 points

    page.get_by_role("link", name="Back to Odeon Cinemas").click()
    _fits(page, "partner", shots)
    page.get_by_role("link", name="Settlement by month").click()
    this_month = page.locator("table:has(caption) tbody tr").last
    expect(this_month).to_contain_text("25")
    expect(page.locator("#whole-period")).to_contain_text("€0.20")  # 25 x 0.80 per 100
    _fits(page, "partner-settlement", shots)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert "Partner owes (EUR)" in Path(download.value.path()).read_text()

    page.get_by_role("link", name="Odeon Cinemas").click()
    page.locator("table tbody tr", has_text=key.split(".")[0]).get_by_role("link", name="Revoke…").click()
    page.get_by_label("Reason (for the audit log)").fill("key pasted in a support ticket")
    page.get_by_label(f"Stop key {key.split('.')[0]} working now").check()
    page.get_by_role("button", name="Revoke key").click()
    expect(page.locator(".flash.success")).to_contain_text("is revoked")
    expect(page.locator("table tbody tr", has_text=key.split(".")[0])).to_contain_text("revoked")
    assert _earn(url, key, chain.card, 1000) == 401

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Partners").click()
    _fits(page, "partners", shots)
