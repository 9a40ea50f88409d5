"""The register page in headless Chromium with devices: health badges, scans arriving from the
scanner, a receipt the printer could not take reprinted with the page's button, and a new card
scanned into the enrolment form."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from devices.simulators.escpos_decode import decode
from devices.simulators.printer_sink import PrinterSink
from devices.simulators.scanner_sim import ScannerSimulator
from loyalty.cards import CardNumberScheme
from pos_agent.web.app import create_app
from tests.devices_support.fixtures import free_port
from tests.integration.agent.live import wait_until
from tests.integration.agent_devices.conftest import CARD
from tests.support.till_api import till_access
from tests.support.wsgi import closing_body

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
BREAD = "4006381333931"


@pytest.fixture
def page():
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser.new_page()
        browser.close()


@pytest.fixture
def register(agent):
    web = make_server("127.0.0.1", 0, closing_body(create_app(agent, till_access())), threaded=True)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{web.server_port}/"
    web.shutdown()


def test_the_register_shows_device_health_takes_scans_and_reprints_a_kept_receipt(
        agent, with_devices, pty_pair, register, page):
    expect = playwright_api.expect
    port = free_port()
    manager = with_devices({"scanner": {"port": pty_pair.host_end},
                            "printer": {"kind": "network", "address": f"127.0.0.1:{port}", "timeout": 0.5}})
    wait_until(lambda: manager.scanner.connected.is_set(), timeout=5, what="the scanner port open")
    page.goto(register)
    expect(page.locator("#device-scanner")).to_have_text(f"scanner: connected: {pty_pair.host_end}")
    expect(page.locator("#device-printer")).to_contain_text("printer: offline")
    expect(page.locator("#device-printer")).to_have_class("device problem")
    expect(page.locator("#device-card_reader")).to_have_text("reader: not configured")
    expect(page.locator("#total")).to_have_text("0.00")  # the page's basket is open

    with ScannerSimulator(pty_pair.scanner_end) as scanner:
        scanner.scan(BREAD)
        expect(page.locator("#lines tr.line")).to_have_count(1)
        scanner.scan("4006381333932")
        expect(page.locator("#device-notice")).to_contain_text("check digit should be 1")
    page.click("#pay-cash")
    page.click("#complete")
    expect(page.locator("#receipt")).to_contain_text("Sourdough bread")
    expect(page.locator("#kept")).to_contain_text("1 receipt(s) not printed")

    with PrinterSink(port=port) as sink:  # the printer is back
        page.click("#reprint")
        expect(page.locator("#kept")).to_be_hidden()
        assert "Sourdough bread 2.49" in [" ".join(line.split()) for line in decode(sink.wait_jobs(1)[0]).text_lines]


def test_a_new_card_scanned_while_the_enrolment_form_is_open_goes_into_its_card_field(
        agent, with_devices, pty_pair, register, page):
    expect = playwright_api.expect
    new_card = CardNumberScheme("27").number_for(2001)
    manager = with_devices({"scanner": {"port": pty_pair.host_end}})
    wait_until(lambda: manager.scanner.connected.is_set(), timeout=5, what="the scanner port open")
    page.goto(register)
    expect(page.locator("#total")).to_have_text("0.00")
    page.click("#key-enrol")
    expect(page.locator("#enrol-dialog")).to_be_visible()
    wait_until(lambda: manager.health.claim_until is not None, timeout=5, what="the form's claim on cards")

    with ScannerSimulator(pty_pair.scanner_end) as scanner:
        scanner.scan(new_card)  # the card handed over, on the serial scanner
        expect(page.locator("#enrol-card")).to_have_value(new_card)
        assert page.evaluate("document.activeElement.id") == "enrol-name"
        expect(page.locator("#member")).to_have_text("No member card")  # not attached: it has no member yet
        page.keyboard.type("Eve Serial")
        page.click("#enrol-submit")
        expect(page.locator("#basket-state")).to_contain_text(f"Eve Serial enrolled with card {new_card}")
        expect(page.locator("#member")).to_contain_text(f"Card {new_card} · Eve Serial")
        wait_until(lambda: manager.health.claim_until is None, timeout=5, what="the claim released on closing")

        page.click("#new-sale")
        expect(page.locator("#member")).to_have_text("No member card")
        scanner.scan(CARD)  # the form closed: a member card scanned attaches to the basket again
        expect(page.locator("#member")).to_contain_text(f"Card {CARD}")
