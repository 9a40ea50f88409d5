"""The agent against the real server over HTTP: online sales, losing the link, coming back, duplicates."""

from __future__ import annotations

import contextlib
import json
import time
import uuid

import pytest

from pos_agent.checkout.service import Till
from pos_agent.exceptions import SnapshotRefused
from pos_agent.link.http import HttpServerLink
from pos_agent.runtime import Agent, Timing
from pos_agent.store import cache, journal
from server.models import PostedTransaction
from server.pricing.products import upsert_products
from tests.integration.agent import catalogue
from tests.integration.agent.catalogue import STORE
from tests.integration.agent.live import wait_until
from tests.support.factories import make_terminal
from tests.support.feed import publish

WINE, COFFEE, BREAD = "4001686301265", "4000417025005", "4006381333931"
QUICK = Timing(sync_interval=0.2, probe_interval=0.1, backoff_base=0.05, backoff_cap=0.5)


@pytest.fixture
def till(live_server, tmp_path):
    credential = make_terminal(live_server.services, STORE, "T1")
    agent = Agent.open(tmp_path / "agent", HttpServerLink(credential, live_server.url), Till(STORE, "T1"),
                       timing=QUICK)
    agent.start()
    wait_until(lambda: agent.mode.online and agent.ref.caught_up_at() is not None, what="first sync")
    yield agent
    agent.stop()


@contextlib.contextmanager
def second_till(live_server, tmp_path, name="T2"):
    """Another till of the store, started and caught up, stopped afterwards."""
    other = Agent.open(tmp_path / name, HttpServerLink(make_terminal(live_server.services, STORE, name),
                                                       live_server.url), Till(STORE, name), timing=QUICK)
    other.start()
    try:
        wait_until(lambda: other.mode.online and other.ref.caught_up_at() is not None, what=f"till {name}")
        yield other
    finally:
        other.stop()


def _acked(agent, count):
    def done():
        with agent.db.reading() as conn:
            return journal.counts(conn)["acked"] == count
    wait_until(done, what=f"{count} journal items acknowledged")


def _sale(agent, card, *codes, points=0):
    basket = agent.checkout.open_basket()
    for code in codes:
        agent.checkout.add_item(basket["id"], code)
    agent.checkout.attach_member(basket["id"], card)
    if points:
        agent.checkout.redeem_points(basket["id"], points)
    agent.checkout.add_tender(basket["id"], "cash")
    return agent.checkout.complete(basket["id"])


def test_an_online_member_sale_reaches_the_server_ledger_with_its_points(live_server, till):
    member_id, card = live_server.enrol(points=5000)
    wait_until(lambda: till.ref.card(card) is not None, what="the card in the feed")
    done = _sale(till, card, WINE, COFFEE, BREAD)  # 11.69 (10% off) + 12.00 (member price) + 2.49
    assert (done["total"], done["points"]["to_earn"], done["points"]["pending"]) == (2618, 26, False)
    assert done["new_balance"] == 5026
    _acked(till, 1)
    assert live_server.account(member_id).balance == 5026


def test_a_till_that_loses_the_server_sells_offline_and_every_point_arrives_exactly_once(live_server, till):
    member_id, card = live_server.enrol(points=5000)
    wait_until(lambda: till.ref.card(card) is not None, what="the card in the feed")
    live_server.stop()
    started = time.monotonic()
    basket = till.checkout.open_basket()
    basket = till.checkout.attach_member(basket["id"], card)
    assert time.monotonic() - started < 1.0
    assert basket["mode"] == "offline" and not till.mode.online

    first = _sale(till, card, WINE, WINE, COFFEE, points=1500)  # 35.38, 15.00 in points, 20.38 cash
    second = _sale(till, card, WINE, WINE, points=500)  # the 2000 offline cap leaves 500
    assert [s["points"]["pending"] for s in (first, second)] == [True, True]
    assert (first["points"]["to_earn"], second["points"]["to_earn"]) == (20, 18)

    live_server.start()
    _acked(till, 2)
    wait_until(lambda: till.mode.online, what="back online")
    assert live_server.account(member_id).balance == 5000 - 1500 + 20 - 500 + 18


