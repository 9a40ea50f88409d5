"""A real till against the real server: told it is revoked, it shows it and stops redeeming points;
suspended, it is refused points at the lane and sells on; its heartbeat keeps its last contact fresh
in the sync-health report even when it reads no feed."""

from __future__ import annotations

from datetime import datetime

import pytest
import requests

from pos_agent.checkout.service import Till
from pos_agent.exceptions import RedemptionRefused, TillRevoked
from pos_agent.link.http import HttpServerLink
from pos_agent.runtime import Agent, Timing
from pos_agent.store import journal
from server.models import PostedTransaction
from server.pricing.products import upsert_products
from tests.integration.agent.catalogue import BREAD, STORE
from tests.integration.agent.live import wait_until
from tests.support.factories import PASSWORD, make_staff, make_terminal
from tests.support.till_api import local_client

WINE, COFFEE, BREAD_EAN = "4001686301265", "4000417025005", "4006381333931"
QUICK = Timing(sync_interval=0.2, probe_interval=0.1, backoff_base=0.05, backoff_cap=0.5, heartbeat_interval=0.2)


def _staff(live_server, role: str) -> dict[str, str]:
    make_staff(live_server.services, f"{role}-user", role)
    token = requests.post(f"{live_server.url}/api/v1/auth/token", timeout=10,
                          json={"username": f"{role}-user", "password": PASSWORD}).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def _start(live_server, data_dir, credential, timing=QUICK) -> Agent:
    agent = Agent.open(data_dir, HttpServerLink(credential, live_server.url), Till(STORE, "T1"), timing=timing)
    agent.start()
    return agent


@pytest.fixture
def credential(live_server):
    return make_terminal(live_server.services, STORE, "T1")


@pytest.fixture
def till(live_server, credential, tmp_path):
    agent = _start(live_server, tmp_path / "agent", credential)
    wait_until(lambda: agent.mode.online and agent.ref.caught_up_at() is not None, what="first sync")
    yield agent
    agent.stop()


def _revoke(live_server, admin):
    response = requests.post(f"{live_server.url}/api/v1/stores/{STORE}/terminals/T1/revoke", headers=admin,
                             json={"reason": "till stolen"}, timeout=10)
    assert response.status_code == 200, response.text


def test_a_revoked_till_is_told_shows_it_and_refuses_points_but_still_sells(live_server, till):
    _, card = live_server.enrol(points=5000)
    wait_until(lambda: till.ref.card(card) is not None, what="the card in the feed")
    _revoke(live_server, _staff(live_server, "admin"))
    wait_until(lambda: till.mode.revoked, what="the till hearing it is revoked")
    status = local_client(till).get("/local/v1/status").json  # what the register page reads
    assert status["mode"] == "revoked" and status["reason"].startswith("revoked: ")
    basket = till.checkout.open_basket()
    till.checkout.add_item(basket["id"], WINE)
    till.checkout.attach_member(basket["id"], card)
    with pytest.raises(TillRevoked):
        till.checkout.redeem_points(basket["id"], 500)
    till.checkout.add_tender(basket["id"], "cash")
    sold = till.checkout.complete(basket["id"])
    assert sold["total"] == 1169 and sold["points"]["pending"] is True  # earned on sync, if ever
    with till.db.reading() as conn:
        assert journal.counts(conn)["acked"] == 0  # the server takes nothing from a revoked credential


