"""The register page in the chain's currency: Bahraini dinars have three decimals, yen none.

A real server set to the currency, a real agent synced with it, the page in headless Chromium; cash
is typed as the cashier reads it off the notes and coins.
"""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from pos_agent.checkout.service import Till
from pos_agent.exceptions import NotReady
from pos_agent.link.http import HttpServerLink
from pos_agent.runtime import Agent, Timing
from pos_agent.web.access import LocalAccess
from pos_agent.web.app import create_app
from server.services import Services
from server.settings import Settings
from tests.conftest import TEST_SECRET
from tests.e2e.test_register_page import CHROMIUM, CHROMIUM_ARGS, COFFEE, WINE, _scan
from tests.integration.agent.catalogue import STORE
from tests.integration.agent.live import LiveServer, wait_until
from tests.support.factories import make_terminal
from tests.support.wsgi import closing_body

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect


def _program_currency(agent):
    """The currency of the loyalty rules the till holds; None until its first sync has stored them
    (the till is online as soon as the server answers, before the snapshot is applied)."""
    try:
        return agent.ref.program().currency
    except NotReady:
        return None


def _register(tmp_path, sqlite_template, currency):
    services = Services.build(Settings.from_values({"data_dir": str(tmp_path), "secret_key": TEST_SECRET,
                                                    "database_url": sqlite_template.copy_to(tmp_path),
                                                    "currency": currency}))
    server = LiveServer(services)
    server.start()
    server.publish_catalogue()
    agent = Agent.open(tmp_path / "agent", HttpServerLink(make_terminal(services, STORE, "T1"), server.url),
                       Till(STORE, "T1"), timing=Timing(sync_interval=0.2, probe_interval=0.1))
    agent.start()
    wait_until(lambda: agent.mode.online and _program_currency(agent) == currency, what="the till synced")
    app = create_app(agent, LocalAccess.for_till(tmp_path / "agent", STORE, "T1"))
    web = make_server("127.0.0.1", 0, closing_body(app), threaded=True)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{web.server_port}/", lambda: (web.shutdown(), agent.stop(), server.stop(),
                                                           services.db.dispose())


@pytest.fixture
def chromium_page():
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1024, "height": 768})
        yield page
        browser.close()


def _pay_cash(page, typed):
    page.fill("#tender-amount", typed)
    page.press("#tender-amount", "Enter")


def test_a_cashier_takes_dinars_to_the_fils_and_too_many_decimals_are_refused_in_words(
        tmp_path, sqlite_template, chromium_page):
    url, stop = _register(tmp_path, sqlite_template, "BHD")
    page = chromium_page
    try:
        page.goto(url)
        expect(page.locator("#mode")).to_have_text("ONLINE")
        _scan(page, COFFEE)  # 1500 fils
        expect(page.locator("#total")).to_have_text("1.500")
        expect(page.locator("#currency")).to_have_text("BHD")
        _pay_cash(page, "2.0005")
        expect(page.locator("#error")).to_contain_text("BHD amounts have at most 3 decimals: 2.0005 has 4.")
        expect(page.locator("#paid")).to_have_text("0.000")
        _pay_cash(page, "1.25")  # 1.250: a short decimal means the same money
        expect(page.locator("#due")).to_have_text("0.250")
        _pay_cash(page, "0.3")
        expect(page.locator("#change")).to_have_text("0.050")
        page.screenshot(path=str(tmp_path / "register-bhd.png"))
        page.click("#complete")
        expect(page.locator("#basket-state")).to_contain_text("give change 0.050")
        expect(page.locator("#receipt")).to_contain_text("T O T A L               B H D   1 . 5 0 0")  # large print
        expect(page.locator("#receipt")).to_contain_text("Cash                                 1.250")
        expect(page.locator("#receipt")).to_contain_text("Change                               0.050")
    finally:
        stop()


def test_a_cashier_takes_yen_without_decimals(tmp_path, sqlite_template, chromium_page):
    url, stop = _register(tmp_path, sqlite_template, "JPY")
    page = chromium_page
    try:
        page.goto(url)
        expect(page.locator("#mode")).to_have_text("ONLINE")
        _scan(page, COFFEE)
        _scan(page, WINE)  # 1299 yen less 10 % off wine
        expect(page.locator("#total")).to_have_text("2669")
        _pay_cash(page, "3000.5")
        expect(page.locator("#error")).to_contain_text("JPY amounts have no decimals: type 3000.")
        _pay_cash(page, "3000")
        expect(page.locator("#change")).to_have_text("331")
        page.screenshot(path=str(tmp_path / "register-jpy.png"))
        page.click("#complete")
        expect(page.locator("#receipt")).to_contain_text("J P Y   2 6 6 9")
        expect(page.locator("#receipt")).to_contain_text("Change                                 331")
    finally:
        stop()
