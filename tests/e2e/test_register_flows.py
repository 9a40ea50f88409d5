"""A cashier's working day on the register page, in Debian's Chromium at 1024x768 and on a touch
screen: corrections, finding an item by name, a price check, returns from the receipt's code (this
till's and another till's), and the offline state. Screenshots go to /tmp/register-shots/."""

# ruff: noqa: F811 - the tests take the ``register_url`` fixture imported from test_register_page by name

from __future__ import annotations

from pathlib import Path

import pytest

from pos_agent.checkout.service import Till
from pos_agent.link.http import HttpServerLink
from pos_agent.runtime import Agent, Timing
from tests.e2e.test_register_page import CHROMIUM, CHROMIUM_ARGS, COFFEE, WINE, register_url  # noqa: F401
from tests.integration.agent.catalogue import STORE
from tests.integration.agent.live import wait_until
from tests.support.factories import make_terminal
from tests.support.feed import publish

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

BREAD = "4006381333931"
SHOTS = Path("/tmp/register-shots")


@pytest.fixture
def browser():
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def lane(browser):
    """The register at a lane: a 1024x768 screen, keyboard and keyboard-wedge scanner."""
    return browser.new_page(viewport={"width": 1024, "height": 768})


@pytest.fixture
def touch(browser):
    """The register on a 1280x800 touch screen: every action a tap."""
    return browser.new_context(viewport={"width": 1280, "height": 800}, has_touch=True).new_page()


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.screenshot(path=str(SHOTS / f"{name}-{size['width']}x{size['height']}.png"))


def _scan(page, code):
    page.fill("#scan", code)
    page.press("#scan", "Enter")


def _line(page, name):
    return page.locator("#lines tr.line", has_text=name)


def _pay_and_complete(page):
    page.click("#pay-cash")
    expect(page.locator("#due")).to_have_text("0.00")
    page.click("#complete")
    expect(page.locator("#basket-state")).to_contain_text("Sale complete")


def test_a_cashier_corrects_a_basket_with_the_quantity_key_the_line_keys_and_finds_an_item_by_name(
        register_url, lane):
    url, *_ = register_url
    page = lane
    page.goto(url)
    expect(page.locator("#mode")).to_have_text("ONLINE")

    _scan(page, "3x")  # the quantity key, then the scan
    expect(page.locator("#qty-pending")).to_have_text("3 ×")
    _scan(page, COFFEE)
    expect(_line(page, "Coffee beans").locator("td").nth(1)).to_have_text("3")
    expect(page.locator("#total")).to_have_text("45.00")
    expect(page.locator("#qty-pending")).to_be_hidden()

    _scan(page, BREAD)
    expect(page.locator("#total")).to_have_text("47.49")
    expect(page.locator("#selected-line")).to_have_text("Sourdough bread × 1")  # the newest line
    page.press("#scan", "+")  # in the empty item field: one more of the selected line
    expect(page.locator("#total")).to_have_text("49.98")

    _line(page, "Coffee beans").click()
    page.click("#qty-minus")
    expect(_line(page, "Coffee beans").locator("td").nth(1)).to_have_text("2")
    expect(page.locator("#total")).to_have_text("34.98")
    page.press("#scan", "Delete")  # the selected coffee line goes
    expect(page.locator("#lines tr.line")).to_have_count(1)
    expect(page.locator("#total")).to_have_text("4.98")
    expect(page.locator("#basket-state")).to_have_text("Line removed")

    page.keyboard.press("F2")  # the barcode will not scan: find the wine by name
    page.fill("#find-text", "rioja")
    expect(page.locator("#find-results button")).to_have_count(1)
    expect(page.locator("#find-results")).to_contain_text("Rioja 0.75l")
    _shot(page, "find-item")
    page.press("#find-text", "ArrowDown")
    page.keyboard.press("Enter")
    expect(page.locator("#find-dialog")).not_to_be_visible()
    expect(page.locator("#lines tr.line")).to_have_count(2)
    expect(page.locator("#total")).to_have_text("16.67")  # 4.98 + 12.99 less 10% off wine
    expect(page.locator("#lines")).to_contain_text("10% off wine")
    assert page.evaluate("document.activeElement.id") == "scan"

    page.keyboard.press("F3")  # a price check adds nothing
    page.fill("#price-code", COFFEE)
    page.press("#price-code", "Enter")
    expect(page.locator("#price-result")).to_contain_text("Coffee beans 1kg")
    expect(page.locator("#price-result .price-now")).to_have_text("15.00 each")
    _shot(page, "price-check")
    page.keyboard.press("Escape")
    expect(page.locator("#lines tr.line")).to_have_count(2)
    _shot(page, "corrected-basket")


