"""A scratch PostgreSQL database for one benchmark run, made and dropped by the bench itself.

Benchmarks never import tests/: what they need to stand up a server (a migrated database, a
registered till, products on the feed) is here, on the server's own functions.
ONECARD_BENCH_PG names the PostgreSQL server (default: the local one, database ``test``).
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from server.audit import Actor
from server.db import make_engine
from server.dbmigrate import upgrade
from server.membership.publishing import publish_program_if_changed
from server.models import Store
from server.services import Services
from server.sync import record_change
from server.terminals import create_store, register_terminal
from store_sync.signing import TerminalCredential

ADMIN_URL = os.environ.get("ONECARD_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
BENCH = Actor.system("bench")


class ScratchDatabase:
    """``create()`` a uniquely named, migrated database; ``drop()`` it when the run ends."""

    def __init__(self, prefix: str = "bench") -> None:
        self.name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        self.dsn = ADMIN_URL.rsplit("/", 1)[0] + f"/{self.name}"  # plain libpq, for psycopg baselines
        self.url = self.dsn.replace("postgresql://", "postgresql+psycopg://", 1)  # for SQLAlchemy

    def create(self, *, migrate: bool = True) -> ScratchDatabase:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        if migrate:
            engine = make_engine(self.url)
            upgrade(engine)
            engine.dispose()
        return self

    def drop(self) -> None:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@contextmanager
def scratch_run(prefix: str, *, migrate: bool = True) -> Iterator[tuple[ScratchDatabase, str]]:
    """A scratch database and a temporary data directory for one run, both gone when it ends."""
    database = ScratchDatabase(prefix).create(migrate=migrate)
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            yield database, data_dir
    finally:
        database.drop()


def register_till(services: Services, store: str, terminal: str, timezone: str = "Europe/Berlin"
                  ) -> TerminalCredential:
    """A till of ``store`` (created if new) with its credential; the programme is on the feed."""
    now = services.clock()
    with services.db.session() as session:
        store_row = (session.scalar(select(Store).where(Store.code == store))
                     or create_store(session, store, f"Store {store}", timezone, now, BENCH))
        _, credential = register_terminal(session, store_row, terminal, now, BENCH)
        publish_program_if_changed(session, services.program, services.settings.currency, now)
        session.commit()
    return credential


def honest_lines(session: Session, services: Services, store: str, card: str | None, lines: tuple[dict, ...],
                 categories: dict[str, str], at) -> list[dict]:
    """``lines`` (line_id, sku, qty) as an honest till sends them after pricing them with the
    server's engine: what each line cost, its tax and its discounts, so posting them records no
    reconciliation exception. The caller rolls the session back (a quote writes nothing needed)."""
    from server.pricing.catalogues import CATALOGUES
    from server.pricing.quotes import QuoteRequest, price_quote

    quote = price_quote(session, QuoteRequest(store=store, at=at, lines=lines, card_number=card),
                        services.program, CATALOGUES.live(session))
    return [{"line_id": ln.line_id, "sku": ln.sku, "qty": ln.qty, "paid_minor": ln.total,
             "category": categories[ln.sku], "tax_minor": ln.tax,
             "discounts": [{"promotion_id": d.promotion_id, "version": d.promotion_version, "label": d.label,
                            "amount_minor": d.amount} for d in ln.discounts]}
            for ln in quote.priced.lines]


def publish_products(engine: Engine, products: list[dict[str, Any]], now) -> None:
    """Put product payloads on the change feed in one transaction, as the catalogue API does."""
    with Session(engine) as session:
        for payload in products:
            record_change(session, entity_type="product", entity_id=payload["sku"], op="upsert",
                          payload=payload, store_code=None, now=now)
        session.commit()
