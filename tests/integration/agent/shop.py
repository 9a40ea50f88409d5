"""The real server with its own catalogue (products, 10% off wine, a single-use coupon) and real
agents over HTTP: the ``shop`` fixture, shared by the live agent tests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from pos_agent.checkout.service import Till
from pos_agent.link.http import HttpServerLink
from pos_agent.runtime import Agent, Timing
from server.audit import Actor
from server.pricing.coupons import generate_batch
from server.pricing.products import upsert_products
from server.pricing.versions import create_promotion
from server.services import Services
from server.settings import Settings
from tests.conftest import TEST_SECRET
from tests.integration.agent import catalogue
from tests.integration.agent.live import LiveServer, wait_until
from tests.support.factories import make_terminal

QUICK = Timing(sync_interval=0.2, probe_interval=0.1, backoff_base=0.05, backoff_cap=0.5)


@pytest.fixture
def shop(tmp_path, sqlite_template) -> Iterator[Shop]:
    """The server with its own catalogue (products, 10% off wine, a single-use coupon), two stores."""
    services = Services.build(Settings.from_values({"data_dir": str(tmp_path), "secret_key": TEST_SECRET,
                                                    "database_url": sqlite_template.copy_to(tmp_path)}))
    server = LiveServer(services)
    server.start()
    now, actor = services.clock(), Actor.system("test")
    credentials = {store: make_terminal(services, store, "T1") for store in ("B1", "C3")}
    with services.db.session() as session:
        products = (catalogue.BREAD, catalogue.WINE, catalogue.COFFEE, catalogue.CIGARETTES)
        upsert_products(session, [{"tax_class": "standard", "excluded_from_points": False, "active": True, **p}
                                  for p in products], now)
        create_promotion(session, catalogue.definition(label="10% off wine", rule={
            "kind": "percent_off", "percent_bp": 1000, "scope": {"categories": ["wine"]}}), "active", now, actor,
            services.program)
        coupon = catalogue.definition(label="2.00 off with your coupon", coupon={"single_use": True}, rule={
            "kind": "amount_off", "amount_minor": 200, "scope": {"whole_basket": True}})
        record = create_promotion(session, coupon, "active", now, actor, services.program)
        _, codes = generate_batch(session, record, coupon, "ONCE-", 1, now, actor)
        session.commit()
    yield Shop(server, credentials, codes[0], tmp_path)
    server.stop()
    services.db.dispose()


@dataclass
class Shop:
    server: LiveServer
    credentials: dict
    coupon: str
    tmp_path: object

    @contextlib.contextmanager
    def till(self, store: str) -> Iterator[Agent]:
        """The store's till, started and caught up with the catalogue; stopped afterwards."""
        agent = Agent.open(self.tmp_path / store, HttpServerLink(self.credentials[store], self.server.url),
                           Till(store, "T1"), timing=QUICK)
        agent.start()
        try:
            wait_until(lambda: agent.mode.online and agent.ref.caught_up_at() is not None, what=f"till {store}")
            wait_until(lambda: agent.ref.product("CIGS") is not None, what="the catalogue in the feed")
            yield agent
        finally:
            agent.stop()
