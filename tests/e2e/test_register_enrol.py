"""Enrolling a member at the register, in Debian's Chromium at 1024x768: the new card scanned into
the form, a misread card number and a card already in use refused in the cashier's words, and the
new member attached to the sale on screen, online and with the link cut. Screenshots go to
/tmp/register-shots/."""

# ruff: noqa: F811 - the tests take the ``register_url`` and ``till_with_staff`` fixtures imported by name

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from pos_agent.store import journal
from server.models import Member
from tests.e2e.test_register_cashiers import _pin, _sign_in, till_with_staff  # noqa: F401
from tests.e2e.test_register_page import CHROMIUM, CHROMIUM_ARGS, COFFEE, register_url  # noqa: F401
from tests.integration.agent.live import wait_until

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

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
    """The same 1024x768 screen as a touch screen: every action a tap."""
    return browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True).new_page()


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.screenshot(path=str(SHOTS / f"{name}-{size['width']}x{size['height']}.png"))


def _scan(page, code):
    page.fill("#scan", code)
    page.press("#scan", "Enter")


def _wedge(page, code):
    """A USB keyboard-wedge scanner: fast keystrokes ending in Enter, wherever the focus is."""
    page.keyboard.type(code, delay=4)
    page.keyboard.press("Enter")


def _new_card(agent, serial):
    """A pre-printed card of the chain's range that no member has yet."""
    number = agent.ref.program().card_scheme.number_for(serial)
    assert agent.ref.card(number) is None
    return number


def _misread(number):
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def _server_member(server, agent, number, what):
    """The member the server made from the till's enrolment, once the journal went up."""
    member_id = agent.ref.card(number)["member_id"]

    def found():
        with server.services.db.session() as session:
            member = session.get(Member, uuid.UUID(member_id))
            return None if member is None else (member.name, member.phone, member.email, dict(member.consents))
    wait_until(lambda: found() is not None, timeout=15, what=what)
    return found()


def test_a_cashier_enrols_a_customer_on_a_new_card_and_the_sale_goes_on_with_the_member(register_url, lane):
    url, card, server, _member_id, (agent, _access) = register_url
    page = lane
    page.goto(url)
    expect(page.locator("#mode")).to_have_text("ONLINE")
    _scan(page, COFFEE)
    expect(page.locator("#lines tr.line")).to_have_count(1)
    new_card = _new_card(agent, 880001)

    page.keyboard.press("F10")
    expect(page.locator("#enrol-dialog")).to_be_visible()
    assert page.evaluate("document.activeElement.id") == "enrol-card"
    page.click("#enrol-submit")  # nothing typed: both missing things said at once
    expect(page.locator("#enrol-error")).to_contain_text("Scan the new card or type its number.")
    expect(page.locator("#enrol-error")).to_contain_text("Type the member's name.")

    _wedge(page, _misread(new_card))  # a misread card lands in the card field; Enter moves on to the name
    expect(page.locator("#enrol-card")).to_have_value(_misread(new_card))
    assert page.evaluate("document.activeElement.id") == "enrol-name"
    page.keyboard.type("Bea Newcomer")
    page.click("#enrol-submit")
    error = page.locator("#enrol-error")
    expect(error).to_contain_text(f"Card number {_misread(new_card)} is not one of our cards: the last digit "
                                  "does not match (misread or mistyped). Scan the card again or check the digits.")
    page.click("#consent-sms")  # a tap elsewhere in the form: the message stays until the next try
    page.click("#consent-sms")
    expect(error).to_be_visible()
    _shot(page, "enrol-misread-card")

    page.fill("#enrol-card", card)  # the card of a member already
    page.click("#enrol-submit")
    expect(error).to_contain_text(f"Card {card} already belongs to a member: hand over a new card.")

    page.click("#enrol-phone")  # the new card scanned with the focus in the phone field still reaches the card field
    _wedge(page, new_card)
    expect(page.locator("#enrol-card")).to_have_value(new_card)
    expect(page.locator("#enrol-phone")).to_have_value("")
    expect(page.locator("#enrol-name")).to_have_value("Bea Newcomer")
    page.fill("#enrol-phone", "07946 0958")  # a national number: the server would refuse it later
    page.fill("#enrol-email", "bea@example")
    page.click("#enrol-submit")
    expect(error).to_contain_text("Phone needs a country code")
    expect(error).to_contain_text("E-mail must look like name@example.com")
    expect(page.locator("#enrol-phone")).to_have_attribute("aria-invalid", "true")
    _shot(page, "enrol-contact-errors")
    page.fill("#enrol-phone", "+44 20 7946 0958")
    page.fill("#enrol-email", "bea@example.com")
    expect(page.locator("#enrol-phone")).not_to_have_attribute("aria-invalid", "true")  # corrected
    expect(error).to_contain_text("Phone needs a country code")  # the message stays until the next try
    page.click("#consent-email")
    _shot(page, "enrol-form")
    page.click("#enrol-submit")

    expect(page.locator("#enrol-dialog")).to_be_hidden()
    expect(page.locator("#basket-state")).to_have_text(
        f"Bea Newcomer enrolled with card {new_card} · attached to this sale")
    expect(page.locator("#member")).to_contain_text(f"Card {new_card} · Bea Newcomer")
    expect(page.locator("#lines tr.line")).to_have_count(1)  # the sale went on
    assert page.evaluate("document.activeElement.id") == "scan"
    _shot(page, "enrol-attached")
    page.click("#pay-cash")
    page.click("#complete")
    expect(page.locator("#basket-state")).to_contain_text("Sale complete")
    expect(page.locator("#receipt")).to_contain_text(new_card[-4:])

    name, phone, email, consents = _server_member(server, agent, new_card, "the enrolment on the server")
    assert (name, phone, email) == ("Bea Newcomer", "+442079460958", "bea@example.com")
    assert consents == {"marketing_email": True, "marketing_sms": False, "profiling": False}


