"""A gold member's sale at a real till against the real server, online and offline: member prices
for all members and for gold only, a 3-for-2, an offer for gold members and a spend threshold. The
server prices the sale as the till did, to the cent and the point: no ``price-differs``."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from pos_agent.checkout.service import Till
from pos_agent.link.http import HttpServerLink
from pos_agent.runtime import Agent, Timing
from pos_agent.store import journal
from server.audit import Actor
from server.models import Member, PostedTransaction, SaleDiscount
from server.pricing.products import upsert_products
from server.pricing.versions import create_promotion
from server.services import Services
from server.settings import Settings
from tests.conftest import TEST_SECRET
from tests.integration.agent import catalogue
from tests.integration.agent.live import LiveServer, wait_until
from tests.support.factories import make_terminal, seed_member
from tests.support.feed import publish

WINE, COFFEE, BREAD, CIGARETTES = "4001686301265", "4000417025005", "4006381333931", "4002515289693"
CHIPS, NUTS = "4000000000907", "4000000000914"
SNACKS = ({"sku": "CHIPS", "name": "Paprika chips", "category": "snacks", "base_price_minor": 199,
           "barcodes": [CHIPS]},
          {"sku": "NUTS", "name": "Peanuts roasted", "category": "snacks", "base_price_minor": 149,
           "barcodes": [NUTS]})
QUICK = Timing(sync_interval=0.2, probe_interval=0.1, backoff_base=0.05, backoff_cap=0.5)
PROMOTIONS = (
    {"label": "Member price", "rule": {"kind": "member_price", "prices": [{"sku": "COFFEE", "price_minor": 1275}]},
     "targeting": {"members_only": True}},
    {"label": "Gold price", "rule": {"kind": "member_price", "prices": [{"sku": "BREAD", "price_minor": 199}]},
     "targeting": {"members_only": True, "tiers": ["gold"]}},
    {"label": "3 for 2 snacks", "rule": {"kind": "multi_buy", "buy": 2, "get": 1,
                                        "scope": {"categories": ["snacks"]}}},
    {"label": "Gold: 10% off wine", "rule": {"kind": "percent_off", "percent_bp": 1000,
                                            "scope": {"categories": ["wine"]}},
     "targeting": {"members_only": True, "tiers": ["gold"]}},
    {"label": "Spend 30, save 3", "rule": {"kind": "spend_threshold",
                                          "tiers": [{"min_spend_minor": 3000, "amount_off_minor": 300}]}},
)


@dataclass
class Chain:
    server: LiveServer
    credential: object
    tmp_path: object

    @contextlib.contextmanager
    def till(self) -> Iterator[Agent]:
        agent = Agent.open(self.tmp_path / "till", HttpServerLink(self.credential, self.server.url),
                           Till("B1", "T1"), timing=QUICK)
        agent.start()
        try:
            wait_until(lambda: agent.mode.online and agent.ref.product("NUTS") is not None, what="the catalogue")
            yield agent
        finally:
            agent.stop()

    def gold_member(self, points: int) -> tuple[str, str]:
        """A gold member with a card, published to the feed as the till's cache would hold them."""
        services = self.server.services
        member_id, number = seed_member(services, points, "Goldie")
        with services.db.session() as session:
            session.get(Member, uuid.UUID(member_id)).tier = "gold"
            session.commit()
        member = catalogue.member_payload(member_id, available=points, tier="gold", taken_at=services.clock(),
                                          name="Goldie")
        publish(services.db.engine, ("member", member_id, "upsert", member, None),
                ("card", number, "upsert", catalogue.card_payload(number, member_id), None))
        return member_id, number

    def discounts(self, sale_id: str) -> set[str]:
        """The labels of the discounts the sale was posted with."""
        with self.server.services.db.session() as session:
            return set(session.scalars(select(SaleDiscount.label).where(SaleDiscount.transaction_id == sale_id)))

    def posted(self, sale_id: str) -> PostedTransaction:
        with self.server.services.db.session() as session:
            return session.get(PostedTransaction, sale_id)


@pytest.fixture
def chain(tmp_path, sqlite_template) -> Iterator[Chain]:
    services = Services.build(Settings.from_values({"data_dir": str(tmp_path), "secret_key": TEST_SECRET,
                                                    "database_url": sqlite_template.copy_to(tmp_path)}))
    server = LiveServer(services)
    server.start()
    credential = make_terminal(services, "B1", "T1")
    now, actor = services.clock(), Actor.system("test")
    with services.db.session() as session:
        products = (catalogue.BREAD, catalogue.WINE, catalogue.COFFEE, catalogue.CIGARETTES, *SNACKS)
        upsert_products(session, [{"tax_class": "standard", "excluded_from_points": False, "active": True, **p}
                                  for p in products], now)
        for promotion in PROMOTIONS:
            create_promotion(session, catalogue.definition(**promotion), "active", now, actor, services.program)
        session.commit()
    yield Chain(server, credential, tmp_path)
    server.stop()
    services.db.dispose()


def _sell(till: Agent, card: str, points: int) -> dict:
    basket = till.checkout.open_basket()["id"]
    for code in (CHIPS, CHIPS, NUTS, COFFEE, BREAD, WINE, CIGARETTES):
        till.checkout.add_item(basket, code)
    till.checkout.attach_member(basket, card)
    till.checkout.redeem_points(basket, points)
    till.checkout.add_tender(basket, "cash")
    return till.checkout.complete(basket)


def _acked(till: Agent) -> None:
    def done():
        with till.db.reading() as conn:
            return journal.counts(conn)["acked"] == 1
    wait_until(done, what="the sale acknowledged")


def _agree(chain: Chain, done: dict, member_id: str) -> None:
    posted = chain.posted(done["receipt_id"])
    assert chain.discounts(done["receipt_id"]) == {p["label"] for p in PROMOTIONS}
    assert posted.outcome["exceptions"] == []
    assert posted.total_minor == done["total"]
    assert (posted.outcome["points_earned"], posted.outcome["points_redeemed"]) == (
        done["points"]["to_earn"], done["points"]["redeemed"])
    assert chain.server.account(member_id).balance == done["new_balance"]


# Before the spend threshold: chips 1.99 + 1.99 + nuts 1.49 free (3 for 2) = 3.98, coffee member
# price 12.75, bread gold price 1.99, wine 12.99 less 10% = 11.69, cigarettes 8.50: 38.91; 3.00 off
# the lot: 35.91.
TOTAL = 3591


def test_a_gold_members_online_sale_with_member_prices_and_a_multi_buy_is_priced_alike(chain):
    member_id, card = chain.gold_member(points=2000)
    with chain.till() as till:
        wait_until(lambda: till.ref.card(card) is not None, what="the card in the feed")
        done = _sell(till, card, points=500)
        assert (done["total"], done["points"]["pending"]) == (TOTAL, False)
        _acked(till)
    assert not chain.posted(done["receipt_id"]).offline
    _agree(chain, done, member_id)
    assert "price-differs" not in chain.server.exception_kinds()


def test_the_same_sale_offline_is_priced_alike_once_it_arrives(chain):
    member_id, card = chain.gold_member(points=2000)
    with chain.till() as till:
        wait_until(lambda: till.ref.card(card) is not None, what="the card in the feed")
        chain.server.stop()
        wait_until(lambda: not till.mode.online, what="the till noticing")
        done = _sell(till, card, points=500)
        assert (done["total"], done["points"]["pending"]) == (TOTAL, True)
        chain.server.start()
        _acked(till)
    assert chain.posted(done["receipt_id"]).offline
    _agree(chain, done, member_id)
    assert chain.server.exception_kinds() == []
