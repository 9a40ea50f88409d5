"""Taxes at a real till against the real server: the till's tax per rate and per line, online and
offline, is what the server computes for the posted sale, to the cent; the receipt prints it."""

from __future__ import annotations

import pytest

from pos_agent.checkout.service import Till
from pos_agent.link.http import HttpServerLink
from pos_agent.runtime import Agent
from server.models import PostedTransaction, ReconciliationException
from server.pricing.products import upsert_products
from server.pricing.taxes import set_tax_class
from tests.integration.agent import catalogue
from tests.integration.agent.catalogue import STORE
from tests.integration.agent.live import wait_until
from tests.integration.agent.test_agent_with_server import QUICK, _acked
from tests.support.factories import make_terminal
from tests.support.tills import Till as ServerTill

BREAD, COFFEE = "4006381333931", "4000417025005"


@pytest.fixture
def taxed_till(live_server, tmp_path):
    """Bread at 5 %, coffee at 20 %, on the server and (through the feed) at the till."""
    with live_server.services.db.session() as session:
        now = live_server.services.clock()
        set_tax_class(session, "standard", "Standard", 2000, now)
        set_tax_class(session, "reduced", "Reduced", 500, now)
        upsert_products(session, [{**catalogue.BREAD, "tax_class": "reduced", "excluded_from_points": False,
                                   "active": True},
                                  {**catalogue.COFFEE, "tax_class": "standard", "excluded_from_points": False,
                                   "active": True}], now)
        session.commit()
    credential = make_terminal(live_server.services, STORE, "T1")
    agent = Agent.open(tmp_path / "agent", HttpServerLink(credential, live_server.url), Till(STORE, "T1"),
                       timing=QUICK)
    agent.start()
    wait_until(lambda: agent.mode.online and (agent.ref.product("BREAD") or {}).get("tax_rate_bp") == 500,
               what="the taxed catalogue at the till")
    yield agent
    agent.stop()


def _sell(agent, *codes):
    basket = agent.checkout.open_basket()
    for code in codes:
        agent.checkout.add_item(basket["id"], code)
    agent.checkout.add_tender(basket["id"], "cash")
    return agent.checkout.complete(basket["id"])


def _posted(live_server, sale_id):
    with live_server.services.db.session() as session:
        posted = session.get(PostedTransaction, sale_id)
        flagged = session.query(ReconciliationException).filter_by(transaction_id=sale_id).all()
        return posted.body, posted.outcome, [e.kind for e in flagged]


# bread 2 x 2.49 = 4.98 at 5 %: 498 x 500 / 10500 = 23.71 -> 0.24; coffee 15.00 at 20 %: 2.50 exactly
RATES = [{"rate_bp": 500, "net": 474, "tax": 24, "gross": 498}, {"rate_bp": 2000, "net": 1250, "tax": 250,
                                                                   "gross": 1500}]


def _agrees(live_server, sold):
    assert sold["tax"]["rates"] == RATES and sold["tax"]["tax"] == 274 and sold["total"] == 1998
    body, outcome, flagged = _posted(live_server, sold["receipt_id"])
    till_lines = {line["line_id"]: line["tax_minor"] for line in body["lines"]}
    assert outcome["tax"]["lines"] == till_lines and sum(till_lines.values()) == 274
    assert outcome["tax"]["rates"] == RATES and outcome["tax"]["total"] == 274
    assert flagged == [] and outcome["exceptions"] == []
    receipt = sold["receipt_text"].splitlines()
    assert f"{'5%':<6}{'4.74':>12}{'0.24':>12}{'4.98':>12}" in receipt  # the VAT block, one row per rate
    assert f"{'20%':<6}{'12.50':>12}{'2.50':>12}{'15.00':>12}" in receipt


def test_an_online_sale_and_an_offline_sale_agree_with_the_server_on_tax_to_the_cent(live_server, taxed_till):
    online = _sell(taxed_till, BREAD, BREAD, COFFEE)
    assert online["mode"] == "online"
    _acked(taxed_till, 1)
    _agrees(live_server, online)

    live_server.stop()
    wait_until(lambda: not taxed_till.mode.online, what="the till noticing")
    offline = _sell(taxed_till, BREAD, BREAD, COFFEE)
    assert offline["mode"] == "offline"
    live_server.start()
    _acked(taxed_till, 2)
    _agrees(live_server, offline)

    bread = next(line["line_id"] for line in offline["lines"] if line["sku"] == "BREAD")
    back = taxed_till.returns.return_lines(offline["receipt_id"], {bread: 1})
    # one of two breads: refund floor(498 / 2) = 2.49, tax floor(24 x 249 / 498) = 0.12
    assert (back["refund_minor"], back["tax_minor"]) == (249, 12)
    assert f"{'  of which VAT':<37}{'0.12':>5}" in back["receipt_text"].splitlines()
    _acked(taxed_till, 3)
    _, outcome, _ = _posted(live_server, back["receipt_id"])
    assert outcome["tax"] == {"total": 12, "lines": {bread: 12}}


def test_a_till_whose_tax_differs_is_flagged_the_server_keeps_its_own_and_returns_give_back_exactly_it(
        live_server, taxed_till):
    till = ServerTill(live_server.app.test_client(), make_terminal(live_server.services, STORE, "T9"), STORE, "T9",
                      live_server.services.clock)
    # 3 x 2.49 = 7.47 at 5 %: 747 x 500 / 10500 = 35.57 -> 0.36; the till says 0.00
    sold = till.sale([{"line_id": "1", "sku": "BREAD", "qty": 3, "paid_minor": 747, "tax_minor": 0}])
    assert sold.status_code == 201, sold.json
    assert sold.json["tax"]["lines"] == {"1": 36} and "tax-differs" in sold.json["exceptions"]
    first = till.undo("return", sold.json["transaction_id"], [{"line_id": "1", "sku": "BREAD", "qty": 1}])
    rest = till.undo("return", sold.json["transaction_id"], [{"line_id": "1", "sku": "BREAD", "qty": 2}])
    # refunds 2.49 then 4.98: floor(36 x 249 / 747) = 12, then 36 - 12 = 24
    assert [r.json["tax"] for r in (first, rest)] == [{"total": 12, "lines": {"1": 12}},
                                                      {"total": 24, "lines": {"1": 24}}]
