"""Posting transactions to the server on PostgreSQL: throughput and latency.

Run: .venv/bin/python -m bench.transactions [--sales 2000] [--members 200] [--clients 4]

A real threaded HTTP server over a fresh PostgreSQL database; clients sign each request as tills
do. Prints transactions/s and p50/p99 for posting sales, card look-ups, and replays of ids the
server has already applied (the retry path of an agent after a lost acknowledgement).
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from werkzeug.serving import make_server

from bench.machine import describe, percentile
from bench.scratch import ScratchDatabase
from server.app import create_app
from server.audit import Actor
from server.membership.members import Enrolment, enrol
from server.services import Services
from server.settings import Settings
from server.terminals import create_store, register_terminal
from store_sync.http.client import terminal_session


def _seed(services: Services, members: int, clients: int):
    now = services.clock()
    with services.db.session() as session:
        store = create_store(session, "B1", "Bench store", "Europe/Berlin", now, Actor.system("bench"))
        credentials = [register_terminal(session, store, f"T{i}", now, Actor.system("bench"))[1]
                       for i in range(clients)]
        cards = [enrol(session, Enrolment(name=f"Member {i}"), services.program, now,
                       Actor.system("bench"))[1].number for i in range(members)]
        session.commit()
    return credentials, cards


def _sale_body(terminal: str, card: str, n: int) -> dict:
    lines = [{"line_id": str(i), "sku": f"SKU{i}", "qty": 1 + i % 3, "paid_minor": 199 + 37 * i}
             for i in range(1 + n % 8)]
    total = sum(line["paid_minor"] for line in lines)
    return {"id": str(uuid.uuid4()), "kind": "sale", "store": "B1", "terminal": terminal,
            "at": "2026-11-26T10:00:00+00:00", "card_number": card, "lines": lines,
            "tenders": [{"kind": "card", "amount_minor": total}]}


def _timed(call) -> float:
    start = time.perf_counter()
    response = call()
    elapsed = time.perf_counter() - start
    if response.status_code >= 400:
        raise RuntimeError(f"{response.status_code}: {response.text[:200]}")
    return elapsed


def _run(label: str, calls: list, clients: int) -> list[float]:
    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        times = sorted(pool.map(_timed, calls))
    wall = time.perf_counter() - start
    print(f"{label:<22} {len(calls) / wall:>9.0f}/s   p50 {percentile(times, .5) * 1000:7.2f} ms"
          f"   p99 {percentile(times, .99) * 1000:7.2f} ms   ({len(calls)} requests)")
    return times


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=2000)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    database = ScratchDatabase().create()
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            settings = Settings.from_values({"data_dir": data_dir, "database_url": database.url,
                                             "secret_key": "bench-secret-key-" + "x" * 32})
            services = Services.build(settings)
            credentials, cards = _seed(services, args.members, args.clients)
            server = make_server("127.0.0.1", 0, create_app(services=services), threaded=True)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            url = f"http://127.0.0.1:{server.server_port}"
            sessions = [terminal_session(c, url) for c in credentials]
            print(describe())
            bodies = [(i % args.clients, _sale_body(f"T{i % args.clients}", cards[i % len(cards)], i))
                      for i in range(args.sales)]

            def post(t: int, body: dict):
                return lambda: sessions[t].post(f"{url}/api/v1/transactions", data=json.dumps(body),
                                                headers={"Content-Type": "application/json"})

            _run("post sale", [post(t, b) for t, b in bodies], args.clients)
            def look_up(t: int, card: str):
                return lambda: sessions[t].get(f"{url}/api/v1/cards/{card}")

            lookups = [look_up(i % args.clients, cards[i % len(cards)]) for i in range(args.sales // 2)]
            _run("card look-up", lookups, args.clients)
            _run("replay applied id", [post(t, b) for t, b in bodies[: args.sales // 2]], args.clients)
            server.shutdown()
            services.db.dispose()
    finally:
        database.drop()


if __name__ == "__main__":
    main()
