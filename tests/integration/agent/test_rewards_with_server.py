"""Rewards at a real till against the real server, online and offline: the till offers what the member
can take, prices it with the same engine, and the server credits the same cents and points."""

from __future__ import annotations

import pytest

from pos_agent.exceptions import RewardRefused
from server.models import PostedTransaction
from server.pricing.products import upsert_products
from tests.integration.agent import catalogue
from tests.integration.agent.live import wait_until
from tests.integration.agent.test_agent_with_server import _acked, second_till
from tests.support.factories import login, make_staff

BREAD, TEA = "4006381333931", "4006381333900"
# A product of the server's own (the feed's sample wine and coffee have offers only the feed knows).
TEA_PRODUCT = {"sku": "TEA", "name": "Green tea", "category": "pantry", "base_price_minor": 1200,
               "barcodes": [TEA]}
REWARDS = {
    "Free bread": {"reward": "free_product", "points": 250, "sku": "BREAD"},
    "5.00 voucher": {"reward": "voucher", "points": 500, "amount_minor": 500},
    "Big voucher": {"reward": "voucher", "points": 2500, "amount_minor": 2500},
}


@pytest.fixture
def rewards(live_server):
    """The products on the server and the rewards, made through the API (so on the feed too)."""
    with live_server.services.db.session() as session:
        upsert_products(session, [{**p, "tax_class": "standard", "active": True, "excluded_from_points": False}
                                  for p in (catalogue.BREAD, TEA_PRODUCT)], live_server.services.clock())
        session.commit()
    client = live_server.app.test_client()
    make_staff(live_server.services, "mia", "marketing")
    headers = login(client, "mia")
    ids = {}
    for label, rule in REWARDS.items():
        created = client.post("/api/v1/rewards", headers=headers, json={"label": label, "state": "active",
                                                                          "rule": rule})
        assert created.status_code == 201, created.json
        ids[label] = created.json["id"]
    return ids


def _offered(view) -> set[str]:
    return {offer["label"] for offer in view["rewards"]["offered"]}


def _sale_with_rewards(till, card, ids, *labels):
    basket = till.checkout.open_basket()
    for code in (BREAD, BREAD, TEA):
        till.checkout.add_item(basket["id"], code)
    view = till.checkout.attach_member(basket["id"], card)
    offered = _offered(view)
    for label in labels:
        view = till.checkout.take_reward(basket["id"], ids[label])
    till.checkout.add_tender(basket["id"], "cash")
    return offered, view, till.checkout.complete(basket["id"])


def _server_agrees(live_server, sold, points):
    with live_server.services.db.session() as session:
        row = session.get(PostedTransaction, sold["receipt_id"])
        outcome, lines = row.outcome, row.body["lines"]
    assert outcome["exceptions"] == []
    assert outcome["reward_points"] == sold["rewards"]["points"] == points
    assert outcome["points_earned"] == sold["points"]["to_earn"]
    assert sum(line["paid_minor"] for line in lines) == sold["total"]
    assert outcome["tax"]["lines"] == {line["line_id"]: line["tax"] for line in sold["lines"]}


def test_online_and_offline_the_till_and_the_server_agree_on_rewards_to_the_cent_and_the_point(
        live_server, tmp_path, rewards):
    member_id, card = live_server.enrol(points=5000)
    with second_till(live_server, tmp_path, "T1") as till:
        wait_until(lambda: till.ref.card(card) is not None and till.ref.product("TEA") is not None
                   and all(till.ref.catalogue().get(pid) is not None for pid in rewards.values()),
                   what="the card, the products and the rewards on the feed")
        offered, _, online = _sale_with_rewards(till, card, rewards, "Free bread", "5.00 voucher")
        assert offered == {"Free bread", "5.00 voucher", "Big voucher"}  # 5000 points: all three
        # 2 x 2.49 + 12.00 = 16.98; one bread free (2.49), 5.00 off: 9.49, earning 9 points.
        assert (online["mode"], online["total"], online["points"]["to_earn"]) == ("online", 949, 9)
        assert online["new_balance"] == 5000 - 750 + 9
        _acked(till, 1)
        _server_agrees(live_server, online, 750)
        assert live_server.account(member_id).balance == online["new_balance"]
        # Returning the free bread gives its 250 points back (and takes back the points it earned:
        # none, it was free); the till's refund says what the server does.
        refund = till.returns.return_lines(online["receipt_id"], {"1": 1})
        assert (refund["points_given_back"], refund["refund_minor"]) == (250, 0)
        _acked(till, 2)
        with live_server.services.db.session() as session:
            posted = session.get(PostedTransaction, refund["receipt_id"]).outcome
        assert (posted["points_given_back"], posted["exceptions"]) == (250, [])
        assert live_server.account(member_id).balance == online["new_balance"] + 250

        live_server.stop()
        wait_until(lambda: not till.mode.online, what="the till noticing")
        offered, _, offline = _sale_with_rewards(till, card, rewards, "Free bread", "5.00 voucher")
        # Offline the allowance is 2000 points (less what this till redeemed offline): no big voucher.
        assert offered == {"Free bread", "5.00 voucher"}
        assert (offline["mode"], offline["total"], offline["points"]["pending"]) == ("offline", 949, True)
        live_server.start()
        _acked(till, 3)
        _server_agrees(live_server, offline, 750)
        assert live_server.account(member_id).balance == 5000 - 2 * 750 + 2 * 9 + 250


def test_a_till_refuses_a_reward_the_member_cannot_afford(live_server, tmp_path, rewards):
    _, card = live_server.enrol(points=400)
    with second_till(live_server, tmp_path, "T1") as till:
        wait_until(lambda: till.ref.card(card) is not None
                   and all(till.ref.catalogue().get(pid) is not None for pid in rewards.values()),
                   what="the card and the rewards on the feed")
        basket = till.checkout.open_basket()
        till.checkout.add_item(basket["id"], BREAD)
        view = till.checkout.attach_member(basket["id"], card)
        assert _offered(view) == {"Free bread"}
        with pytest.raises(RewardRefused):
            till.checkout.take_reward(basket["id"], rewards["5.00 voucher"])
        view = till.checkout.take_reward(basket["id"], rewards["Free bread"])
        assert view["total"] == 0 and view["rewards"]["offered"] == []  # 150 points left, nothing to free
