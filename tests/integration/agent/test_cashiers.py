"""Cashiers at the till: PIN sign-in (offline too), lock-out after wrong PINs, the lock screen, the
cashier on every sale and receipt, a manager's PIN for voids and large refunds, suspended baskets,
shifts with X and Z reports, and the no-sale drawer opening. Every till event the journal gets is
one the server's schema accepts."""

from __future__ import annotations

import pytest

from pos_agent.checkout.service import Till
from pos_agent.runtime import Agent
from pos_agent.store import journal
from pos_agent.store.database import Database
from pos_agent.store.journal import JournalStatus
from store_sync.pins import hash_pin
from store_sync.till_events import TillEventBodySchema
from tests.integration.agent.catalogue import STORE
from tests.integration.agent.conftest import CARD
from tests.support.till_api import local_client

MIA, MAX = "0195f0a0-0000-7000-8000-00000000a001", "0195f0a0-0000-7000-8000-00000000a002"
HASHES = {"4821": hash_pin("4821"), "2580": hash_pin("2580")}  # slow by design: made once


def _publish_staff(link):
    link.publish("staff", MIA, "upsert", {"id": MIA, "name": "mia", "role": "cashier", "pin_hash": HASHES["4821"]})
    link.publish("staff", MAX, "upsert", {"id": MAX, "name": "max", "role": "manager", "pin_hash": HASHES["2580"]})


@pytest.fixture
def api(agent, fake_link):
    _publish_staff(fake_link)
    agent.sync_round()
    return local_client(agent)


def _events(agent, kind=None):
    with agent.db.reading() as conn:
        items = journal.with_status(conn, JournalStatus.PENDING)
    events = [i.body for i in items if i.type == "till_event"]
    for event in events:
        TillEventBodySchema().load(event)  # what the server will accept
    return [e for e in events if kind is None or e["kind"] == kind]


def _sign_in(api, staff=MIA, pin="4821"):
    return api.post("/local/v1/session", json={"staff_id": staff, "pin": pin})


def _sale(api, *codes, cash=None):
    basket = api.post("/local/v1/baskets").json["id"]
    for code in codes:
        api.post(f"/local/v1/baskets/{basket}/items", json={"code": code})
    api.post(f"/local/v1/baskets/{basket}/tenders", json={"kind": "cash", "amount_minor": cash})
    return api.post(f"/local/v1/baskets/{basket}/complete").json


def test_once_a_pin_is_known_the_till_needs_a_signed_in_cashier_and_knows_no_pin(api):
    refused = api.post("/local/v1/baskets")
    assert refused.status_code == 403 and refused.json["type"].endswith("/sign-in-required")
    listed = api.get("/local/v1/cashiers").json["cashiers"]
    assert listed == [{"id": MAX, "name": "max", "role": "manager"}, {"id": MIA, "name": "mia", "role": "cashier"}]
    assert "argon2" not in str(api.get("/local/v1/session").json)
    signed = _sign_in(api)
    assert signed.status_code == 200 and signed.json["cashier"]["name"] == "mia"
    assert api.post("/local/v1/baskets").status_code == 201


def test_a_cashier_signs_in_offline_with_the_hash_the_feed_brought(api, fake_link):
    fake_link.down = True
    assert _sign_in(api).status_code == 200
    assert [e["cashier_id"] for e in _events(api.application.extensions["onecard_agent"], "sign_in")] == [MIA]


def test_three_wrong_pins_lock_the_user_out_of_this_till_for_ten_minutes(api, agent, clock):
    first = _sign_in(api, pin="1111")
    assert first.status_code == 403 and first.json["tries_left"] == 2 and "2 tries left" in first.json["detail"]
    assert _sign_in(api, pin="1112").json["tries_left"] == 1
    locked = _sign_in(api, pin="1113")
    assert locked.status_code == 423 and "until 09:40 UTC" in locked.json["detail"]
    assert _sign_in(api).status_code == 423  # even the right PIN, until then
    assert _sign_in(api, MAX, "2580").status_code == 200  # another user may sign in meanwhile
    clock.advance(minutes=10, seconds=1)
    assert _sign_in(api).status_code == 200
    assert [e["kind"] for e in _events(agent) if e["cashier_id"] == MIA] == [
        "sign_in_refused", "sign_in_refused", "locked_out", "sign_in_refused", "sign_in"]


