"""The register page in headless Chromium, served by a real agent synced with the real server."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager

import pytest
from werkzeug.serving import make_server

from pos_agent.checkout.service import Till
from pos_agent.link.http import HttpServerLink
from pos_agent.runtime import Agent, Timing
from pos_agent.web.access import LocalAccess
from pos_agent.web.app import create_app
from server.services import Services
from server.settings import Settings
from tests.conftest import TEST_SECRET
from tests.integration.agent.catalogue import STORE
from tests.integration.agent.live import LiveServer, wait_until
from tests.support.factories import make_terminal
from tests.support.wsgi import closing_body

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WINE, COFFEE, CIGARETTES = "4001686301265", "4000417025005", "4002515289693"


@pytest.fixture
def register_url(tmp_path, sqlite_template):
    services = Services.build(Settings.from_values({"data_dir": str(tmp_path), "secret_key": TEST_SECRET,
                                                    "database_url": sqlite_template.copy_to(tmp_path)}))
    server = LiveServer(services)
    server.start()
    server.publish_catalogue()
    member_id, card = server.enrol(points=5000)
    agent = Agent.open(tmp_path / "agent", HttpServerLink(make_terminal(services, STORE, "T1"), server.url),
                       Till(STORE, "T1"), timing=Timing(sync_interval=0.2, probe_interval=0.1))
    agent.start()
    wait_until(lambda: agent.mode.online and agent.ref.card(card) is not None, what="the till synced")
    access = LocalAccess.for_till(tmp_path / "agent", STORE, "T1")  # the key made at first start, as the CLI does
    web = make_server("127.0.0.1", 0, closing_body(create_app(agent, access)), threaded=True)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{web.server_port}/", card, server, member_id, (agent, access)
    web.shutdown()
    agent.stop()
    server.stop()
    services.db.dispose()


@pytest.fixture
def page():
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser.new_page()
        browser.close()


def _scan(page, code):
    page.fill("#scan", code)
    page.press("#scan", "Enter")


def test_a_cashier_sells_to_a_member_with_member_price_discount_labels_and_points(register_url, page):
    url, card, server, member_id, _agent = register_url
    expect = playwright_api.expect
    page.goto(url)
    expect(page.locator("#mode")).to_have_text("ONLINE")

    _scan(page, "4006381333938")  # a mistyped check digit
    expect(page.locator("#error")).to_contain_text("check digit should be 1")
    _scan(page, COFFEE)
    _scan(page, WINE)
    expect(page.locator("#lines tr.line")).to_have_count(2)
    expect(page.locator("#error")).to_be_hidden()
    expect(page.locator("#lines")).to_contain_text("10% off wine")
    expect(page.locator("#total")).to_have_text("26.69")  # 15.00 + 11.69, no member yet

    page.fill("#card", card)
    page.press("#card", "Enter")
    expect(page.locator("#member")).to_contain_text("5000 points available")
    expect(page.locator("#lines")).to_contain_text("Member price 12.00")
    expect(page.locator("#total")).to_have_text("23.69")
    expect(page.locator("#points-earned")).to_have_text("23")

    page.click("#pay-cash")
    expect(page.locator("#due")).to_have_text("0.00")
    page.click("#complete")
    receipt = page.locator("#receipt")
    expect(receipt).to_contain_text("Points earned")
    expect(receipt).to_contain_text("+23")
    expect(receipt).to_contain_text("5023")
    wait_until(lambda: server.account(member_id).balance == 5023, what="the sale on the server")


def test_a_line_that_earns_no_points_shows_why_under_it(register_url, page):
    url = register_url[0]
    page.goto(url)
    _scan(page, WINE)
    _scan(page, CIGARETTES)
    playwright_api.expect(page.locator("#lines tr.no-points")).to_have_count(1)
    playwright_api.expect(page.locator("#lines tr.no-points")).to_have_text("tobacco earns no points")


def test_a_reloaded_register_page_shows_the_open_basket_rather_than_starting_another(register_url, page):
    url, *_ = register_url
    expect = playwright_api.expect
    page.goto(url)
    expect(page.locator("#redeemed")).to_have_text("0 (0.00)")  # a basket is on the page: scans have a target
    for count, code in enumerate((COFFEE, WINE), start=1):
        _scan(page, code)
        expect(page.locator("#lines tr.line")).to_have_count(count)

    page.reload()  # what a register shows after the agent restarted: the basket from /baskets/current
    expect(page.locator("#lines tr.line")).to_have_count(2)
    expect(page.locator("#total")).to_have_text("26.69")
    page.click("#new-sale")
    expect(page.locator("#lines tr.line")).to_have_count(0)


def _slow_first(app, *suffixes, seconds):
    """The agent's web app, answering the first request to each path suffix late (a busy till)."""
    pending = set(suffixes)

    def wrapped(environ, start_response):
        late = next((sfx for sfx in pending if environ["PATH_INFO"].endswith(sfx)), None)
        if late is not None:
            pending.discard(late)
            time.sleep(seconds)
        return app(environ, start_response)

    return wrapped