def test_an_offline_sale_is_re_priced_with_the_promotions_the_till_had_not_those_published_since(live_server, till):
    with live_server.services.db.session() as session:  # the server sells the wine too, so it prices it
        upsert_products(session, [{**catalogue.WINE, "tax_class": "standard", "excluded_from_points": False,
                                   "active": True}], live_server.services.clock())
        session.commit()
    wait_until(lambda: till.ref.product("WINE") is not None, what="the wine in the feed")
    live_server.stop()
    wait_until(lambda: not till.mode.online, what="the till noticing")
    with till.db.reading() as conn:
        cursor = cache.get_cursor(conn)
    publish(live_server.services.db.engine, ("promotion", "PROMO-WINE-10", "upsert", {
        **catalogue.WINE_DEAL, "version": 3, "definition": catalogue.definition(
            label="25% off wine", rule={"kind": "percent_off", "percent_bp": 2500,
                                        "scope": {"categories": ["wine"]}})}, None))
    basket = till.checkout.add_item(till.checkout.open_basket()["id"], WINE)  # still 10% off: 11.69
    till.checkout.add_tender(basket["id"], "cash")
    sold = till.checkout.complete(basket["id"])
    live_server.start()
    _acked(till, 1)
    with live_server.services.db.session() as session:
        posted = session.get(PostedTransaction, sold["receipt_id"])
        assert (posted.offline, posted.total_minor, posted.body["feed_cursor"]) == (True, 1169, cursor)
        assert posted.outcome["exceptions"] == []  # version 2 as the till had it, not version 3


def test_weighed_and_price_embedded_items_sold_offline_are_re_priced_as_the_till_priced_them(live_server, till):
    live_server.stop()
    wait_until(lambda: not till.mode.online, what="the till noticing")
    # The server sells the cheese too (its PLU is the till's). Added while the till is cut off, so
    # the till sells with the PLU it has, not a barcode-less version it might pull in between.
    with live_server.services.db.session() as session:
        upsert_products(session, [{**catalogue.CHEESE, "barcodes": [], "tax_class": "standard",
                                   "excluded_from_points": False, "active": True}], live_server.services.clock())
        session.commit()
    basket = till.checkout.open_basket()
    till.checkout.add_item(basket["id"], "2812345005002")  # 500 g of cheese at 19.90/kg: 9.95
    till.checkout.add_item(basket["id"], "2912345012991")  # a prepacked piece, its price in the barcode: 12.99
    till.checkout.add_tender(basket["id"], "cash")
    sold = till.checkout.complete(basket["id"])
    assert sold["total"] == 995 + 1299
    live_server.start()
    _acked(till, 1)
    with live_server.services.db.session() as session:
        posted = session.get(PostedTransaction, sold["receipt_id"])
        assert posted.outcome["exceptions"] == []


def test_a_journal_sent_twice_changes_nothing_on_the_server(live_server, till):
    member_id, card = live_server.enrol(points=1000)
    wait_until(lambda: till.ref.card(card) is not None, what="the card in the feed")
    _sale(till, card, WINE, COFFEE)
    _acked(till, 1)
    with till.db.transaction() as conn:  # as if the acknowledgement had been lost
        conn.execute("UPDATE journal SET status = 'pending'")
    till.sender.drain()
    with till.db.reading() as conn:
        items = journal.with_status(conn, journal.JournalStatus.ACKED)
    assert len(items) == 1 and items[0].attempts >= 2  # the background sender may have sent it too
    assert live_server.account(member_id).balance == 1000 + 23


def test_a_rejected_journal_item_is_kept_and_shown_while_later_items_still_go_through(live_server, till):
    member_id, card = live_server.enrol(points=0)
    wait_until(lambda: till.ref.card(card) is not None, what="the card in the feed")
    bogus = {"id": str(uuid.uuid4()), "kind": "return", "store": STORE, "terminal": "T1",
             "at": "2026-03-14T09:30:00+00:00", "lines": [{"line_id": "1", "qty": 1, "paid_minor": 500}],
             "tenders": [{"kind": "cash", "amount_minor": 500}]}  # a return naming no sale never applies
    with till.db.transaction() as conn:
        journal.append(conn, bogus["id"], "transaction", bogus, till.clock())
    _sale(till, card, BREAD)
    _acked(till, 1)
    with till.db.reading() as conn:
        rejected = journal.with_status(conn, journal.JournalStatus.REJECTED)
    assert [(i.id, i.last_error.split(":")[0]) for i in rejected] == [(bogus["id"], "invalid-body")]
    assert till.status()["journal"]["rejected"] == 1
    assert live_server.account(member_id).balance == 2


