"""Checkout latency at the agent: scan -> total, and complete; p50/p99, online and offline.

Run: .venv/bin/python -m bench.checkout [--sales 150]

A real agent (its SQLite file, checkout service, background sync) talks to the real server
(in-process, threaded, fresh PostgreSQL database). Each sale scans three
items and a member card and reads the total ("scan -> total"), then takes cash and completes
(the durable local commit of sale, journal item and receipt). Online, the card look-up goes to the
server; offline (the server is shut down, so every connection is refused), the till answers from
its cache. Quote the
offline/online ratio, not the absolute figures: these machines are shared.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from werkzeug.serving import make_server

from bench.machine import describe, percentile
from bench.scratch import ScratchDatabase, publish_products, register_till
from pos_agent.checkout.service import Till
from pos_agent.link.http import HttpServerLink
from pos_agent.runtime import Agent, Timing
from server.app import create_app
from server.audit import Actor
from server.membership.members import Enrolment, enrol
from server.membership.service_desk import adjust_points
from server.services import Services
from server.settings import Settings

# Three shelf-priced products, so a sale's figures are plain arithmetic.
PRODUCTS = [
    {"sku": "BREAD", "name": "Bread", "category": "bakery", "base_price_minor": 249, "barcodes": ["4006381333931"]},
    {"sku": "WINE", "name": "Wine", "category": "wine", "base_price_minor": 1299, "barcodes": ["4001686301265"]},
    {"sku": "COFFEE", "name": "Coffee", "category": "pantry", "base_price_minor": 1500, "barcodes": ["4000417025005"]},
]
CODES = [p["barcodes"][0] for p in PRODUCTS]
SYNC_WAIT = 60.0


def _wait_until(predicate: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + SYNC_WAIT
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {SYNC_WAIT:.0f} s waiting for {what}")
        time.sleep(0.05)


def _member(services: Services) -> str:
    now = services.clock()
    with services.db.session() as session:
        member, card = enrol(session, Enrolment(name="Bench Member"), services.program, now, Actor.system("bench"))
        adjust_points(session, member.id, "seed", 100_000, "bench", services.program, now, Actor.system("bench"))
        session.commit()
        return card.number


def _sales(agent: Agent, card: str, count: int) -> tuple[list[float], list[float]]:
    totals, completes = [], []
    for _ in range(count):
        started = time.perf_counter()
        basket = agent.checkout.open_basket()
        for code in CODES:
            agent.checkout.add_item(basket["id"], code)
        agent.checkout.attach_member(basket["id"], card)
        agent.checkout.view(basket["id"])
        scanned = time.perf_counter()
        agent.checkout.add_tender(basket["id"], "cash")
        agent.checkout.complete(basket["id"])
        totals.append((scanned - started) * 1000)
        completes.append((time.perf_counter() - scanned) * 1000)
    return sorted(totals), sorted(completes)


def _line(mode: str, totals: list[float], completes: list[float]) -> str:
    return (f"  {mode:<7} scan->total p50 {percentile(totals, .5):6.1f} ms  p99 {percentile(totals, .99):6.1f} ms | "
            f"complete p50 {percentile(completes, .5):6.1f} ms  p99 {percentile(completes, .99):6.1f} ms")


def run(sales: int) -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    database = ScratchDatabase().create()
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            services = Services.build(Settings.from_values({"data_dir": data_dir, "database_url": database.url,
                                                            "secret_key": "bench-secret-key-long-enough-for-onecard"}))
            credential = register_till(services, "B1", "T1")
            publish_products(services.db.engine, PRODUCTS, services.clock())
            card = _member(services)
            server = make_server("127.0.0.1", 0, create_app(services=services), threaded=True)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            url = f"http://127.0.0.1:{server.server_port}"
            agent = Agent.open(Path(data_dir) / "agent", HttpServerLink(credential, url), Till("B1", "T1"),
                               timing=Timing(sync_interval=1.0, probe_interval=0.25))
            agent.start()
            _wait_until(lambda: agent.mode.online and agent.ref.card(card) is not None, what="the till synced")
            print(f"machine: {describe()}")
            print(f"checkout at the agent: {sales} sales per mode, 3 items + a member card each")
            online = _sales(agent, card, sales)
            server.shutdown()
            server.server_close()
            agent.mode.went_offline("bench: link dropped")
            offline = _sales(agent, card, sales)
            print(_line("online", *online))
            print(_line("offline", *offline))
            ratio = [percentile(off, .5) / percentile(on, .5) for off, on in zip(offline, online, strict=True)]
            print(f"  offline/online p50 ratio: scan->total {ratio[0]:.2f}, complete {ratio[1]:.2f}")
            agent.stop()
            services.db.dispose()
    finally:
        database.drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=150)
    args = parser.parse_args()
    run(args.sales)


if __name__ == "__main__":
    main()