def test_a_suspended_till_is_refused_points_at_the_lane_sells_on_and_redeems_again_once_resumed(live_server, till):
    services = live_server.services
    with services.db.session() as session:  # the server sells the bread too, so it prices the sale alike
        upsert_products(session, [{"tax_class": "standard", "excluded_from_points": False, "active": True, **BREAD}],
                        services.clock())
        session.commit()
    member_id, card = live_server.enrol(points=5000)
    wait_until(lambda: till.ref.card(card) is not None, what="the card in the feed")
    admin = _staff(live_server, "admin")

    def suspension(action: str) -> None:
        response = requests.post(f"{live_server.url}/api/v1/stores/{STORE}/terminals/T1/{action}", headers=admin,
                                 json={}, timeout=10)
        assert response.status_code == 200, response.text

    def sale(points: int) -> dict:
        basket = till.checkout.open_basket()["id"]
        for _ in range(10):
            till.checkout.add_item(basket, BREAD_EAN)
        till.checkout.attach_member(basket, card)
        if points:
            till.checkout.redeem_points(basket, points)
        till.checkout.add_tender(basket, "cash")
        return till.checkout.complete(basket)

    suspension("suspend")
    with pytest.raises(RedemptionRefused, match="is suspended"):
        sale(points=500)
    assert till.mode.online  # refused, not cut off: the till does not fall back to its offline allowance
    sold = sale(points=0)
    wait_until(lambda: live_server.account(member_id).balance == 5000 + 24, what="the sale's points on the server")
    with services.db.session() as session:
        assert session.get(PostedTransaction, sold["receipt_id"]).outcome["exceptions"] == ["terminal-suspended"]
    suspension("resume")
    assert sale(points=500)["points"]["redeemed"] == 500


def test_points_planned_before_the_revocation_are_refused_at_completion(live_server, till):
    _, card = live_server.enrol(points=5000)
    wait_until(lambda: till.ref.card(card) is not None, what="the card in the feed")
    basket = till.checkout.open_basket()
    till.checkout.add_item(basket["id"], COFFEE)
    till.checkout.attach_member(basket["id"], card)
    assert till.checkout.redeem_points(basket["id"], 500)["points"]["redeemed"] == 500
    _revoke(live_server, _staff(live_server, "admin"))
    wait_until(lambda: till.mode.revoked, what="the till hearing it is revoked")
    till.checkout.add_tender(basket["id"], "cash")
    with pytest.raises(TillRevoked):
        till.checkout.complete(basket["id"])
    view = till.checkout.view(basket["id"])
    assert view["points"]["redeemed"] == 0 and view["state"] == "open"  # the points are off the basket


def test_a_revoked_till_stays_revoked_after_a_restart_without_the_server(live_server, credential, tmp_path):
    agent = _start(live_server, tmp_path / "agent", credential)
    wait_until(lambda: agent.mode.online, what="first sync")
    _revoke(live_server, _staff(live_server, "admin"))
    wait_until(lambda: agent.mode.revoked, what="the till hearing it is revoked")
    agent.stop()
    live_server.stop()
    restarted = _start(live_server, tmp_path / "agent", credential)
    try:
        assert restarted.status()["mode"] == "revoked"
        wait_until(lambda: restarted.last_sync_error is not None, what="a sync round failing")
        assert restarted.mode.revoked  # a dead link does not undo what the server said
    finally:
        restarted.stop()


def test_the_heartbeat_keeps_last_contact_fresh_in_sync_health_when_no_feed_is_read(live_server, credential,
                                                                                   tmp_path):
    hq = _staff(live_server, "hq")
    slow_feed = Timing(sync_interval=3600, probe_interval=0.1, heartbeat_interval=0.1)
    agent = _start(live_server, tmp_path / "agent", credential, timing=slow_feed)

    def row():
        report = requests.get(f"{live_server.url}/api/v1/reports/sync-health", headers=hq, timeout=10).json()
        return next(r for r in report["terminals"] if r["terminal"] == "T1")

    def contact_after_feed_read() -> float:
        health = row()
        if health["last_seen_at"] is None or health["feed_read_at"] is None:
            return 0.0
        return (_at(health["last_seen_at"]) - _at(health["feed_read_at"])).total_seconds()

    try:  # the feed is read at start, then not for an hour: only heartbeats can move last contact on
        wait_until(lambda: contact_after_feed_read() >= 1.0, what="last contact a second past the last feed read")
    finally:
        agent.stop()


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)
