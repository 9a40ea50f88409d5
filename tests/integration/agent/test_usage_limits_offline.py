"""Per-member usage limits at an offline till: the member snapshot's use log plus the till's own sales.

The offer is a real server promotion (created through the API, published on the feed); the sales
go through real agents and the real server, so the log the second till counts is the one the
server published after the first till's sale.
"""

from __future__ import annotations

import pytest

from server.pricing.products import upsert_products
from tests.integration.agent import catalogue
from tests.integration.agent.live import wait_until
from tests.integration.agent.test_agent_with_server import BREAD, _acked, _sale, second_till
from tests.support.factories import login, make_staff

BREAD_PRICE = 249


def _paid(done) -> int:
    return done["total"]


def _promote(live_server, label, rule):
    with live_server.services.db.session() as session:  # an offer may name only what the server sells
        upsert_products(session, [{**catalogue.BREAD, "tax_class": "standard", "excluded_from_points": False,
                                   "active": True}], live_server.services.clock())
        session.commit()
    client = live_server.app.test_client()
    make_staff(live_server.services, f"mia-{len(label)}", "marketing")
    created = client.post("/api/v1/promotions", headers=login(client, f"mia-{len(label)}"), json={
        "label": label, "state": "active", "usage_limit": {"max_uses": 1, "period": "week"},
        "rule": {**rule, "scope": {"skus": ["BREAD"], "categories": [], "whole_basket": False}}})
    assert created.status_code == 201, created.json
    return created.json["id"]


@pytest.fixture
def weekly_bread_offer(live_server):
    """0.50 off bread, once a week per member."""
    return _promote(live_server, "Bread: 0.50 off, once a week", {"kind": "amount_off", "amount_minor": 50})


@pytest.fixture
def tills(live_server, tmp_path, weekly_bread_offer):
    with second_till(live_server, tmp_path, "T1") as t1, second_till(live_server, tmp_path, "T2") as t2:
        for agent in (t1, t2):
            wait_until(lambda a=agent: a.ref.catalogue().get(weekly_bread_offer) is not None,
                       what="the offer on the feed")
        yield t1, t2


def test_an_offline_till_refuses_an_offer_the_member_used_up_at_another_till(live_server, tills,
                                                                            weekly_bread_offer):
    t1, t2 = tills
    member_id, card = live_server.enrol(points=0)
    wait_until(lambda: t2.ref.card(card) is not None, what="the card in the feed")
    assert _paid(_sale(t1, card, BREAD)) == BREAD_PRICE - 50
    _acked(t1, 1)
    wait_until(lambda: len((t2.ref.member(member_id) or {}).get("promotion_uses", [])) == 1,
               what="the member's use on T2's feed")

    live_server.stop()
    offline = _sale(t2, card, BREAD)
    assert offline["mode"] == "offline"
    assert _paid(offline) == BREAD_PRICE  # the week's one use was made at T1
    assert [d["label"] for line in offline["lines"] for d in line["discounts"]] == []


def test_an_offline_till_counts_its_own_unsent_sales_against_the_limit(live_server, tills):
    t1, _ = tills
    member_id, card = live_server.enrol(points=0)
    wait_until(lambda: t1.ref.card(card) is not None, what="the card in the feed")
    live_server.stop()
    first, second = _sale(t1, card, BREAD), _sale(t1, card, BREAD)
    assert (first["mode"], second["mode"]) == ("offline", "offline")
    assert (_paid(first), _paid(second)) == (BREAD_PRICE - 50, BREAD_PRICE)

    live_server.start()
    _acked(t1, 2)
    # Both sales arrive; had the till given the offer twice, the server would flag the second.
    assert live_server.account(member_id).balance == 1 + 2  # a point per whole 1.00: 1.99 and 2.49
    assert "usage-limit-reached" not in live_server.exception_kinds()


def test_a_once_a_week_bonus_points_offer_is_counted_at_an_offline_till_too(live_server, tills):
    t1, _ = tills
    double = _promote(live_server, "Double points on bread, once a week", {"kind": "bonus_points", "extra_bp": 10000})
    wait_until(lambda: t1.ref.catalogue().get(double) is not None, what="the bonus offer on the feed")
    member_id, card = live_server.enrol(points=0)
    wait_until(lambda: t1.ref.card(card) is not None, what="the card in the feed")
    live_server.stop()
    first, second = _sale(t1, card, BREAD), _sale(t1, card, BREAD)  # the money-off offer applies once too
    assert (first["points"]["to_earn"], second["points"]["to_earn"]) == (1 + 1, 2)  # 1.99 doubled; 2.49 not
    live_server.start()
    _acked(t1, 2)
    assert live_server.account(member_id).balance == 2 + 2
    assert live_server.exception_kinds() == []
