"""Cashiers on the register page in Debian's Chromium at 1024x768: PIN sign-in on the PIN pad, a
wrong PIN, the lock screen, a manager's PIN approving a basket void and a large refund, suspending a
basket and resuming it. Staff and their PINs come from the real server through the feed.
Screenshots go to /tmp/register-shots/."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from pos_agent.checkout.service import Till
from pos_agent.link.http import HttpServerLink
from pos_agent.runtime import Agent, Timing
from pos_agent.web.access import LocalAccess
from pos_agent.web.app import create_app
from server.audit import Actor
from server.services import Services
from server.settings import Settings
from server.staff_pins import set_pin
from tests.conftest import TEST_SECRET
from tests.e2e.test_register_page import CHROMIUM, CHROMIUM_ARGS, COFFEE, WINE
from tests.integration.agent.catalogue import STORE
from tests.integration.agent.live import LiveServer, wait_until
from tests.support.factories import make_staff, make_terminal
from tests.support.wsgi import closing_body

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

BREAD = "4006381333931"
SHOTS = Path("/tmp/register-shots")


@pytest.fixture
def till_with_staff(tmp_path, sqlite_template):
    services = Services.build(Settings.from_values({"data_dir": str(tmp_path), "secret_key": TEST_SECRET,
                                                    "database_url": sqlite_template.copy_to(tmp_path)}))
    server = LiveServer(services)
    server.start()
    server.publish_catalogue()
    for name, role, pin in (("mia", "cashier", "4821"), ("max", "manager", "2580")):
        make_staff(services, name, role)
        with services.db.session() as session:
            set_pin(session, name, pin, services.clock(), Actor.system("test"))
            session.commit()
    agent = Agent.open(tmp_path / "agent", HttpServerLink(make_terminal(services, STORE, "T1"), server.url),
                       Till(STORE, "T1"), timing=Timing(sync_interval=0.2, probe_interval=0.1))
    agent.start()
    wait_until(lambda: agent.mode.online and len(agent.cashiers.staff()) == 2, what="the till synced its staff")
    access = LocalAccess.for_till(tmp_path / "agent", STORE, "T1")
    web = make_server("127.0.0.1", 0, closing_body(create_app(agent, access)), threaded=True)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{web.server_port}/", agent
    web.shutdown()
    agent.stop()
    server.stop()
    services.db.dispose()


@pytest.fixture
def lane():
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1024, "height": 768})
        page.set_default_timeout(10_000)
        yield page
        browser.close()


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-1024x768.png"))


def _scan(page, code):
    page.fill("#scan", code)
    page.press("#scan", "Enter")


def _pin(page, dialog, digits):
    for digit in digits:
        page.click(f"#{dialog} .pinpad button[data-key='{digit}']")
    page.click(f"#{dialog} .pinpad button.ok")


def _sign_in(page, name, pin):
    dialog = page.locator("#signin-dialog")
    expect(dialog).to_be_visible()
    dialog.locator("#signin-staff button", has_text=name).click()
    _pin(page, "signin-dialog", pin)


def test_a_cashier_signs_in_with_the_pin_pad_and_a_manager_approves_a_void_and_a_large_refund(
        till_with_staff, lane):
    url, agent = till_with_staff
    page = lane
    page.goto(url)
    expect(page.locator("#signin-dialog")).to_be_visible()
    expect(page.locator("#cashier")).to_have_text("Nobody signed in")
    _shot(page, "cashier-sign-in")

    _sign_in(page, "mia", "1111")
    expect(page.locator("#signin-error")).to_contain_text("Wrong PIN: 2 tries left")
    _pin(page, "signin-dialog", "4821")
    expect(page.locator("#signin-dialog")).to_be_hidden()
    expect(page.locator("#cashier")).to_have_text("Cashier mia")

    _scan(page, WINE)
    _scan(page, BREAD)
    expect(page.locator("#lines tr.line")).to_have_count(2)
    page.click("#cancel")
    page.click("#cancel")  # voiding takes two taps
    expect(page.locator("#approve-dialog")).to_be_visible()
    expect(page.locator("#approve-what")).to_have_text("Voiding this basket (14.18) needs a manager's PIN.")
    _pin(page, "approve-dialog", "4821")  # one manager is known: picked already; mia's PIN is not it
    expect(page.locator("#approve-error")).to_contain_text("Wrong PIN")
    _shot(page, "cashier-manager-approval")
    _pin(page, "approve-dialog", "2580")
    expect(page.locator("#approve-dialog")).to_be_hidden()
    expect(page.locator("#basket-state")).to_contain_text("Basket voided")
    expect(page.locator("#lines tr.line")).to_have_count(0)

    _scan(page, "5x")
    _scan(page, WINE)
    expect(page.locator("#total")).to_have_text("58.45")  # 5 x 11.69: above the 50.00 refund limit
    page.click("#pay-card")
    page.click("#complete")
    expect(page.locator("#basket-state")).to_contain_text("Sale complete")
    expect(page.locator("#receipt")).to_contain_text("Cashier mia")
    receipt_id = agent.returns.recent(1)[0]["id"]

    _scan(page, receipt_id)  # the receipt's code starts its return
    page.click("#return-all")
    page.click("#refund")
    expect(page.locator("#approve-what")).to_have_text("A refund above the till's limit (58.45) needs a manager's PIN.")
    page.click("#approve-cancel")
    expect(page.locator("#return-error")).to_contain_text("Not approved: nothing was refunded")
    page.click("#refund")
    _pin(page, "approve-dialog", "2580")
    expect(page.locator("#refund-summary")).to_contain_text("Refunded 58.45")
    page.click("#return-dialog button.close")

    page.click("#lock")
    expect(page.locator("#signin-title")).to_have_text("Till locked · mia")
    _shot(page, "cashier-locked")
    _pin(page, "signin-dialog", "4821")
    expect(page.locator("#signin-dialog")).to_be_hidden()
    page.click("#sign-out")
    expect(page.locator("#signin-dialog")).to_be_visible()
    kinds = [e["kind"] for e in _events(agent)]
    assert kinds.count("approval") == 2 and "basket_voided" in kinds and kinds[-1] == "sign_out"


def test_a_completed_sale_is_voided_from_the_return_screen_as_a_full_refund_a_manager_approves(
        till_with_staff, lane):
    url, agent = till_with_staff
    page = lane
    page.goto(url)
    _sign_in(page, "mia", "4821")
    expect(page.locator("#cashier")).to_have_text("Cashier mia")
    _scan(page, WINE)
    _scan(page, BREAD)
    page.click("#pay-cash")
    page.click("#complete")
    expect(page.locator("#basket-state")).to_contain_text("Sale complete")
    sale_id = agent.returns.recent(1)[0]["id"]

    page.keyboard.press("F4")
    page.click("#recent-sales button")
    expect(page.locator("#void-sale-hint")).to_contain_text("gives the customer back everything still on this receipt")
    page.click("#void-sale")
    expect(page.locator("#void-sale")).to_have_text("Tap again: refund all 2 item(s) left")
    _shot(page, "void-sale-confirm")
    page.click("#void-sale")
    expect(page.locator("#approve-what")).to_have_text("Voiding this sale (14.18) needs a manager's PIN.")
    page.click("#approve-cancel")
    expect(page.locator("#return-error")).to_contain_text("Not approved: the sale was not voided")
    page.click("#void-sale")
    page.click("#void-sale")
    _pin(page, "approve-dialog", "2580")
    expect(page.locator("#refund-summary")).to_have_text("Sale voided · refunded 14.18: give back cash 14.18")
    expect(page.locator("#refund-receipt")).to_contain_text("V O I D")
    _shot(page, "void-sale-done")
    assert agent.returns.sale(sale_id)["voided"]

    page.click("#return-dialog button.close")
    page.keyboard.press("F4")
    page.click("#recent-sales button")
    expect(page.locator("#return-error")).to_contain_text("This sale was voided: nothing is left to return.")


def _events(agent):
    from pos_agent.store import journal

    with agent.db.reading() as conn:
        items = [i for status in journal.JournalStatus for i in journal.with_status(conn, status)]
    return sorted((i.body for i in items if i.type == "till_event"), key=lambda body: body["at"])


def test_a_basket_is_suspended_for_the_next_customer_and_resumed_with_its_lines(till_with_staff, lane):
    url, _agent = till_with_staff
    page = lane
    page.goto(url)
    _sign_in(page, "mia", "4821")
    expect(page.locator("#signin-dialog")).to_be_hidden()
    _scan(page, WINE)
    _scan(page, COFFEE)
    expect(page.locator("#total")).to_have_text("26.69")
    page.click("#key-suspend")
    expect(page.locator("#basket-state")).to_contain_text("Basket suspended")
    expect(page.locator("#lines tr.line")).to_have_count(0)
    expect(page.locator("#key-resume")).to_contain_text("Resume (1)")

    _scan(page, BREAD)  # the next customer
    page.click("#pay-cash")
    page.click("#complete")
    expect(page.locator("#basket-state")).to_contain_text("Sale complete")

    page.keyboard.press("F7")
    expect(page.locator("#suspended-list li")).to_have_count(1)
    expect(page.locator("#suspended-list")).to_contain_text("Rioja 0.75l, Coffee beans 1kg")
    _shot(page, "cashier-resume")
    page.click("#suspended-list button")
    expect(page.locator("#lines tr.line")).to_have_count(2)
    expect(page.locator("#total")).to_have_text("26.69")
    expect(page.locator("#key-resume")).to_contain_text("Resume")
    expect(page.locator("#key-resume")).not_to_contain_text("(1)")
    _shot(page, "cashier-resumed")

    page.click("#key-shift")
    page.fill("#shift-float", "100.00")
    page.click("#shift-open-form button[type=submit]")
    expect(page.locator("#basket-state")).to_contain_text("Shift open · float 100.00")
    page.click("#key-nosale")
    page.click("#nosale-reasons button >> text=Float check")
    page.click("#nosale-form button[type=submit]")
    expect(page.locator("#basket-state")).to_contain_text("Drawer opened: Float check")
    page.click("#key-shift")
    page.click("#shift-x")
    expect(page.locator("#shift-report")).to_contain_text("X REPORT")
    expect(page.locator("#shift-report")).to_contain_text("No-sales")
    _shot(page, "cashier-x-report")


@pytest.fixture
def till_locking_when_idle(till_with_staff):
    url, agent = till_with_staff
    agent.cashiers.idle_lock = timedelta(seconds=5)  # the setting, minutes in the field, short for the test
    return url, agent


def test_a_lane_left_alone_locks_itself_and_the_cashier_s_pin_unlocks_it(till_locking_when_idle, lane):
    url, agent = till_locking_when_idle
    page = lane
    page.goto(url)
    _sign_in(page, "mia", "4821")
    expect(page.locator("#cashier")).to_have_text("Cashier mia")
    for _ in range(3):  # a cashier at work: each scan's Enter is input, keeping the lane open
        _scan(page, BREAD)
        page.wait_for_timeout(1000)
    expect(page.locator("#signin-dialog")).to_be_hidden()
    expect(page.locator("#lines tr.line")).to_have_count(3)

    expect(page.locator("#signin-title")).to_have_text("Till locked · mia", timeout=12_000)  # then nobody
    expect(page.locator("#signin-hint")).to_have_text(
        "Locked after 5 s without use. mia's PIN (or a manager's) unlocks the till.")
    assert agent.cashiers.locked
    _shot(page, "cashier-idle-locked")
    _pin(page, "signin-dialog", "4821")
    expect(page.locator("#signin-dialog")).to_be_hidden()
    expect(page.locator("#lines tr.line")).to_have_count(3)  # the basket waited for her
    assert not agent.cashiers.locked
