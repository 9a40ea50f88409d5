"""An agent process killed with SIGKILL mid-basket comes back with the basket the cashier was building."""

from __future__ import annotations

import pytest

from tests.e2e.checks import assert_server_matches, lines
from tests.support.stack import COFFEE, WINE, AgentError

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def _without_ages(view: dict) -> dict:
    """The view less the member data's age, which grows while the till is down."""
    return {**view, "member": {**view["member"], "data_age_seconds": None}}


def test_a_till_killed_mid_basket_restarts_with_its_items_member_hold_and_cash_and_completes_the_sale_once(
        stack, model):
    s1 = stack.agents["S1"]
    ada, card = stack.staff.enrol("Ada", "S1", points=3000)
    model.open(ada, 3000)
    basket = s1.call("POST", "/baskets")["id"]
    for product in (WINE, WINE, COFFEE):
        s1.call("POST", f"/baskets/{basket}/items", {"code": product.barcode})
    s1.call("POST", f"/baskets/{basket}/member", {"card_number": card})
    s1.call("POST", f"/baskets/{basket}/redemption", {"points": 2000})  # a hold on the server
    before = s1.call("POST", f"/baskets/{basket}/tenders", {"kind": "cash", "amount_minor": 1000})
    assert (before["mode"], before["total"], before["due"]) == ("online", 4098, 4098 - 2000 - 1000)
    assert before["points"]["hold_id"] is not None

    s1.restart()  # SIGKILL, then a new agent process over the same data directory

    assert _without_ages(s1.call("GET", "/baskets/current")) == _without_ages(before)
    s1.call("POST", f"/baskets/{basket}/tenders", {"kind": "cash"})
    done = s1.call("POST", f"/baskets/{basket}/complete")
    assert (done["state"], done["paid"], done["due"], done["points"]["to_earn"]) == ("completed", 4098, 0, 20)
    model.sale(done["receipt_id"], ada, lines(WINE, WINE, COFFEE), redeemed=2000)
    stack.wait_all_drained()
    assert_server_matches(stack, model, ada)
    assert stack.exceptions() == []  # the hold placed before the kill was still live: no hold-not-usable
    with pytest.raises(AgentError) as nothing_open:  # completed: the register opens the next basket itself
        s1.call("GET", "/baskets/current")
    assert nothing_open.value.status == 404
