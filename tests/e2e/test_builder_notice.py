"""Marketing writes a notice into a promotion in the back-office builder, in headless Chromium."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from server.models import PromotionRecord, PromotionVersion
from tests.e2e.test_admin_ui import backoffice, browser, sign_in  # noqa: F401  (fixtures)

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect


def test_marketing_adds_a_notice_with_its_channels_in_the_builder(backoffice, browser, tmp_path):  # noqa: F811
    url, _chain, services = backoffice
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, url, "marketing")
    page.goto(f"{url}/admin/promotions/new")
    page.locator("#p-label").fill("Crisps 20 % off for gold")
    page.locator("#p-kind").select_option("percent_off")
    page.locator("#p-percent").fill("20")
    page.locator("#p-scope_skus").fill("CRISPS")
    page.locator("input[name=tiers][value=gold]").check()
    page.get_by_label("Message when it is published").fill("Crisps 20 % off for you this week.")
    page.locator("input[name=notice_channels][value=email]").check()
    section = page.locator("section[aria-labelledby=b-notice-h]")
    section.scroll_into_view_if_needed()
    shots = Path(os.environ.get("ONECARD_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    section.screenshot(path=str(shots / "builder-notice-1280x800.png"))
    page.get_by_role("button", name="Save as draft and preview").click()
    expect(page.locator("body")).to_contain_text("is saved as a draft (version 1)")
    with services.db.session() as session:
        newest = session.scalars(select(PromotionRecord).order_by(PromotionRecord.created_at.desc())).first()
        definition = session.get(PromotionVersion, (newest.id, 1)).definition
    assert definition["notice"] == {"text": "Crisps 20 % off for you this week.", "channels": ["email"]}
