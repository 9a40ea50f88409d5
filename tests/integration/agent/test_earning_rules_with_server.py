"""Earning rules at a real till against the real server: online and offline, the points the till
promises (and prints, rule by rule) are the points the server credits when it posts the sale."""

from __future__ import annotations

import pytest

from server.models import PostedTransaction
from server.pricing.products import upsert_products
from tests.integration.agent import catalogue
from tests.integration.agent.live import wait_until
from tests.integration.agent.test_agent_with_server import _acked, _sale, second_till
from tests.support.factories import login, make_staff

BREAD, TEA, CIGARETTES = "4006381333931", "4006381333900", "4002515289693"
# A product of the server's own (the feed's sample coffee has a member price only the feed knows).
TEA_PRODUCT = {"sku": "TEA", "name": "Green tea", "category": "pantry", "base_price_minor": 1200,
               "barcodes": [TEA]}


def _scope(skus=(), categories=(), whole_basket=False) -> dict:
    return {"skus": list(skus), "categories": list(categories), "whole_basket": whole_basket}


RULES = {
    "2x points on tea": {"extra_bp": 20_000, "standalone": True, "scope": _scope(categories=["pantry"])},
    "1 point per 2.00 on bread": {"points_per": 1, "per_minor": 200, "scope": _scope(categories=["bakery"])},
    "2 breads: +15": {"fixed_points": 15, "min_qty": 2, "scope": _scope(["BREAD"])},
    "Orders of 30.00: +50": {"fixed_points": 50, "min_order_minor": 3000, "scope": _scope(whole_basket=True)},
    "3 per tea, doubled": {"unit_points": 3, "multiplier_bp": 20_000, "scope": _scope(["TEA"])},
}
# 2 x bread 4.98; 2 x tea 24.00; cigarettes 8.50 (no points); order 37.48.
# base: bread only (tea's went to the stand-alone rule) = 4; rules: 24.00 x 2 = 48; 4.98 / 2.00
# = 2.49 -> 2; two breads 15; 37.48 >= 30.00: 50; 2 teas x 3 x 2 = 12. 4 + 48 + 2 + 15 + 50 + 12 = 131.
GIVEN = {"2x points on tea": 48, "1 point per 2.00 on bread": 2, "2 breads: +15": 15,
         "Orders of 30.00: +50": 50, "3 per tea, doubled": 12}
POINTS = 4 + sum(GIVEN.values())


@pytest.fixture
def rules(live_server):
    """The products on the server and the earning rules, made through the API (so on the feed too)."""
    with live_server.services.db.session() as session:
        upsert_products(session, [{**p, "tax_class": "standard", "active": True,
                                   "excluded_from_points": p.get("excluded_from_points", False)}
                                  for p in (catalogue.BREAD, TEA_PRODUCT, catalogue.CIGARETTES)],
                        live_server.services.clock())
        session.commit()
    client = live_server.app.test_client()
    make_staff(live_server.services, "mia", "marketing")
    headers = login(client, "mia")
    ids = []
    for label, rule in RULES.items():
        created = client.post("/api/v1/promotions", headers=headers, json={
            "label": label, "state": "active", "rule": {"kind": "bonus_points", **rule}})
        assert created.status_code == 201, created.json
        ids.append(created.json["id"])
    return ids


def _agrees(live_server, sold):
    assert sold["points"]["to_earn"] == POINTS
    receipt = sold["receipt_text"].splitlines()
    for label, points in GIVEN.items():
        assert any(line.startswith(f"  {label}:") and line.endswith(f" +{points}") for line in receipt), label
    assert "  Cigarettes: tobacco earns no points" in receipt
    with live_server.services.db.session() as session:
        outcome = session.get(PostedTransaction, sold["receipt_id"]).outcome
    assert (outcome["points_earned"], outcome["bonus_points"]) == (POINTS, POINTS - 4)
    assert outcome["exceptions"] == []


def test_online_and_offline_the_till_and_the_server_agree_to_the_point_under_earning_rules(
        live_server, tmp_path, rules):
    member_id, card = live_server.enrol(points=0)
    with second_till(live_server, tmp_path, "T1") as till:
        wait_until(lambda: till.ref.card(card) is not None
                   and till.ref.product("TEA") is not None
                   and all(till.ref.catalogue().get(pid) is not None for pid in rules),
                   what="the card, the tea and the rules on the feed")
        online = _sale(till, card, BREAD, BREAD, TEA, TEA, CIGARETTES)
        assert (online["mode"], online["total"]) == ("online", 3748)
        _acked(till, 1)
        _agrees(live_server, online)
        assert live_server.account(member_id).balance == POINTS

        live_server.stop()
        wait_until(lambda: not till.mode.online, what="the till noticing")
        offline = _sale(till, card, BREAD, BREAD, TEA, TEA, CIGARETTES)
        assert (offline["mode"], offline["points"]["pending"]) == ("offline", True)
        live_server.start()
        _acked(till, 2)
        _agrees(live_server, offline)
        assert live_server.account(member_id).balance == 2 * POINTS
