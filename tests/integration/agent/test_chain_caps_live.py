"""A chain-wide usage cap at a real till against the real server: online each use is reserved, offline
the till gives at most its allowance, once the cap is reached the feed stops it; the server prices
every sale as the till did, anonymous shoppers included."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from pos_agent.checkout.service import Till
from pos_agent.exceptions import OfferRefused
from pos_agent.link.http import HttpServerLink
from pos_agent.runtime import Agent
from pos_agent.store import journal
from server.audit import Actor
from server.models import CapUse
from server.pricing.cap_holds import reserve_caps
from server.pricing.products import upsert_products
from server.pricing.versions import create_promotion
from server.services import Services
from server.settings import Settings
from tests.conftest import TEST_SECRET
from tests.integration.agent import catalogue
from tests.integration.agent.live import LiveServer, wait_until
from tests.integration.agent.test_member_pricing_live import QUICK
from tests.support.factories import make_terminal

COFFEE, BREAD = "4000417025005", "4006381333931"
FIRST_3 = {"label": "First 3: 1.00 off coffee", "rule": {"kind": "amount_off", "amount_minor": 100,
                                                         "scope": {"skus": ["COFFEE"]}},
           "chain_cap": {"max_uses": 3, "offline_uses": 1}}
FIRST_BREAD = {"label": "First 1: bread 0.50 off", "rule": {"kind": "amount_off", "amount_minor": 50,
                                                            "scope": {"skus": ["BREAD"]}},
               "chain_cap": {"max_uses": 1}}


@pytest.fixture
def till(tmp_path, sqlite_template) -> Iterator[tuple[LiveServer, Agent, dict]]:
    services = Services.build(Settings.from_values({"data_dir": str(tmp_path), "secret_key": TEST_SECRET,
                                                    "database_url": sqlite_template.copy_to(tmp_path)}))
    server = LiveServer(services)
    server.start()
    credential = make_terminal(services, "B1", "T1")
    now, actor = services.clock(), Actor.system("test")
    ids = {}
    with services.db.session() as session:
        upsert_products(session, [{"tax_class": "standard", "excluded_from_points": False, "active": True, **p}
                                  for p in (catalogue.BREAD, catalogue.COFFEE)], now)
        for name, promotion in (("coffee", FIRST_3), ("bread", FIRST_BREAD)):
            ids[name] = str(create_promotion(session, catalogue.definition(**promotion), "active", now, actor,
                                             services.program).id)
        session.commit()
    agent = Agent.open(tmp_path / "till", HttpServerLink(credential, server.url), Till("B1", "T1"), timing=QUICK)
    agent.start()
    with contextlib.ExitStack() as stack:
        stack.callback(services.db.dispose)
        stack.callback(server.stop)
        stack.callback(agent.stop)
        wait_until(lambda: agent.mode.online and len(list(agent.ref.catalogue())) == 2, what="the catalogue")
        yield server, agent, ids


def _sell(agent: Agent, code: str = COFFEE) -> dict:
    basket = agent.checkout.open_basket()["id"]
    agent.checkout.add_item(basket, code)
    agent.checkout.add_tender(basket, "cash")
    return agent.checkout.complete(basket)


def _acked(agent: Agent, count: int) -> None:
    def done():
        with agent.db.reading() as conn:
            return journal.counts(conn)["acked"] == count
    wait_until(done, what=f"{count} sales acknowledged")


def _uses(server: LiveServer, promotion_id: str) -> int:
    with server.services.db.session() as session:
        return session.scalar(select(func.count()).where(CapUse.promotion_id == promotion_id))


def test_online_uses_are_reserved_offline_the_allowance_holds_and_the_reached_cap_stops_the_till(till):
    server, agent, ids = till
    for _ in range(2):
        assert _sell(agent)["total"] == 1400  # anonymous, online: a use reserved and confirmed
    _acked(agent, 2)
    assert _uses(server, ids["coffee"]) == 2
    server.stop()
    wait_until(lambda: not agent.mode.online, what="the till noticing")
    first, second = _sell(agent), _sell(agent)
    assert (first["mode"], first["total"]) == ("offline", 1400)  # the one use its allowance covers
    assert (second["mode"], second["total"]) == ("offline", 1500)  # allowance spent: the shelf price
    server.start()
    _acked(agent, 4)
    assert _uses(server, ids["coffee"]) == 3
    wait_until(lambda: ids["coffee"] in agent.ref.caps_reached(), what="the feed saying the cap is reached")
    server.stop()
    wait_until(lambda: not agent.mode.online, what="the till noticing")
    assert _sell(agent)["total"] == 1500  # offline again, a fresh allowance, but the cap is reached
    server.start()
    _acked(agent, 5)
    assert server.exception_kinds() == []


def test_a_capped_offer_the_server_will_not_reserve_is_left_out_and_the_sale_goes_on(till):
    server, agent, ids = till
    with server.services.db.session() as session:  # another till holds the only use
        reserve_caps(session, uuid.uuid4(), [ids["bread"]], None, "B1", "T9", server.services.program,
                     server.services.clock())
        session.commit()
    basket = agent.checkout.open_basket()["id"]
    agent.checkout.add_item(basket, BREAD)
    assert agent.checkout.view(basket)["total"] == 199  # the feed cannot know a reservation
    agent.checkout.add_tender(basket, "cash")
    with pytest.raises(OfferRefused):
        agent.checkout.complete(basket)
    assert agent.checkout.view(basket)["due"] == 50  # re-priced without it: 0.50 more to pay
    agent.checkout.add_tender(basket, "cash")
    assert agent.checkout.complete(basket)["total"] == 249
    _acked(agent, 1)
    assert server.exception_kinds() == [] and _uses(server, ids["bread"]) == 0