def test_wrong_pins_still_count_after_a_restart(api, agent, fake_link, clock, tmp_path):
    _sign_in(api, pin="1111")
    _sign_in(api, pin="1112")
    agent.db.close()
    again = Agent(Database(tmp_path / "till.sqlite3"), fake_link, Till(STORE, "T1"), clock)
    try:
        assert _sign_in(local_client(again), pin="1113").status_code == 423
    finally:
        again.db.close()


def test_the_cashier_is_on_the_sale_its_receipt_and_a_locked_till_sells_nothing(api, agent):
    _sign_in(api)
    sold = _sale(api, "BREAD")
    assert sold["state"] == "completed"
    with agent.db.reading() as conn:
        [sale] = [i.body for i in journal.with_status(conn, JournalStatus.PENDING) if i.type == "transaction"]
    assert sale["cashier_id"] == MIA and "Cashier mia" in sold["receipt_text"]
    assert api.post("/local/v1/session/lock").json["locked"] is True
    refused = api.post("/local/v1/baskets")
    assert refused.status_code == 403 and "mia (or a manager) unlocks it" in refused.json["detail"]
    assert api.post("/local/v1/session/unlock", json={"pin": "1111"}).status_code == 403
    assert api.post("/local/v1/session/unlock", json={"pin": "4821"}).json["locked"] is False
    api.post("/local/v1/session/sign-out")
    assert api.post("/local/v1/baskets").status_code == 403
    assert [e["kind"] for e in _events(agent)] == ["sign_in", "sign_in_refused", "sign_out"]


def test_voiding_a_basket_with_lines_needs_a_managers_pin_and_names_the_manager(api, agent):
    _sign_in(api)
    basket = api.post("/local/v1/baskets").json["id"]
    api.post(f"/local/v1/baskets/{basket}/items", json={"code": "WINE"})
    needed = api.post(f"/local/v1/baskets/{basket}/cancel")
    assert needed.status_code == 403 and needed.json["type"].endswith("/approval-required")
    own = api.post(f"/local/v1/baskets/{basket}/cancel", json={"approval": {"staff_id": MIA, "pin": "4821"}})
    assert own.status_code == 403 and own.json["type"].endswith("/not-an-approver")
    voided = api.post(f"/local/v1/baskets/{basket}/cancel", json={"approval": {"staff_id": MAX, "pin": "2580"}})
    assert voided.status_code == 200 and voided.json["state"] == "cancelled"
    [approval] = _events(agent, "approval")
    [void] = _events(agent, "basket_voided")
    assert (approval["approver_id"], approval["cashier_id"], approval["amount_minor"]) == (MAX, MIA, 1169)
    assert (void["approver_id"], void["subject"]) == (MAX, basket)
    empty = api.post("/local/v1/baskets").json["id"]
    assert api.post(f"/local/v1/baskets/{empty}/cancel").status_code == 200  # nothing to approve


def test_a_refund_above_the_limit_and_every_void_of_a_sale_need_a_manager(api, agent):
    _sign_in(api)
    small = _sale(api, "BREAD")["receipt_id"]
    large = _sale(api, "COFFEE", "COFFEE", "COFFEE", "COFFEE")["receipt_id"]  # 60.00, above 50.00
    assert api.post(f"/local/v1/transactions/{small}/returns", json={"lines": {"1": 1}}).status_code == 201
    every = {"1": 1, "2": 1, "3": 1, "4": 1}
    needed = api.post(f"/local/v1/transactions/{large}/returns", json={"lines": every})
    assert needed.status_code == 403 and needed.json["amount_minor"] == 6000
    approved = api.post(f"/local/v1/transactions/{large}/returns",
                        json={"lines": every, "approval": {"staff_id": MAX, "pin": "2580"}})
    assert approved.status_code == 201, approved.json
    body = approved.json["transaction"]
    assert (body["approved_by"], body["cashier_id"]) == (MAX, MIA)
    third = _sale(api, "BREAD")["receipt_id"]
    assert api.post(f"/local/v1/transactions/{third}/void").status_code == 403
    assert api.post(f"/local/v1/transactions/{third}/void",
                    json={"approval": {"staff_id": MAX, "pin": "2580"}}).status_code == 201


