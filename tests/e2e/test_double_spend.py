"""Double-spend scenarios random search rarely finds, with exact figures: two offline stores and one
member's points, a card blocked while a store cannot hear about it, one single-use coupon twice."""

from __future__ import annotations

import pytest

from tests.e2e.checks import assert_server_matches, sell
from tests.support.stack import BREAD, COFFEE, WINE, AgentError

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def cache_member_everywhere(stack, member, card):
    for agent in stack.agents.values():
        agent.wait_cached("card", card)
        agent.wait_cached("member", member)


def test_one_member_redeeming_in_two_offline_stores_goes_into_debt_flagged_once_and_repaid_by_later_earnings(
        stack, model):
    s1, s2 = stack.agents["S1"], stack.agents["S2"]
    ada, card = stack.staff.enrol("Ada", "S1", points=3000)
    model.open(ada, 3000)
    cache_member_everywhere(stack, ada, card)
    stack.proxies["S1"].drop()
    stack.proxies["S2"].drop()

    # Each till alone allows 2000 (its offline cap); together they spend 4000 of her 3000.
    for agent in (s1, s2):
        done = sell(model, agent, ada, card, [WINE, WINE, COFFEE], points=2000)  # 40.98, 20.00 in points
        assert (done["mode"], done["points"]["to_earn"], done["points"]["pending"]) == ("offline", 20, True)

    stack.proxies["S1"].passing()
    stack.proxies["S2"].passing()
    stack.wait_all_drained()
    assert model.balances[ada] == 3000 - 2000 + 20 - 2000 + 20 == -960
    account = stack.staff.account(ada)
    assert (account["balance"], account["debt"], account["available"]) == (-960, 960, 0)
    overspent = [e for e in stack.exceptions() if e["kind"] == "overspend"]
    assert [(e["server_value"], e["store"] in ("S1", "S2")) for e in overspent] == [(-960, True)]

    sell(model, s1, ada, card, [COFFEE, COFFEE, COFFEE, WINE, BREAD])  # 60.48 earns 60, all to the debt
    with pytest.raises(AgentError) as refused:  # online, the server knows she has nothing to spend
        s2.sell([WINE, WINE], card=card, points=500)
    assert refused.value.status == 422
    stack.wait_all_drained()
    account = stack.staff.account(ada)
    assert (account["balance"], account["debt"], account["available"]) == (-900, 900, 0)
    assert_server_matches(stack, model, ada)
    # The repaying sale is not an overspend: only the redemption that made the debt grow is flagged.
    assert [e["transaction_id"] for e in stack.exceptions() if e["kind"] == "overspend"][1:] == []


def test_a_card_blocked_while_a_store_is_offline_keeps_the_offline_sale_flags_it_and_earns_nothing(stack, model):
    s1, s2 = stack.agents["S1"], stack.agents["S2"]
    bob, card = stack.staff.enrol("Bob", "S2", points=800)
    model.open(bob, 800)
    cache_member_everywhere(stack, bob, card)
    stack.proxies["S2"].drop()

    stack.staff.set_card_state(card, "blocked")
    s1.wait_cached("card", card, lambda c: c["state"] == "blocked")  # the block reaches the store online
    with pytest.raises(AgentError) as refused:
        s1.sell([BREAD], card=card)
    assert refused.value.status == 409
    assert s2.cached("card", card)["state"] == "active"  # S2 cannot know yet

    kept = sell(model, s2, bob, card, [WINE, COFFEE], card_active=False)  # 27.99 shown as 27 pending
    assert (kept["points"]["to_earn"], kept["points"]["pending"]) == (27, True)
    stack.proxies["S2"].passing()
    stack.wait_all_drained()

    flagged = [(e["transaction_id"], e["kind"]) for e in stack.exceptions()]
    assert flagged == [(kept["receipt_id"], "card-not-active")]
    posted = stack.posted()[kept["receipt_id"]]
    assert (posted["total_minor"], posted["points_earned"], posted["offline"]) == (2799, 0, True)
    assert_server_matches(stack, model, bob)
    assert stack.staff.account(bob)["balance"] == 800
    s2.wait_cached("card", card, lambda c: c["state"] == "blocked")  # and now S2 knows too


def test_one_single_use_coupon_used_in_two_offline_stores_is_flagged_once_and_both_sales_stand(stack, model):
    promotion = stack.staff.call("POST", "/api/v1/promotions", {
        "label": "5.00 off with your coupon", "rule": {"kind": "amount_off", "amount_minor": 500,
                                                        "scope": {"whole_basket": True}},
        "coupon": {"single_use": True}, "state": "active"}, expect=201)
    code = stack.staff.call("POST", f"/api/v1/promotions/{promotion['id']}/coupons", {"count": 1},
                            expect=201)["codes"][0]
    for agent in stack.agents.values():
        agent.wait_cached("promotion", promotion["id"], lambda p: code in p.get("codes", ()))
    stack.proxies["S1"].drop()
    stack.proxies["S2"].drop()

    sales = []
    for agent in stack.agents.values():
        basket = agent.call("POST", "/baskets")
        for product in (WINE, COFFEE):
            agent.call("POST", f"/baskets/{basket['id']}/items", {"code": product.barcode})
        view = agent.call("POST", f"/baskets/{basket['id']}/coupons", {"code": code})
        assert (view["coupons"]["accepted"], view["total"]) == ([code], 2799 - 500)  # each till alone: valid
        agent.call("POST", f"/baskets/{basket['id']}/tenders", {"kind": "cash"})
        sales.append(agent.call("POST", f"/baskets/{basket['id']}/complete")["receipt_id"])

    stack.proxies["S1"].passing()
    stack.proxies["S2"].passing()
    stack.wait_all_drained()
    posted = stack.posted()
    assert [posted[s]["total_minor"] for s in sales] == [2299, 2299]  # both sales stand as rung up
    flagged = [e for e in stack.exceptions() if e["kind"] == "coupon-already-used"]
    assert len(flagged) == 1 and flagged[0]["transaction_id"] in sales