def test_a_member_enrolled_at_an_offline_till_shops_at_once_and_arrives_on_the_server_with_their_points(
        live_server, till):
    live_server.stop()
    new_card = "2700000001233"
    enrolled = till.checkout.enrol("Olga Offline", new_card, email="olga@example.org")
    done = _sale(till, new_card, WINE, COFFEE)
    assert done["points"]["pending"] is True and done["points"]["to_earn"] == 23
    live_server.start()
    _acked(till, 2)  # the enrolment goes first, then the sale
    assert live_server.account(enrolled["member_id"]).balance == 23
    wait_until(lambda: (till.ref.member(enrolled["member_id"]) or {}).get("tier") == "basic",
               what="the server's record of the member back in the feed")


def test_a_card_that_already_has_a_member_cannot_be_used_to_enrol_again(live_server, till):
    from pos_agent.exceptions import CardAlreadyIssued

    _member_id, card = live_server.enrol(points=0)
    wait_until(lambda: till.ref.card(card) is not None, what="the card in the feed")
    with pytest.raises(CardAlreadyIssued):
        till.checkout.enrol("Someone Else", card)


def test_a_return_at_another_till_finds_the_sale_on_the_server_and_nets_to_zero(live_server, till, tmp_path):
    member_id, card = live_server.enrol(points=1000)
    wait_until(lambda: till.ref.card(card) is not None, what="the card in the feed")
    sold = _sale(till, card, WINE, COFFEE, BREAD)
    _acked(till, 1)
    with second_till(live_server, tmp_path) as other:
        first = other.returns.return_lines(sold["receipt_id"], {"1": 1})
        rest = other.returns.void(sold["receipt_id"])
        assert first["refund_minor"] + rest["refund_minor"] == sold["total"]
        _acked(other, 2)
    assert live_server.account(member_id).balance == 1000


def test_a_till_returning_its_own_sale_knows_what_another_till_already_took_back(live_server, till, tmp_path):
    from pos_agent.exceptions import ReturnRefused

    member_id, card = live_server.enrol(points=1000)
    wait_until(lambda: till.ref.card(card) is not None, what="the card in the feed")
    sold = _sale(till, card, WINE, COFFEE, BREAD)
    _acked(till, 1)
    with second_till(live_server, tmp_path) as other:
        wine_back = other.returns.return_lines(sold["receipt_id"], {"1": 1})
        _acked(other, 1)
    assert till.returns.sale(sold["receipt_id"])["returned"] == {"1": 1}
    with pytest.raises(ReturnRefused):
        till.returns.return_lines(sold["receipt_id"], {"1": 1})  # the wine came back at T2 already
    rest = till.returns.void(sold["receipt_id"])
    assert wine_back["refund_minor"] + rest["refund_minor"] == sold["total"]
    _acked(till, 2)
    assert live_server.account(member_id).balance == 1000


def test_a_receipt_no_till_has_sent_is_not_found_with_a_reason(live_server, till):
    from pos_agent.exceptions import SaleNotFound

    with pytest.raises(SaleNotFound, match="no till of the chain"):
        till.returns.return_lines("01a2169f-0000-7000-8000-000000000000", {"1": 1})


def test_a_till_bootstraps_from_the_real_server_in_small_pages_and_tells_a_refused_page_from_a_lost_link(
        live_server, tmp_path):
    members = [live_server.enrol(points) for points in (100, 200, 300)]
    link = HttpServerLink(make_terminal(live_server.services, STORE, "T7"), live_server.url)
    with pytest.raises(SnapshotRefused):
        link.snapshot("bm9wZQ", 5)  # a token this server never issued
    agent = Agent.open(tmp_path / "agent", link, Till(STORE, "T7"), timing=QUICK)
    agent.puller.snapshot_page_size = 3
    agent.sync_round()
    whole = link.snapshot(None, 5000)
    with agent.db.reading() as conn:
        held = {(r["entity_type"], r["entity_id"]): r["seq"] for r in conn.execute("SELECT * FROM entities")}
        cards = {r["number"]: r["member_id"] for r in conn.execute("SELECT * FROM cards")}
        assert cache.get_cursor(conn) == whole.cursor
    items = json.loads(whole.text)["items"]  # the link leaves them in the answer's text
    assert held == {(i["entity_type"], i["entity_id"]): i["seq"] for i in items} and len(held) > 3 * 3
    assert cards == dict((number, member_id) for member_id, number in members)
    agent.db.close()