def test_with_a_dozen_lines_pay_and_complete_stay_in_sight_at_1024x768(register_url, lane):
    url, *_ = register_url
    page = lane
    page.goto(url)
    for count in range(1, 13):
        _scan(page, BREAD if count % 2 else WINE)
        expect(page.locator("#lines tr.line")).to_have_count(count)
    for button in ("#pay-cash", "#pay-card", "#complete", "#cancel"):
        box = page.locator(button).bounding_box()
        assert box["y"] + box["height"] <= 768 and box["height"] >= 44, button
    assert page.evaluate("document.scrollingElement.scrollHeight") <= 768  # the page itself never scrolls
    _shot(page, "twelve-lines")


def _wedge(page, code):
    """A USB keyboard-wedge scanner: fast keystrokes ending in Enter, wherever the focus is."""
    page.keyboard.type(code, delay=4)
    page.keyboard.press("Enter")


def test_keyboard_wedge_scans_reach_the_item_field_wherever_the_focus_was(register_url, lane):
    url, card, *_ = register_url
    page = lane
    page.goto(url)
    expect(page.locator("#mode")).to_have_text("ONLINE")
    page.fill("#card", card)
    page.press("#card", "Enter")  # the card typed in its field: focus goes back to the item field
    expect(page.locator("#member")).to_contain_text("Ada Member")
    _wedge(page, COFFEE)
    expect(page.locator("#lines tr.line")).to_have_count(1)
    expect(page.locator("#card")).to_have_value("")

    _line(page, "Coffee beans").click()  # focus on a line, then a scan
    _wedge(page, WINE)
    expect(page.locator("#lines tr.line")).to_have_count(2)
    page.click("#pay-card")  # focus on a button, then a scan
    _wedge(page, BREAD)
    expect(page.locator("#lines tr.line")).to_have_count(3)
    assert page.evaluate("document.activeElement.id") == "scan"

    page.click("#new-sale")
    _wedge(page, card)  # a member card scanned at the item field attaches the member
    expect(page.locator("#member")).to_contain_text("Ada Member")
    expect(page.locator("#lines tr.line")).to_have_count(0)
    _shot(page, "wedge-scans")


def test_errors_speak_money_not_cents_and_a_refused_redemption_stays_until_read(register_url, lane):
    url, card, *_ = register_url
    page = lane
    page.goto(url)
    _scan(page, COFFEE)
    page.fill("#card", card)
    page.press("#card", "Enter")
    expect(page.locator("#redeemable")).to_contain_text("Can redeem now: 500–600 points")  # half of 12.00
    page.fill("#tender-amount", "10.00")
    page.click("#pay-cash")
    page.click("#complete")
    expect(page.locator("#error-text")).to_have_text("Still to pay: 2.00. Take cash or card first.")
    page.keyboard.press("Escape")
    expect(page.locator("#error")).to_be_hidden()

    page.fill("#points", "300")
    page.press("#points", "Enter")
    expect(page.locator("#error-text")).to_contain_text("Points not redeemed")
    page.click("#pay-card")  # another tap does not wipe an unread error
    expect(page.locator("#due")).to_have_text("0.00")
    expect(page.locator("#error")).to_be_visible()
    _shot(page, "redemption-refused")
    page.click("#error-ok")
    expect(page.locator("#error")).to_be_hidden()


def test_a_cashier_returns_a_line_by_scanning_the_receipt_code_and_sees_the_refund_receipt(register_url, lane):
    url, card, _server, _member_id, (agent, _access) = register_url
    page = lane
    page.goto(url)
    for code in (WINE, BREAD, COFFEE):
        _scan(page, code)
    page.fill("#card", card)
    page.press("#card", "Enter")
    expect(page.locator("#total")).to_have_text("26.18")  # 11.69 + 2.49 + 12.00 member price
    assert page.evaluate("document.activeElement.id") == "scan"  # the next scan reaches the item field
    _shot(page, "member-basket")
    _pay_and_complete(page)
    expect(page.locator("#lines tr.line")).to_have_count(0)  # the next sale started by itself
    sale_id = agent.returns.recent()[0]["id"]
    expect(page.locator("#receipt")).to_contain_text(sale_id)
    _shot(page, "sale-complete")

    _scan(page, sale_id)  # the receipt's code, scanned at the item prompt
    rows = page.locator("#return-rows tr")
    expect(rows).to_have_count(3)
    rows.filter(has_text="Rioja").locator("button.more").click()
    expect(page.locator("#refund")).to_have_text("Refund 1 item(s)")
    _shot(page, "return-lines")
    page.click("#refund")
    expect(page.locator("#refund-summary")).to_have_text(  # the sale's 26 points shared by amount: 12 for the wine
        "Refunded 11.69: give back cash 11.69 · 12 points taken off the card")
    expect(page.locator("#refund-receipt")).to_contain_text(sale_id)
    expect(page.locator("#refund-receipt")).to_contain_text("Rioja 0.75l")
    _shot(page, "refund-receipt")
    page.keyboard.press("Escape")
    wait_until(lambda: agent.status()["journal"]["pending"] == 0, what="sale and return sent")

    _scan(page, sale_id)  # the same receipt again: the wine has come back already
    wine = page.locator("#return-rows tr", has_text="Rioja")
    expect(wine).to_contain_text("1 back")
    expect(wine).to_contain_text("nothing left")


