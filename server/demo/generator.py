"""A chain's data made by code: the chain-scale benchmark set (``python -m bench.scale_seed``, on
PostgreSQL) and, at a small size, the demo's history (``server.demo.seed``, on SQLite or PostgreSQL).

Full size (``Size()``): 300 stores, 3,000 tills, 200,000 members, two years (730 days) ending at
``end``, 1,000,000 sales of 5 lines on average. The same seed and ``end`` give the same rows.

Shape: products are popular or rare (Zipf weights), some are bought together (each product has a
companion that joins its basket a third of the time); sales follow the week (busy Saturdays, quiet
Sundays) and the year (a summer lift, a December peak), stores differ in size; 60 % of sales are
members', who are regulars or occasional shoppers, mostly in their home store, some in a second one,
a few anywhere. Every sale is priced by the engine (``promotions.price_basket``) against the
chain's promotions: a percentage off produce, a 3-for-2 on snacks, double points on coffee, a member
price, and two targeted offers with held-out members (``promotions.holdout``). Points follow the
programme (``loyalty``): earn and bonus entries with their lots' expiry, redemptions within the
available balance (first-expiring first), and, after the last day, every lot past its expiry
expired by ``loyalty.expiry.expire_due`` from the member's replayed ledger, as the expiry job
would. Anonymous sales are sometimes returned a few days later; each store has offline episodes
whose sales arrive at the server (``received_at``) when the link returns.

Ledger invariants kept: every entry's id derives from its source (``loyalty.ids.entry_id``), a
member's balance is the sum of their entries, no debit takes more than the lots alive at its time
hold, and nothing is left past its expiry. Tills are rows with placeholder keys (no credential
is issued: register a till with ``onecard terminals register`` to post to the seeded chain).

Writes go in batches into an empty, migrated database: through COPY (psycopg ``cursor.copy``,
``CopyWriter``) on PostgreSQL, with the big tables' secondary indexes built once after the load
(``indexes_deferred``), or batched INSERTs (``InsertWriter``) on either database. The balances the
server keeps (``member_balances``) are written from the generator's own replay of each member's
entries, by the same function as ``store_kept``. On PostgreSQL worker processes (``pricing_pool``)
price the sales with the engine and compute what they earn while this one records them in order;
the rows are the same either way.
The demo then puts what it needs on the change feed (``publish``), as the API would have.

Modules: ``chain`` (size, stores, tills, products, offline episodes), ``members``, ``offers``
(promotions), ``baskets`` (sales drawn and priced), ``sales`` (sales and returns written),
``points`` (lots, expiries, kept balances), ``bulk`` (writers), ``pricing_pool``.
"""

from __future__ import annotations

import os
import random
import time
import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from server.dbmigrate import upgrade
from server.demo.bulk import LOADED, CopyWriter, InsertWriter, Writer, indexes_deferred
from server.demo.chain import Chain, Size, build_products, build_stores, plan_offline, use_stores
from server.demo.members import build_members
from server.demo.offers import build_promotions
from server.demo.points import write_expiries
from server.demo.pricing_pool import pricing
from server.demo.sales import write_sales
from server.membership.program import program_from_settings
from server.membership.publishing import publish_cards_of, publish_member
from server.models import Product, PromotionRecord
from server.pricing.publishing import publish_product, publish_promotion
from server.settings import Settings

__all__ = ["Chain", "Size", "generate", "publish", "seed", "seed_stores"]

# --- the whole chain -----------------------------------------------------------------------------

def no_progress(_stage: str, _done: int, _total: int) -> None:
    pass


def generate(chain: Chain, rng: random.Random, out: Writer, program, card_prefix: str, progress=no_progress,
             names: tuple[str, ...] = (), workers: int = 0) -> dict[str, int]:
    """Products, promotions, members, the sales of every day and the expiries after the last one,
    for a chain whose stores are built (``build_stores``) or given (``use_stores``); sales are
    priced by ``workers`` processes beside this one (none: in this one; the rows are the same)."""
    build_products(chain, rng, out)
    build_promotions(chain, rng, out)
    out.flush()
    build_members(chain, rng, out, card_prefix, names)
    out.flush()
    progress("members", chain.size.members, chain.size.members)
    plan_offline(chain, rng)
    with pricing(chain, program, workers) as prices:
        counts = write_sales(chain, rng, out, program, progress, prices)
    counts["expiries"] = write_expiries(chain, chain.start + timedelta(days=chain.size.days), out, progress)
    return counts


def seed(database_url: str, size: Size, end: date, seed_value: int, progress=no_progress, workers: int = 2) -> dict:
    """Build the chain into an empty PostgreSQL database at ``database_url`` through COPY, with
    ``workers`` pricing processes; returns what was written. Tills get placeholder keys (register
    one to post to the chain)."""
    began = time.monotonic()
    settings = Settings.load({**os.environ, "ONECARD_DATABASE_URL": database_url,
                              "ONECARD_SECRET_KEY": "scale-seed-never-signs-anything-0123456789"})
    engine = create_engine(settings.database_url)
    upgrade(engine)
    with engine.connect() as connection:
        if connection.execute(text("SELECT EXISTS (SELECT 1 FROM members)")).scalar():
            raise SystemExit("the database already holds members; give the generator an empty one")
    rng = random.Random(seed_value)
    chain = Chain(size, datetime.combine(end, datetime.min.time(), UTC) - timedelta(days=size.days))
    raw = engine.raw_connection()
    try:
        out = CopyWriter(raw.driver_connection)
        with indexes_deferred(raw.driver_connection, LOADED, progress):
            build_stores(chain, rng, out)
            counts = generate(chain, rng, out, program_from_settings(settings), settings.card_prefix, progress,
                              workers=workers)
        counts["kept_balances"] = out.written["member_balances"]
        raw.driver_connection.autocommit = True
        with raw.driver_connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    finally:
        raw.close()
        engine.dispose()
    return {**counts, "rows": out.written, "seconds": round(time.monotonic() - began, 1)}


def seed_stores(session: Session, stores: list[tuple[str, str, list[str]]], size: Size, end: date,
                seed_value: int, program, card_prefix: str, names: tuple[str, ...] = ()) -> Chain:
    """Build a small chain's history into ``session`` (batched INSERTs) for stores that exist
    already, and keep the members' balances; the caller publishes (``publish``) and commits."""
    rng = random.Random(seed_value)
    chain = Chain(size, datetime.combine(end, datetime.min.time(), UTC) - timedelta(days=size.days))
    use_stores(chain, stores, rng)
    out = InsertWriter(session)
    generate(chain, rng, out, program, card_prefix, names=names)
    return chain


def publish(session: Session, chain: Chain, program, now: datetime) -> None:
    """Put the generated products, promotions and members (with their cards) on the change feed."""
    for product in session.scalars(select(Product).where(Product.sku.in_([p["sku"] for p in chain.products]))):
        publish_product(session, product, now)
    for record in session.scalars(select(PromotionRecord)):
        publish_promotion(session, record, now)
    for member in chain.members:
        member_id = uuid.UUID(member["id"])
        publish_member(session, member_id, program, now)
        publish_cards_of(session, member_id, now)
