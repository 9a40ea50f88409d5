"""Rewards through the till's local API: offered in the basket view, taken and given back by id,
a refusal as problem+json; offline within the offline allowance."""

from __future__ import annotations

import pytest

from tests.integration.agent.catalogue import definition
from tests.integration.agent.conftest import CARD
from tests.support.till_api import local_client

FREE_BREAD = {"id": "REWARD-BREAD", "version": 1, "state": "active", "definition": definition(
    label="Free bread", rule={"kind": "reward", "reward": "free_product", "points": 250, "sku": "BREAD"})}
BIG_VOUCHER = {"id": "REWARD-BIG", "version": 1, "state": "active", "definition": definition(
    label="30.00 voucher", rule={"kind": "reward", "reward": "voucher", "points": 3000, "amount_minor": 3000})}


@pytest.fixture
def api(agent, fake_link):
    for reward in (FREE_BREAD, BIG_VOUCHER):
        fake_link.publish("promotion", reward["id"], "upsert", reward)
    agent.sync_round()
    return local_client(agent)


def _basket(api, *codes):
    basket = api.post("/local/v1/baskets").json
    for code in codes:
        api.post(f"/local/v1/baskets/{basket['id']}/items", json={"code": code})
    return basket["id"], api.post(f"/local/v1/baskets/{basket['id']}/member", json={"card_number": CARD}).json


def test_a_reward_is_offered_taken_and_given_back_through_the_local_api(api):
    basket, view = _basket(api, "BREAD", "WINE")
    assert [(o["reward_id"], o["points"]) for o in view["rewards"]["offered"]] == [("REWARD-BIG", 3000),
                                                                                 ("REWARD-BREAD", 250)]
    taken = api.post(f"/local/v1/baskets/{basket}/rewards", json={"reward_id": "REWARD-BREAD"})
    assert taken.status_code == 200
    assert taken.json["total"] == 1169 and taken.json["rewards"]["points"] == 250
    assert [(r["reward_id"], r["times"], r["discount"]) for r in taken.json["rewards"]["taken"]] == [
        ("REWARD-BREAD", 1, 249)]
    again = api.post(f"/local/v1/baskets/{basket}/rewards", json={"reward_id": "REWARD-BREAD"})
    assert again.status_code == 422 and again.json["type"].endswith("reward-refused")  # once a basket
    back = api.delete(f"/local/v1/baskets/{basket}/rewards/REWARD-BREAD").json
    assert back["total"] == 1418 and back["rewards"]["taken"] == []


def test_offline_only_what_the_allowance_covers_is_offered_and_a_forged_id_is_refused(api, fake_link):
    fake_link.down = True
    basket, view = _basket(api, "BREAD", "WINE")
    assert view["mode"] == "offline"
    assert [o["reward_id"] for o in view["rewards"]["offered"]] == ["REWARD-BREAD"]  # 3000 > the 2000 allowance
    refused = api.post(f"/local/v1/baskets/{basket}/rewards", json={"reward_id": "REWARD-BIG"})
    assert refused.status_code == 422 and refused.json["reward_id"] == "REWARD-BIG"
    shape = api.post(f"/local/v1/baskets/{basket}/rewards", json={"reward": "REWARD-BREAD"})
    assert shape.status_code == 400