@pytest.mark.parametrize(("store", "terminal"), [(STORE, "T2"), ("B2", "T7")], ids=["same-store", "other-store"])
def test_a_cashier_refunds_a_sale_of_another_till_found_on_the_server_by_its_code(register_url, touch, tmp_path,
                                                                                   store, terminal):
    url, _card, server, _member_id, _agent = register_url
    credential = make_terminal(server.services, store, terminal)
    if store != STORE:  # the other store's own record on the feed, as the back office publishes it
        publish(server.services.db.engine, ("store", store, "upsert", {"code": store, "name": "OneCard Market Bonn",
                                                                      "timezone": "Europe/Berlin"}, store))
    other = Agent.open(tmp_path / "agent-other", HttpServerLink(credential, server.url),
                       Till(store, terminal), timing=Timing(sync_interval=0.2, probe_interval=0.1))
    other.start()
    try:
        wait_until(lambda: other.mode.online and other.ref.product("BREAD") is not None, what="the other till synced")
        basket = other.checkout.open_basket()["id"]
        for code in (BREAD, BREAD):
            other.checkout.add_item(basket, code)
        other.checkout.add_tender(basket, "card")
        sale_id = other.checkout.complete(basket)["receipt_id"]
        wait_until(lambda: other.status()["journal"]["pending"] == 0, what="T2's sale on the server")
    finally:
        other.stop()

    page = touch
    page.goto(url)
    expect(page.locator("#mode")).to_have_text("ONLINE")
    page.tap("#key-return")
    page.fill("#return-code", sale_id)
    page.tap("#return-form button[type=submit]")
    expect(page.locator("#return-sale")).to_contain_text(f"store {store}, till {terminal}")
    page.tap("#return-all")
    _shot(page, f"return-{store}-{terminal}")
    page.tap("#refund")
    # the money goes back to the tender that paid
    expect(page.locator("#refund-summary")).to_have_text("Refunded 4.98: give back card 4.98")
    _shot(page, f"refund-{store}-{terminal}")


def test_offline_the_page_says_so_and_a_members_points_are_pending_within_the_offline_allowance(
        register_url, touch):
    url, card, server, _member_id, (agent, _access) = register_url
    page = touch
    page.goto(url)
    expect(page.locator("#mode")).to_have_text("ONLINE")
    expect(page.locator("#link-state")).to_be_hidden()
    server.stop()
    try:
        wait_until(lambda: not agent.mode.online, what="the till offline")
        expect(page.locator("#mode")).to_have_text("OFFLINE")
        expect(page.locator("#link-state")).to_contain_text("keep selling")
        page.tap("#new-sale")  # a basket opened offline
        for code in (COFFEE, COFFEE, WINE):
            _scan(page, code)
        page.fill("#card", card)
        page.tap("#card-form button[type=submit]")
        expect(page.locator("#error")).to_be_hidden()
        expect(page.locator("#member")).to_contain_text("Ada Member")
        expect(page.locator("#basket-state")).to_contain_text("points earned are pending")
        expect(page.locator("#points-earned")).to_have_text("35 pending")  # 12.00 + 12.00 + 11.69
        expect(page.locator("#redeemable")).to_contain_text("500–1700 points (offline allowance)")
        _shot(page, "offline-basket")
        page.fill("#points", "1800")  # above what may be spent here, now: the field itself refuses it
        page.tap("#points-form button[type=submit]")
        assert page.locator("#points").evaluate("field => field.validity.rangeOverflow")
        expect(page.locator("#redeemed")).to_have_text("0 (0.00)")
        page.fill("#points", "1700")  # the whole offline allowance
        page.tap("#points-form button[type=submit]")
        expect(page.locator("#redeemed")).to_have_text("1700 (17.00)")
        expect(page.locator("#due")).to_have_text("18.69")  # 35.69 less 17.00 of points
        page.tap("#pay-card")
        page.tap("#complete")
        expect(page.locator("#basket-state")).to_contain_text("Sale complete")
        expect(page.locator("#receipt")).to_contain_text("Points redeemed                      -1700")
        expect(page.locator("#receipt")).to_contain_text("(pending)")
        _shot(page, "offline-redeemed")
    finally:
        server.start()