def test_a_suspended_basket_comes_back_with_its_lines_and_member_also_after_a_restart(api, agent, fake_link,
                                                                                      clock, tmp_path):
    _sign_in(api)
    basket = api.post("/local/v1/baskets").json["id"]
    for code in ("BREAD", "WINE", CARD):
        api.post(f"/local/v1/baskets/{basket}/items", json={"code": code})
    parked = api.post(f"/local/v1/baskets/{basket}/suspend")
    assert parked.status_code == 200 and parked.json["suspended_at"] is not None
    assert api.get("/local/v1/baskets/current").status_code == 404  # the next customer starts afresh
    other = _sale(api, "BREAD")
    assert other["state"] == "completed"
    [listed] = api.get("/local/v1/baskets/suspended").json["baskets"]
    assert (listed["id"], listed["items"], listed["card_number"]) == (basket, 2, CARD)
    agent.db.close()
    again = Agent(Database(tmp_path / "till.sqlite3"), fake_link, Till(STORE, "T1"), clock)
    try:
        api = local_client(again)
        _sign_in(api)
        resumed = api.post(f"/local/v1/baskets/{basket}/resume")
        assert resumed.status_code == 200
        assert [ln["sku"] for ln in resumed.json["lines"]] == ["BREAD", "WINE"]
        assert resumed.json["member"]["card_number"] == CARD
        assert api.get("/local/v1/baskets/current").json["id"] == basket
        assert api.get("/local/v1/baskets/suspended").json["baskets"] == []
        again_refused = api.post(f"/local/v1/baskets/{basket}/resume")
        assert again_refused.status_code == 409
    finally:
        again.db.close()


def test_an_empty_basket_or_one_with_money_taken_is_not_suspended(api):
    _sign_in(api)
    basket = api.post("/local/v1/baskets").json["id"]
    assert api.post(f"/local/v1/baskets/{basket}/suspend").status_code == 409
    api.post(f"/local/v1/baskets/{basket}/items", json={"code": "WINE"})
    api.post(f"/local/v1/baskets/{basket}/tenders", json={"kind": "cash", "amount_minor": 500})
    assert "money was taken" in api.post(f"/local/v1/baskets/{basket}/suspend").json["detail"]


def test_a_shift_opens_with_a_float_and_its_x_and_z_reports_count_the_cashiers_money(api, agent, clock):
    _sign_in(api)
    assert api.post("/local/v1/shift/x-report").status_code == 409  # no shift yet
    opened = api.post("/local/v1/shift", json={"float_minor": 10000})
    assert opened.status_code == 201 and opened.json["float_minor"] == 10000
    assert api.post("/local/v1/shift", json={"float_minor": 10000}).status_code == 409
    _sale(api, "WINE", cash=2000)  # 11.69 (10% off) paid with 20.00 in cash: 8.31 change
    sold = _sale(api, "BREAD", "BREAD")  # 4.98 cash
    api.post(f"/local/v1/transactions/{sold['receipt_id']}/returns", json={"lines": {"1": 1}})  # 2.49 back
    assert api.post("/local/v1/drawer/no-sale", json={"reason": "change for a 50"}).status_code == 201
    assert api.post("/local/v1/drawer/no-sale", json={"reason": " "}).status_code == 409
    x = api.post("/local/v1/shift/x-report").json
    assert (x["sales_count"], x["sales_minor"], x["refunds_count"], x["refunds_minor"]) == (2, 1667, 1, 249)
    assert x["tenders"] == {"cash": 1418} and x["no_sales"] == 1
    assert x["expected_cash_minor"] == 11418 and x["counted_cash_minor"] is None
    _sign_in(api, MAX, "2580")  # another cashier's sale is not in mia's shift
    _sale(api, "BREAD")
    _sign_in(api)
    clock.advance(hours=8)
    z = api.post("/local/v1/shift/close", json={"counted_minor": 11400}).json
    assert (z["kind"], z["expected_cash_minor"], z["counted_cash_minor"], z["difference_minor"]) == (
        "z_report", 11418, 11400, -18)
    assert api.get("/local/v1/session").json["shift"] is None
    [sent] = _events(agent, "z_report")
    assert sent["cashier_id"] == MIA and sent["figures"]["difference_minor"] == -18
    assert [e["reason"] for e in _events(agent, "no_sale")] == ["change for a 50"]
