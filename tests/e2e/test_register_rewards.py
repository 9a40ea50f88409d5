"""Taking a reward on the register page, in Debian's Chromium at 1024x768: the member's rewards are
offered as buttons, a tap takes one, the discount shows under its line, and the server credits the
same points. Screenshots go to /tmp/register-shots/."""

# ruff: noqa: F811 - the tests take the ``register_url`` fixture imported from test_register_page by name

from __future__ import annotations

import pytest

from server.pricing.products import upsert_products
from tests.e2e.test_register_flows import BREAD, _shot, browser, lane  # noqa: F401
from tests.e2e.test_register_page import register_url  # noqa: F401
from tests.integration.agent import catalogue
from tests.integration.agent.live import wait_until
from tests.support.factories import login, make_staff

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect


def _reward(server, headers, label, rule) -> str:
    created = server.app.test_client().post("/api/v1/rewards", headers=headers,
                          json={"label": label, "state": "active", "rule": rule})
    assert created.status_code == 201, created.json
    return created.json["id"]


def test_a_cashier_takes_a_free_bread_for_points_and_the_server_credits_the_same(register_url, lane):
    url, card, server, member_id, (agent, _access) = register_url
    with server.services.db.session() as session:
        upsert_products(session, [{**catalogue.BREAD, "tax_class": "standard", "active": True,
                                   "excluded_from_points": False}], server.services.clock())
        session.commit()
    make_staff(server.services, "mia", "marketing")
    marketer = login(server.app.test_client(), "mia")
    bread = _reward(server, marketer, "Free bread", {"reward": "free_product", "points": 250, "sku": "BREAD"})
    _reward(server, marketer, "Big voucher", {"reward": "voucher", "points": 6000, "amount_minor": 6000})
    wait_until(lambda: agent.ref.catalogue().get(bread) is not None, what="the reward on the till")
    page = lane
    page.goto(url)
    for count in (1, 2):
        page.fill("#scan", BREAD)
        page.press("#scan", "Enter")
        expect(page.locator("#lines tr.line")).to_have_count(count)
    expect(page.locator("#rewards-hint")).to_have_text("Attach a member card to see the rewards they can take")
    page.fill("#card", card)
    page.press("#card", "Enter")
    # 5000 points: the free bread is offered, the 6000-point voucher is not.
    offered = page.locator("#rewards-offered button")
    expect(offered).to_have_count(1)
    expect(offered).to_contain_text("Take Free bread")
    expect(offered).to_contain_text("250 pts")
    _shot(page, "reward-offered")
    offered.click()
    expect(page.locator("#rewards-taken li")).to_have_text("Free bread · 250 pts · -2.49✕")
    expect(page.locator("#lines tr.saving")).to_have_text("Free bread-2.49")  # the dearer (first) bread
    expect(page.locator("#total")).to_have_text("2.49")
    expect(page.locator("#rewards-hint")).to_have_text("Rewards spend 250 points")
    for button in ("#pay-cash", "#complete", "#rewards-taken button"):
        box = page.locator(button).bounding_box()
        assert box["y"] + box["height"] <= 768 and box["height"] >= 44, button
    assert page.evaluate("document.scrollingElement.scrollHeight") <= 768
    _shot(page, "reward-taken")
    page.click("#pay-cash")
    expect(page.locator("#due")).to_have_text("0.00")
    page.click("#complete")
    expect(page.locator("#receipt")).to_contain_text("Free bread")
    # 5000 - 250 for the bread + 2 points on 2.49 paid.
    wait_until(lambda: server.account(member_id).balance == 4752, what="the sale on the server")
