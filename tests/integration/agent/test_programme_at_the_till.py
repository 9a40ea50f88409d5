"""The till applies the programme version in force at its clock, names it in the sale, and lets
points pay only beside the tenders that version allows (over the fake link, offline)."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest

from loyalty.programme_body import programme_body
from pos_agent.exceptions import RedemptionRefused, TenderError
from pos_agent.store import journal
from server.membership.program import starter_programme
from tests.integration.agent.catalogue import PROGRAM
from tests.integration.agent.conftest import CARD

WINE, COFFEE = "4001686301265", "4000417025005"


def _versions(clock, **earning_v2):
    v1 = programme_body(starter_programme())
    v2 = copy.deepcopy(v1)
    v2["earning"].update(earning_v2)
    v2["redemption"]["combinable_tenders"] = ["cash"]
    return {**PROGRAM, "versions": [
        {"number": 1, "effective_from": "2000-01-01T00:00:00+00:00", "programme": v1},
        {"number": 2, "effective_from": (clock() + timedelta(hours=1)).isoformat(), "programme": v2}]}


def _member_basket(agent, *codes):
    basket = agent.checkout.open_basket()
    for code in codes:
        agent.checkout.add_item(basket["id"], code)
    return agent.checkout.attach_member(basket["id"], CARD)


def _sent(agent):
    with agent.db.reading() as conn:
        return [item.body for item in journal.unsent(conn, 10)]


def test_the_till_earns_by_the_version_in_force_at_its_clock_and_names_it(agent, fake_link, clock):
    fake_link.publish("program", "loyalty", "upsert", _versions(clock, points=2))
    agent.sync_round()
    fake_link.down = True
    basket = _member_basket(agent, WINE, COFFEE)  # 11.69 + 12.00 (member price) = 23.69
    agent.checkout.add_tender(basket["id"], "card")
    assert agent.checkout.complete(basket["id"])["points"]["to_earn"] == 23
    clock.advance(hours=1)
    later = _member_basket(agent, WINE, COFFEE)
    agent.checkout.add_tender(later["id"], "card")
    assert agent.checkout.complete(later["id"])["points"]["to_earn"] == 47
    assert [(b["programme_version"], b["points_earned"]) for b in _sent(agent)] == [(1, 23), (2, 47)]


def test_points_pay_only_beside_the_tenders_the_version_allows(agent, fake_link, clock):
    fake_link.publish("program", "loyalty", "upsert", _versions(clock))
    agent.sync_round()
    fake_link.down = True
    clock.advance(hours=1)  # version 2: points combine with cash only
    basket = _member_basket(agent, WINE, WINE, COFFEE)
    agent.checkout.redeem_points(basket["id"], 1000)
    with pytest.raises(TenderError, match="card cannot pay beside points"):
        agent.checkout.add_tender(basket["id"], "card")
    agent.checkout.add_tender(basket["id"], "cash")
    assert agent.checkout.complete(basket["id"])["points"]["redeemed"] == 1000
    carded = _member_basket(agent, WINE)
    agent.checkout.add_tender(carded["id"], "card", 500)
    with pytest.raises(RedemptionRefused, match="beside card"):
        agent.checkout.redeem_points(carded["id"], 500)
