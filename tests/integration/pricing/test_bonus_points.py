"""Promotion bonus points are credited by the server's own pricing of a posted sale."""

from tests.integration.pricing.conftest import scope


def _account(client, desk, member_id):
    return client.get(f"/api/v1/members/{member_id}/account", headers=desk).json


def _line(line_id, sku, qty, paid_minor):
    return {"line_id": line_id, "sku": sku, "qty": qty, "paid_minor": paid_minor}


def test_double_points_on_snacks_are_credited_and_a_return_takes_them_back(client, catalogue, promote, enrol,
                                                                           desk, till):
    promote("Double points on snacks", {"kind": "bonus_points", "extra_bp": 10_000,
                                        "scope": scope(categories=["snacks"])})
    member_id, card = enrol()
    # 4 x chips at 2.50 = 10.00 and a 3.49 sauce: 13 base points; the snacks earn 10 more.
    sale = till.sale([_line("1", "CHIPS", 4, 1000), _line("2", "SAUCE", 1, 349)], card=card, points_earned=13)
    assert sale.status_code == 201, sale.json
    assert (sale.json["points_earned"], sale.json["bonus_points"], sale.json["exceptions"]) == (23, 10, [])
    assert _account(client, desk, member_id)["balance"] == 23
    refund = till.undo("return", sale.json["transaction_id"], [{"line_id": "1", "qty": 4}])
    assert refund.status_code == 201, refund.json
    assert _account(client, desk, member_id)["balance"] == 23 - refund.json["points_taken_back"]
    void = till.undo("void", sale.json["transaction_id"])
    assert void.status_code == 201, void.json
    assert _account(client, desk, member_id)["balance"] == 0


def test_items_the_server_does_not_know_earn_no_bonus_but_still_earn_base_points(client, catalogue, promote,
                                                                                  enrol, desk, till):
    promote("Double points on everything", {"kind": "bonus_points", "extra_bp": 10_000,
                                            "scope": {**scope(), "whole_basket": True}})
    _member_id, card = enrol()
    sale = till.sale([_line("1", "NOT-IN-CATALOGUE", 1, 2000)], card=card)
    assert (sale.json["points_earned"], sale.json["bonus_points"]) == (20, 0)
