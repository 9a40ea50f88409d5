"""Open baskets survive an agent restart: a new agent over the same SQLite file finds them as they were.

A restart here is what a crash leaves: the first agent's connection closed with nothing flushed or
handed over in memory, and a new ``Agent`` built over the same file (it does not sync first).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from pos_agent.checkout import codec
from pos_agent.checkout.basket import Basket, Item, MemberAtTill, PointsRedemption, Tender
from pos_agent.checkout.service import Till
from pos_agent.runtime import Agent
from pos_agent.store import journal, sales
from pos_agent.store.database import Database
from tests.integration.agent.catalogue import STORE, definition
from tests.integration.agent.conftest import CARD
from tests.integration.agent.test_checkout_service import BREAD, COFFEE, WINE, _basket, _online_card

BREAD_COUPON = {"id": "PROMO-BREAD-COUPON", "version": 1, "state": "active", "codes": ["BREAD1"],
                "definition": definition(label="Coupon: 1.00 off bread", coupon={"codes": ["BREAD1"]}, rule={
                    "kind": "amount_off", "amount_minor": 100, "scope": {"skus": ["BREAD"]}})}


@pytest.fixture
def restart(fake_link, clock):
    started: list[Agent] = []

    def again(agent: Agent) -> Agent:
        agent.db.close()
        started.append(Agent(Database(agent.db.path), fake_link, Till(STORE, "T1"), clock))
        return started[-1]

    yield again
    for agent in started:
        agent.db.close()


def _saved_ids(agent) -> list[str]:
    with agent.db.reading() as conn:
        return [row["id"] for row in conn.execute("SELECT id FROM baskets ORDER BY rowid")]


def test_an_offline_basket_with_member_coupon_points_and_cash_comes_back_as_it_was_and_completes_exactly(
        agent, fake_link, restart):
    fake_link.publish("promotion", BREAD_COUPON["id"], "upsert", BREAD_COUPON)
    agent.sync_round()
    fake_link.down = True
    basket = _basket(agent, WINE, WINE, COFFEE, BREAD)
    agent.checkout.attach_member(basket["id"], CARD)
    agent.checkout.apply_coupon(basket["id"], "BREAD1")
    agent.checkout.redeem_points(basket["id"], 1000)
    before = agent.checkout.add_tender(basket["id"], "cash", 2000)
    # 2 x 11.69 wine + 12.00 member coffee + 1.49 bread after the coupon; 10.00 in points, 20.00 cash
    assert (before["total"], before["paid"], before["due"], before["mode"]) == (3687, 3000, 687, "offline")
    assert before["coupons"]["accepted"] == ["BREAD1"] and before["points"]["redeemed"] == 1000

    again = restart(agent)

    assert again.checkout.current_basket_id() == basket["id"]
    assert again.checkout.view(basket["id"]) == before
    again.checkout.add_tender(basket["id"], "cash", 1000)
    done = again.checkout.complete(basket["id"])
    assert (done["state"], done["total"], done["paid"], done["change"]) == ("completed", 3687, 3687, 313)
    with again.db.reading() as conn:
        items = journal.unsent(conn, 10)
        offline_redeemed = sales.redemptions(conn, again.checkout.baskets[basket["id"]].member.member_id,
                                             offline=True)
    assert [item.id for item in items] == [done["receipt_id"]]
    body = items[0].body
    assert body["tenders"] == [{"kind": "points", "amount_minor": 1000, "points": 1000},
                               {"kind": "cash", "amount_minor": 2000, "points": 0},
                               {"kind": "cash", "amount_minor": 687, "points": 0}]
    assert (body["coupons"], body["offline"], body["points_redeemed"], body["points_earned"]) == (
        ["BREAD1"], True, 1000, 26)  # (36.87 - 10.00 in points) x 1 point per 1.00
    assert [r.points for r in offline_redeemed] == [1000]
    assert _saved_ids(again) == []
    assert restart(again).checkout.current_basket_id() != basket["id"]  # completed: not reopened


def test_a_sale_that_fails_to_keep_leaves_its_basket_open_and_saved_never_both(agent, restart, monkeypatch):
    basket = _basket(agent, BREAD)
    agent.checkout.add_tender(basket["id"], "cash")

    def full_disk(*args):
        raise OSError("disk full")

    monkeypatch.setattr(sales, "save_receipt", full_disk)  # the last write of the sale's transaction
    with pytest.raises(OSError, match="disk full"):
        agent.checkout.complete(basket["id"])
    with agent.db.reading() as conn:
        assert sales.get_sale(conn, basket["id"]) is None and journal.unsent(conn, 10) == []
    assert _saved_ids(agent) == [basket["id"]]

    monkeypatch.undo()
    again = restart(agent)
    done = again.checkout.complete(again.checkout.current_basket_id())
    assert (done["id"], done["total"]) == (basket["id"], 249)
    assert _saved_ids(again) == []


def test_a_cancelled_basket_is_deleted_at_once_and_its_hold_released(agent, fake_link, restart):
    _online_card(fake_link)
    basket = _basket(agent, WINE, WINE)
    agent.checkout.attach_member(basket["id"], CARD)
    agent.checkout.redeem_points(basket["id"], 1000)
    assert len(fake_link.holds) == 1 and _saved_ids(agent) == [basket["id"]]
    agent.checkout.cancel(basket["id"])
    assert fake_link.holds == {} and _saved_ids(agent) == []
    assert restart(agent).checkout.current_basket_id() != basket["id"]


def test_a_fresh_online_hold_is_kept_across_a_restart_and_one_older_than_ten_minutes_is_dropped_and_released(
        agent, fake_link, clock, restart):
    _online_card(fake_link)
    basket = _basket(agent, WINE, WINE)
    agent.checkout.attach_member(basket["id"], CARD)
    held = agent.checkout.redeem_points(basket["id"], 1000)
    hold_id = held["points"]["hold_id"]

    clock.advance(minutes=5)
    before = agent.checkout.view(basket["id"])
    again = restart(agent)
    assert again.checkout.view(basket["id"]) == before
    assert list(fake_link.holds) == [hold_id]

    clock.advance(minutes=6)  # 11 minutes: the server's 15-minute hold may be gone before the sale arrives
    later = restart(again)
    view = later.checkout.view(basket["id"])
    assert (view["points"]["redeemed"], view["points"]["hold_id"], view["due"]) == (0, None, 2338)
    assert fake_link.holds == {}
    last = restart(later)
    assert last.checkout.view(basket["id"])["points"]["redeemed"] == 0  # the drop was saved
    redeemed = last.checkout.redeem_points(basket["id"], 1000)  # the cashier redeems again: a new hold
    assert list(fake_link.holds) == [redeemed["points"]["hold_id"]] != [hold_id]


def test_an_abandoned_unpaid_basket_is_cancelled_on_start_but_one_with_cash_taken_is_kept(
        agent, clock, restart):
    unpaid = _basket(agent, BREAD)
    paid_part = _basket(agent, WINE, COFFEE)
    agent.checkout.add_tender(paid_part["id"], "cash", 1000)

    clock.advance(hours=24, minutes=1)
    again = restart(agent)

    assert again.checkout.view(unpaid["id"])["state"] == "cancelled"
    assert again.checkout.current_basket_id() == paid_part["id"]
    assert again.checkout.view(paid_part["id"])["paid"] == 1000
    assert _saved_ids(again) == [paid_part["id"]]


def test_an_empty_basket_keeps_its_id_and_the_newest_open_basket_is_the_one_on_the_register(agent, restart):
    parked = _basket(agent, BREAD)
    newest = agent.checkout.open_basket()
    again = restart(agent)
    assert again.checkout.current_basket_id() == newest["id"]
    assert [line["sku"] for line in again.checkout.view(parked["id"])["lines"]] == ["BREAD"]


def test_a_saved_basket_the_agent_cannot_read_is_left_in_place_and_the_till_still_starts(agent, restart, caplog):
    basket = _basket(agent, BREAD)
    with agent.db.transaction() as conn:
        conn.execute("UPDATE baskets SET body = json_remove(body, '$.items[0].sku') WHERE id = ?", (basket["id"],))
    with caplog.at_level(logging.ERROR, logger="pos_agent.checkout.service"):
        again = restart(agent)
    assert "Item.sku is missing" in caplog.text
    assert again.checkout.current_basket_id() != basket["id"]
    assert basket["id"] in _saved_ids(again)


def test_a_basket_reads_back_exactly_and_an_older_shape_of_a_field_falls_back_to_its_default():
    at = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    basket = Basket("b-1", at, offline=True, offline_reason="connection refused",
                    items=[Item("1", "BREAD", "Sourdough bread", 249, "bakery"),
                           Item("2", "CHEESE", "Gouda by weight", 1990, "deli", qty_milli=500)],
                    member=MemberAtTill(CARD, "cache", "m-1", "Ada", "gold", 800, 900, at, ("regulars",)),
                    coupons=["BREAD1"], redemption=PointsRedemption(500, 500, offline=True),
                    tenders=[Tender("cash", 1000, given_minor=2000)], next_line=3)
    body = codec.encode(basket)
    assert codec.decode(Basket, body) == basket
    assert body["opened_at"] == "2026-03-14T09:30:00+00:00"

    body["member"]["segments"] = {"regulars": True}  # a shape this version does not know
    body["a_field_from_a_newer_agent"] = 1
    assert codec.decode(Basket, body).member.segments == ()
    del body["tenders"][0]["amount_minor"]  # money is never guessed: the whole basket is unreadable
    with pytest.raises(codec.Unreadable, match=r"Tender\.amount_minor is missing"):
        codec.decode(Basket, body)


def test_a_new_basket_drops_empty_open_ones_and_the_till_keeps_only_the_newest_finished_baskets(agent, restart):
    from pos_agent.checkout.service import KEEP_FINISHED
    from pos_agent.exceptions import BasketNotFound

    parked = _basket(agent, BREAD)  # something in it: kept open
    empties = [agent.checkout.open_basket()["id"] for _ in range(3)]  # "New sale" pressed three times
    newest = agent.checkout.open_basket()["id"]
    assert _saved_ids(agent) == [parked["id"], newest]
    assert [agent.checkout.view(b)["state"] for b in empties] == ["cancelled"] * 3
    finished = []
    for _ in range(KEEP_FINISHED + 5):
        basket = _basket(agent, BREAD)
        agent.checkout.add_tender(basket["id"], "cash")
        finished.append(agent.checkout.complete(basket["id"])["id"])
    agent.checkout.open_basket()
    with pytest.raises(BasketNotFound):
        agent.checkout.view(finished[0])
    assert agent.checkout.view(finished[-1])["state"] == "completed"
    assert sum(b.state.value != "open" for b in agent.checkout.baskets.values()) == KEEP_FINISHED
    assert restart(agent).checkout.view(parked["id"])["lines"][0]["sku"] == "BREAD"
