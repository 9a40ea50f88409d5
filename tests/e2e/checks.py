"""Driving a sale at a till and its model together, and comparing the server with the model."""

from __future__ import annotations


def lines(*products):
    return [(p.price_minor, p.excluded) for p in products]


def sell(model, agent, member, card, products, points=0, *, card_active=True):
    """A sale at the till, mirrored in the model; the till's own figures are checked too."""
    done = agent.sell([p.barcode for p in products], card=card, points=points)
    expected = model.sale(done["receipt_id"], member, lines(*products), points, card_active=card_active)
    assert done["total"] == expected.total_minor
    if member and card_active:
        assert done["points"]["to_earn"] == expected.earned
    return done


def assert_server_matches(stack, model, *members):
    for member in members:
        account = stack.staff.account(member)
        assert (account["balance"], account["debt"], account["available"]) == (
            model.balances[member], model.debt(member), model.available(member)), member
    posted = stack.posted()
    assert set(posted) == model.transaction_ids  # no sale lost, none doubled (ids are primary keys)
    for sale_id, sale in model.sales.items():
        assert posted[sale_id]["total_minor"] == sale.total_minor
        if sale.member:
            assert (posted[sale_id]["points_earned"], posted[sale_id]["points_redeemed"]) == (
                sale.earned, sale.redeemed)