@contextmanager
def _slowly_served(register_url, *suffixes, seconds):
    """The register's URL on a server of its own whose first request to each path suffix is answered late."""
    *_, (agent, access) = register_url
    web = make_server("127.0.0.1", 0, closing_body(_slow_first(create_app(agent, access), *suffixes, seconds=seconds)),
                      threaded=True)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{web.server_port}/"
    finally:
        web.shutdown()


def test_scans_made_while_the_basket_loads_or_an_answer_is_slow_all_land_in_scan_order(register_url, page):
    with _slowly_served(register_url, "/baskets/current", "/baskets", "/items", seconds=0.5) as url:
        page.goto(url)
        for code in (WINE, COFFEE, WINE):  # the first waits for the basket, the second for the slow first
            _scan(page, code)
        playwright_api.expect(page.locator("#lines tr.line")).to_have_count(3)
        skus = page.locator("#lines tr.line").evaluate_all("rows => rows.map(r => r.dataset.sku)")
        assert skus == ["WINE", "COFFEE", "WINE"]
        assert page.locator("#error").is_hidden()


def test_the_same_code_scanned_again_while_its_first_answer_is_slow_is_added_twice_not_glued(register_url, page):
    """A keyboard-wedge scanner types into the item field while the previous scan is on its way."""
    with _slowly_served(register_url, "/items", seconds=0.5) as url:
        page.goto(url)
        playwright_api.expect(page.locator("#mode")).to_have_text("ONLINE")
        for _ in range(2):
            page.locator("#scan").press_sequentially(COFFEE + "\n")
        page.wait_for_function(
            "() => [...document.querySelectorAll('#lines tr.line td:nth-child(2)')]"
            ".reduce((n, td) => n + Number(td.textContent), 0) === 2")
        assert page.locator("#error").is_hidden()
        assert page.input_value("#scan") == ""


def test_a_refused_code_comes_back_into_the_item_field_for_the_cashier_to_correct(register_url, page):
    page.goto(register_url[0])
    playwright_api.expect(page.locator("#mode")).to_have_text("ONLINE")
    _scan(page, "5901234123457")  # a well-formed EAN-13 this store does not sell
    playwright_api.expect(page.locator("#error")).to_be_visible()
    assert page.input_value("#scan") == "5901234123457"
    playwright_api.expect(page.locator("#error-text")).to_contain_text("No product with code 5901234123457")
    playwright_api.expect(page.locator("#lines tr.line")).to_have_count(0)


def test_a_scan_made_while_the_page_still_asks_who_is_signed_in_waits_for_the_basket(register_url, page):
    """The page starts by asking for the session, then for the open basket: a scan made meanwhile
    (the till shows ONLINE already) lands in the basket once it is there."""
    with _slowly_served(register_url, "/session", seconds=1.0) as url:
        page.goto(url)
        playwright_api.expect(page.locator("#mode")).to_have_text("ONLINE")
        _scan(page, COFFEE)
        playwright_api.expect(page.locator("#lines tr.line")).to_have_count(1)
        assert page.locator("#error").is_hidden()


def test_a_card_typed_while_the_page_starts_keeps_its_field_and_attaches_the_member(register_url, page):
    """The page's start ends by focusing the item field, but not away from a field the cashier is in."""
    _, card, *_ = register_url
    with _slowly_served(register_url, "/session", seconds=1.0) as url:
        page.goto(url)
        playwright_api.expect(page.locator("#mode")).to_have_text("ONLINE")
        # Typed while the start still waits for the session; it ends by asking for parked baskets.
        with page.expect_response(lambda response: response.url.endswith("/baskets/suspended")):
            page.fill("#card", card)
        assert page.evaluate("document.activeElement.id") == "card" and page.input_value("#card") == card
        page.keyboard.press("Enter")
        playwright_api.expect(page.locator("#member")).to_contain_text("Ada Member")
        assert page.input_value("#scan") == ""
