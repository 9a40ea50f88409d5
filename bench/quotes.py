"""POST /api/v1/quotes over real HTTP, beside the same run's baselines: ``python -m bench.quotes``.

Starts ``onecard server`` (gunicorn, 2 workers x 4 threads, as deployed) on a scratch PostgreSQL
database (bench.scratch) with Redis, seeded with 2,000 products, 1,000 active promotions in a
realistic mix and a gold member. Client processes (default 4, one till's credential each) send
terminal-signed quotes of a 20-line basket for that member's card over keep-alive connections for
a few seconds, after an unmeasured 2-second round of the same quotes. Baselines from the same
run, as bench.hot_paths measures them: a bare gunicorn hello-world app with the same worker model,
GET /api/v1/health, and a PostgreSQL primary-key select and INSERT+COMMIT. The database is dropped
afterwards. Not part of CI; never imports tests/.

Left out: TLS and a network between client and server (everything runs on one machine, so the
clients share the server's CPUs), coupons, points to redeem and rewards in the quote, and each
worker's first quote, which builds its catalogue: each client sends its first request of a round
before the clock starts (the one quote printed before the table times a first one).
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import random
import tempfile
import time

from sqlalchemy import update

from bench import hot_paths
from bench.machine import describe
from bench.scratch import ScratchDatabase, register_till
from server.audit import Actor
from server.membership.members import Enrolment, enrol
from server.models import Member
from server.pricing.products import upsert_products
from server.pricing.versions import create_promotion
from server.schemas.promotions import DefinitionSchema
from server.services import Services
from server.settings import Settings
from server.terminals import create_store
from store_sync.http.client import terminal_session
from store_sync.signing import TerminalCredential

STORE = "B2"
QUOTE = "quote"
PRODUCTS, CATEGORIES, HEAD = 2_000, 100, 300
KINDS = ("member_price", "percent_off", "amount_off", "multi_buy", "bundle", "bonus_points")
WEIGHTS = (35, 25, 10, 12, 8, 10)


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
        create_store(session, STORE, "Bench store", "Europe/Berlin", now, actor)
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


def basket(lines: int) -> tuple[dict, ...]:
    """``lines`` lines, mostly of the head products the promotions favour (as ``_sku`` picks)."""
    rng = random.Random(7)
    return tuple({"sku": _sku(rng), "qty": rng.randint(1, 3)} for _ in range(lines))


def _client(job: hot_paths.Job) -> tuple[list[float], dict[int, int]]:
    """A till asking for quotes (``job.card``, ``job.lines``); any other phase is a hot_paths one."""
    if job.phase != QUOTE:
        return hot_paths._client(job)
    session = hot_paths._session(job)
    body = {"store": STORE, "card_number": job.card, "lines": list(job.lines)}
    return hot_paths.timed(job, lambda: session.post(f"{job.url}/api/v1/quotes", json=body).status_code, 200)


def run(promotions: int, lines: int, clients: int, seconds: float) -> None:
    database = ScratchDatabase("bench_quotes").create()
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            _run(database, hot_paths.server_values(database, data_dir), promotions, lines, clients, seconds)
    finally:
        database.drop()


def _run(database: ScratchDatabase, values: dict[str, str], promotions: int, lines: int, clients: int,
         seconds: float) -> None:
    services = Services.build(Settings.from_values(values))
    began = time.monotonic()
    card = seed(services, promotions)
    credentials = [str(register_till(services, STORE, f"Q{n}")) for n in range(clients)]
    services.db.dispose()
    print(f"machine: {describe()}")
    print(f"seeded in {time.monotonic() - began:.0f} s: {PRODUCTS:,} products, {promotions:,} active promotions, "
          f"a gold member; {clients} client processes, {seconds:g} s per path, keep-alive, signed requests")
    env = hot_paths.server_env(values)
    hot_paths._pg_setup(database.dsn)
    with multiprocessing.get_context("spawn").Pool(clients) as pool:
        figures = hot_paths._baselines(pool, env, clients, seconds, database.dsn)
        figures.update(_onecard(pool, env, clients, seconds, credentials, card, basket(lines)))
    hot_paths.print_table(figures)
    quote = figures[QUOTE]
    print(f"{QUOTE} / health: {quote.rate / figures['health'].rate:.3f} (issue #14 asks >= 0.2); "
          f"{QUOTE} / PostgreSQL pk select: {quote.rate / figures['pk select'].rate:.3f}")


def _onecard(pool, env, clients: int, seconds: float, credentials: list[str], card: str,
             lines: tuple[dict, ...]) -> dict[str, hot_paths.Figure]:
    server, url = hot_paths.start_onecard(env)
    try:
        health = hot_paths._measure(pool, hot_paths._jobs("health", url, clients, seconds, [None]))
        _describe_quote(url, credentials[0], card, lines)
        # Unmeasured: each worker builds and freezes its catalogue on its first quote.
        hot_paths._measure(pool, hot_paths._jobs(QUOTE, url, clients, 2, credentials, [card], lines), _client)
        quote = hot_paths._measure(pool, hot_paths._jobs(QUOTE, url, clients, seconds, credentials, [card], lines),
                                   _client)
        return {"health": health, QUOTE: quote}
    finally:
        hot_paths._stop(server)


def _describe_quote(url: str, credential: str, card: str, lines: tuple[dict, ...]) -> None:
    """One quote, signed as the clients send it, to show what the basket gets from the catalogue."""
    session = terminal_session(TerminalCredential.parse(credential), url)
    started = time.perf_counter()
    answer = session.post(f"{url}/api/v1/quotes", json={"store": STORE, "card_number": card, "lines": list(lines)})
    answer.raise_for_status()
    body = answer.json()
    print(f"a quote of {len(lines)} lines: {sum(len(ln['discounts']) for ln in body['lines'])} discounts, "
          f"total {body['total']} of {body['subtotal']}, {body['points']['to_earn']} points; "
          f"first on its worker (with the catalogue build) {(time.perf_counter() - started) * 1000:.0f} ms")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--promotions", type=int, default=1_000)
    parser.add_argument("--lines", type=int, default=20)
    parser.add_argument("--clients", type=int, default=4, help="client processes (one till each)")
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per path")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    run(args.promotions, args.lines, args.clients, args.seconds)


if __name__ == "__main__":
    main()
