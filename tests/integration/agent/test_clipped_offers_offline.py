"""A personal offer the member clipped on the member page reaches offline tills in the member's snapshot."""

from __future__ import annotations

from tests.integration.agent.catalogue import definition, member_payload
from tests.integration.agent.conftest import CARD, MEMBER_ID

BREAD = "4006381333931"
CLIP = {"id": "0190a1b2-0000-7000-8000-00000000c11b", "version": 1, "state": "active", "definition": definition(
    label="Yours: 0.50 off bread", targeting={"clip": True},
    rule={"kind": "amount_off", "amount_minor": 50, "scope": {"skus": ["BREAD"]}})}


def _offline_bread_total(agent, fake_link) -> int:
    fake_link.down = True
    basket = agent.checkout.open_basket()
    basket = agent.checkout.add_item(basket["id"], BREAD)
    basket = agent.checkout.attach_member(basket["id"], CARD)
    assert basket["mode"] == "offline" and basket["member"]["source"] == "cache"
    agent.checkout.cancel(basket["id"])
    fake_link.down = False
    return basket["total"]


def test_an_offline_till_applies_a_clipped_offer_only_to_the_member_who_clipped_it(agent, fake_link, clock):
    fake_link.publish("promotion", CLIP["id"], "upsert", CLIP)
    agent.sync_round()
    assert _offline_bread_total(agent, fake_link) == 249

    fake_link.publish("member", MEMBER_ID, "upsert",
                      {**member_payload(MEMBER_ID, available=5000, taken_at=clock()), "clipped": [CLIP["id"]]})
    agent.sync_round()
    assert _offline_bread_total(agent, fake_link) == 199