def test_with_the_link_cut_a_member_is_enrolled_offline_and_the_server_gets_them_when_it_returns(
        register_url, touch):
    url, _card, server, _member_id, (agent, _access) = register_url
    page = touch
    page.goto(url)
    expect(page.locator("#mode")).to_have_text("ONLINE")
    new_card = _new_card(agent, 880002)
    server.stop()
    try:
        wait_until(lambda: not agent.mode.online, what="the till offline")
        expect(page.locator("#mode")).to_have_text("OFFLINE")
        page.tap("#new-sale")
        _scan(page, COFFEE)
        page.tap("#key-enrol")
        expect(page.locator("#enrol-dialog")).to_be_visible()
        page.fill("#enrol-card", new_card)
        page.tap("#enrol-submit")
        expect(page.locator("#enrol-error")).to_have_text("Type the member's name.")
        expect(page.locator("#enrol-name")).to_have_attribute("aria-invalid", "true")
        page.fill("#enrol-name", "Cy Offline")
        page.tap("#enrol-submit")
        expect(page.locator("#enrol-dialog")).to_be_hidden()
        expect(page.locator("#basket-state")).to_have_text(
            f"Cy Offline enrolled with card {new_card} · attached to this sale · enrolled offline: "
            "the server will get it when the link returns")
        expect(page.locator("#member")).to_contain_text(f"Card {new_card} · Cy Offline")
        _shot(page, "enrol-offline")
        page.tap("#pay-card")
        page.tap("#complete")
        expect(page.locator("#basket-state")).to_contain_text("Sale complete")
        expect(page.locator("#receipt")).to_contain_text("(pending)")

        page.tap("#key-enrol")  # the same card again, still offline: the till knows it is taken
        page.fill("#enrol-card", new_card)
        page.fill("#enrol-name", "Someone Else")
        page.tap("#enrol-submit")
        expect(page.locator("#enrol-error")).to_contain_text(f"Card {new_card} already belongs to a member")
        page.tap("#enrol-dialog button.close")
    finally:
        server.start()
    name, phone, email, _consents = _server_member(server, agent, new_card, "the offline enrolment on the server")
    assert (name, phone, email) == ("Cy Offline", None, None)


def test_enrolling_needs_a_signed_in_cashier_and_the_enrolment_names_them(till_with_staff, lane):
    url, agent = till_with_staff
    page = lane
    page.goto(url)
    _sign_in(page, "mia", "4821")
    expect(page.locator("#signin-dialog")).to_be_hidden()
    new_card = _new_card(agent, 880003)

    page.keyboard.press("F10")
    page.fill("#enrol-card", new_card)
    page.fill("#enrol-name", "Dee Locked")
    agent.cashiers.lock()  # locked meanwhile (another screen, the idle timer): the agent refuses
    page.click("#enrol-submit")
    expect(page.locator("#signin-title")).to_have_text("Till locked · mia")
    expect(page.locator("#enrol-dialog")).to_be_hidden()
    assert agent.ref.card(new_card) is None
    page.keyboard.press("F10")  # the function key does nothing while the till is locked
    expect(page.locator("#enrol-dialog")).to_be_hidden()

    _pin(page, "signin-dialog", "4821")
    expect(page.locator("#signin-dialog")).to_be_hidden()
    page.click("#key-enrol")
    page.fill("#enrol-card", new_card)
    page.fill("#enrol-name", "Dee Unlocked")
    page.click("#enrol-submit")
    expect(page.locator("#member")).to_contain_text(f"Card {new_card} · Dee Unlocked")
    mia = next(s.id for s in agent.cashiers.staff() if s.name == "mia")
    with agent.db.reading() as conn:
        enrolled = [i.body for status in journal.JournalStatus for i in journal.with_status(conn, status)
                    if i.type == "enrolment"]
    assert [(e["name"], e["card_number"], e["cashier_id"]) for e in enrolled] == [("Dee Unlocked", new_card, mia)]
