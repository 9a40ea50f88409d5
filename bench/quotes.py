"""Benchmark of POST /api/v1/quotes through the app on PostgreSQL: p50 / p99 per quote.

Run: ``.venv/bin/python -m bench.quotes`` (well under a minute). It creates its own PostgreSQL
database on 127.0.0.1:5432 (user postgres; ONECARD_BENCH_PG_URL overrides), migrates it, loads
2,000 products and 1,000 active promotions in a realistic mix, enrols a gold member, and prices
a 20-line basket for that member's card through the Flask test client (HTTP parsing, auth, the
database reads of a quote and the engine). The database is dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text, update
from sqlalchemy.engine import make_url

from server.app import create_app
from server.audit import Actor
from server.membership.members import Enrolment, enrol
from server.models import Member
from server.pricing.products import upsert_products
from server.pricing.versions import create_promotion
from server.schemas.promotions import DefinitionSchema
from server.services import Services
from server.settings import Settings
from server.staff import create_staff_user
from server.terminals import create_store

PG_URL = os.environ.get("ONECARD_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PRODUCTS, CATEGORIES, HEAD = 2_000, 100, 300
KINDS = ("member_price", "percent_off", "amount_off", "multi_buy", "bundle", "bonus_points")
WEIGHTS = (35, 25, 10, 12, 8, 10)


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    return (f"platform: {platform.platform()}\ncpu: {cpu} x{os.cpu_count()}\n"
            f"python: {platform.python_implementation()} {platform.python_version()}")


def _sku(rng: random.Random) -> str:
    return f"SKU{rng.randrange(HEAD) if rng.random() < 0.7 else rng.randrange(PRODUCTS):05d}"


def _scope(rng: random.Random) -> dict:
    if rng.random() < 0.7:
        return {"skus": sorted({_sku(rng) for _ in range(rng.randint(1, 4))})}
    return {"categories": [f"cat-{rng.randrange(CATEGORIES)}"]}


def _rule(rng: random.Random, kind: str) -> dict:
    if kind == "member_price":
        skus = sorted({_sku(rng) for _ in range(rng.randint(1, 5))})
        return {"kind": kind, "prices": [{"sku": s, "price_minor": 40 + int(s[3:]) % 900} for s in skus]}
    if kind == "percent_off":
        return {"kind": kind, "percent_bp": rng.choice((500, 1000, 2000)), "scope": _scope(rng)}
    if kind == "amount_off":
        return {"kind": kind, "amount_minor": rng.choice((20, 50, 100)), "scope": _scope(rng)}
    if kind == "multi_buy":
        return {"kind": kind, "buy": rng.choice((1, 2)), "get": 1, "scope": _scope(rng)}
    if kind == "bundle":
        return {"kind": kind, "price_minor": rng.randint(300, 1500),
                "components": [{"scope": _scope(rng)} for _ in range(2)]}
    return {"kind": kind, "extra_bp": 10_000, "scope": _scope(rng)}


def seed(services: Services, promotions: int, seed_value: int = 20250304) -> str:
    """Load products, promotions, a store and a gold member; return the member's card number."""
    rng, now, actor = random.Random(seed_value), services.clock(), Actor.system("bench")
    schema = DefinitionSchema()
    with services.db.session() as session:
        create_store(session, "B2", "Bench store", "Europe/Berlin", now, actor)
        create_staff_user(session, "bench", "bench password 123", "marketing", now, actor)
        upsert_products(session, [{"sku": f"SKU{i:05d}", "name": f"Product {i}", "category": f"cat-{i % CATEGORIES}",
                                   "base_price_minor": 49 + (i * 7919) % 2950, "tax_class": "standard",
                                   "excluded_from_points": False, "active": True, "barcodes": []}
                                  for i in range(PRODUCTS)], now)
        for i in range(promotions):
            kind = rng.choices(KINDS, WEIGHTS)[0]
            definition = schema.load({"label": f"{kind} {i}", "rule": _rule(rng, kind),
                                      "priority": rng.randrange(3), "exclusive": rng.random() < 0.2})
            create_promotion(session, definition, "active", now, actor, services.program)
        member, card = enrol(session, Enrolment(name="Bench Member"), services.program, now, actor)
        session.execute(update(Member).where(Member.id == member.id).values(tier="gold"))
        session.commit()
        return card.number


def run(promotions: int, lines: int, samples: int) -> None:
    name = f"onecard_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        _measure(url, promotions, lines, samples)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _measure(url: str, promotions: int, lines: int, samples: int) -> None:
    from server.dbmigrate import upgrade

    with tempfile.TemporaryDirectory() as data_dir:
        services = Services.build(Settings.from_values({"data_dir": data_dir, "database_url": url,
                                                        "secret_key": "bench-secret-key-long-enough-for-onecard"}))
        upgrade(services.db.engine)
        started = time.perf_counter()
        card = seed(services, promotions)
        print(f"seeded {PRODUCTS:,} products and {promotions:,} active promotions in "
              f"{time.perf_counter() - started:.1f} s")
        client = create_app(services=services).test_client()
        token = client.post("/api/v1/auth/token", json={"username": "bench", "password": "bench password 123"})
        headers = {"Authorization": f"Bearer {token.json['access_token']}"}
        rng = random.Random(7)
        body = {"store": "B2", "card_number": card,
                "lines": [{"sku": _sku(rng), "qty": rng.randint(1, 3)} for _ in range(lines)]}
        started = time.perf_counter()
        first = client.post("/api/v1/quotes", json=body, headers=headers)
        assert first.status_code == 200, first.json
        print(f"first quote (builds and freezes the catalogue): {(time.perf_counter() - started) * 1000:.0f} ms; "
              f"{sum(len(ln['discounts']) for ln in first.json['lines'])} discounts on {lines} lines")
        timings = [_timed(client, body, headers) for _ in range(samples)]
        cuts = statistics.quantiles(timings, n=100)
        print(f"POST /api/v1/quotes, {lines} lines, {promotions:,} promotions, {samples} quotes: "
              f"p50 {statistics.median(timings):.1f} ms, p99 {cuts[98]:.1f} ms, max {max(timings):.1f} ms")
        services.db.dispose()


def _timed(client, body: dict, headers: dict) -> float:
    started = time.perf_counter()
    response = client.post("/api/v1/quotes", json=body, headers=headers)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, response.json
    return elapsed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--promotions", type=int, default=1_000)
    parser.add_argument("--lines", type=int, default=20)
    parser.add_argument("--samples", type=int, default=500)
    args = parser.parse_args(argv)
    print(machine())
    run(args.promotions, args.lines, args.samples)


if __name__ == "__main__":
    main()
