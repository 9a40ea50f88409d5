"""Journal items applied by the server on PostgreSQL, by batch size (1, 50, 200).

Run: .venv/bin/python -m bench.journal_ingest [--items 750] [--members 100] [--catalogue] [--sizes 1,50,200]

A real threaded HTTP server over a fresh PostgreSQL database; one till pushes signed
POST /api/v1/sync/journal batches of offline member sales, the way an agent drains after an outage.
Prints items/s per batch size and the ratio to the first size measured (compare ratios, not absolute
rates: these machines are shared).

By default the sales name skus the server does not sell, so the server cannot re-price them.
With ``--catalogue`` the demo chain is seeded first (1,000 products and its promotions: a member
price list, percentage and amount offs, a spend threshold, buy-get, 3-for-2, a chain-capped
offer, bonus points, a reward with a weekly limit) and the sales are 20 baskets of its products
(1 to 8 lines) at the prices and with the discounts the server gives at the till's feed cursor,
so each one is re-priced with the promotions as its till had them.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from werkzeug.serving import make_server

from bench.machine import describe
from bench.scratch import ScratchDatabase, register_till
from server.app import create_app
from server.audit import Actor
from server.demo.seed import seed_chain
from server.membership.members import Enrolment, enrol
from server.pricing.repricing import reprice_sale
from server.services import Services
from server.settings import Settings
from server.sync import head_seq, sequence_pending
from server.terminals import create_store, register_terminal
from store_sync.http.client import terminal_session

BATCHES = (1, 50, 200)


def _seed(services: Services, members: int):
    now = services.clock()
    with services.db.session() as session:
        store = create_store(session, "B1", "Bench store", "UTC", now, Actor.system("bench"))
        credential = register_terminal(session, store, "T1", now, Actor.system("bench"))[1]
        cards = [enrol(session, Enrolment(name=f"Member {i}"), services.program, now,
                       Actor.system("bench"))[1].number for i in range(members)]
        session.commit()
    return credential, cards


@dataclass(frozen=True)
class Till:
    """Where the bench's sales are made and what they hold."""

    store: str
    terminal: str
    baskets: list[list[dict]]  # each sale's lines: the next basket in turn
    feed_cursor: int | None = None


def _seed_catalogue(services: Services, members: int):
    """The demo chain, a till of its store A, ``members`` members and baskets priced as the server prices them."""
    chain = seed_chain(services, random.Random(14), product_count=1000, member_count=6)
    credential = register_till(services, "A", "J1")
    now = services.clock()
    with services.db.session() as session:
        cards = [enrol(session, Enrolment(name=f"Member {i}"), services.program, now,
                       Actor.system("bench"))[1].number for i in range(members)]
        session.commit()
    sequence_pending(services.db.engine)
    with services.db.session() as session:
        cursor = head_seq(session)
        baskets = [_priced(session, services, chain, cards[0], cursor, picks) for picks in _picks(chain)]
    return credential, cards, Till("A", "J1", baskets, cursor)


def _picks(chain) -> list[list[tuple[str, int]]]:
    """20 baskets over the chain's categories, some with the capped household offer and double-points dairy."""
    by_category: dict[str, list[str]] = {}
    for sku, category in sorted(chain.categories.items()):
        by_category.setdefault(category, []).append(sku)
    categories = sorted(by_category)
    baskets = []
    for b in range(20):
        cats = [categories[(b + i * 3) % len(categories)] for i in range(1 + b % 6)]
        picks = [(by_category[cat][(b * 7 + i) % len(by_category[cat])], 1 + (b + i) % 3) for i, cat in enumerate(cats)]
        picks += [(chain.features.skus["capped"][0], 1)] if b % 4 == 0 else []
        picks += [(chain.features.skus["earning"][0], 2)] if b % 5 == 0 else []
        baskets.append(picks)
    return baskets


def _priced(session, services: Services, chain, card: str, cursor: int, picks) -> list[dict]:
    """The lines as a till that priced them like the server sends them: paid figures and discounts."""
    lines = [{"line_id": str(i), "sku": sku, "qty": qty, "paid_minor": chain.prices[sku] * qty,
              "category": chain.categories[sku]} for i, (sku, qty) in enumerate(picks, start=1)]
    priced = reprice_sale(session, "A", services.clock(), card, tuple(lines), (), services.program,
                          feed_cursor=cursor).priced
    by_line = {line.line_id: line for line in priced.lines}
    for line in lines:
        server = by_line[line["line_id"]]
        line["paid_minor"] = server.total
        line["discounts"] = [{"promotion_id": d.promotion_id, "version": d.promotion_version, "label": d.label,
                              "amount_minor": d.amount, "coupon_code": d.coupon_code} for d in server.discounts]
    return lines


def _unknown_skus() -> list[list[dict]]:
    """Baskets of 1 to 5 lines of skus the server does not sell."""
    return [[{"line_id": str(i), "sku": f"SKU{i}", "qty": 1, "paid_minor": 199 + 37 * i} for i in range(1 + n)]
            for n in range(5)]


def _item(till: Till, card: str, seq: int) -> dict:
    lines = till.baskets[seq % len(till.baskets)]
    body = {"id": str(uuid.uuid4()), "kind": "sale", "store": till.store, "terminal": till.terminal,
            "offline": True, "at": datetime.now(UTC).isoformat(), "card_number": card, "lines": lines,
            "tenders": [{"kind": "cash", "amount_minor": sum(ln["paid_minor"] for ln in lines), "points": 0}]}
    if till.feed_cursor is not None:
        body["feed_cursor"] = till.feed_cursor
    return {"id": body["id"], "seq": seq, "type": "transaction", "body": body}


def run(items: int, members: int, catalogue: bool = False, sizes: tuple[int, ...] = BATCHES) -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    database = ScratchDatabase().create()
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            services = Services.build(Settings.from_values({"data_dir": data_dir, "database_url": database.url,
                                                            "secret_key": "bench-secret-key-long-enough-for-onecard"}))
            if catalogue:
                credential, cards, till_of = _seed_catalogue(services, members)
            else:
                (credential, cards), till_of = _seed(services, members), Till("B1", "T1", _unknown_skus())
            server = make_server("127.0.0.1", 0, create_app(services=services), threaded=True)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            url = f"http://127.0.0.1:{server.server_port}"
            till = terminal_session(credential, url)
            print(f"machine: {describe()}")
            print(f"journal ingest on PostgreSQL: {items} offline member sales per batch size, {members} members, "
                  + ("the demo catalogue's products and promotions (each sale re-priced)" if catalogue
                     else "skus the server does not sell (not re-priced)"))
            seq, rates = 0, {}
            for size in sizes:
                started = time.perf_counter()
                for start in range(0, items, size):
                    batch = []
                    for _ in range(min(size, items - start)):
                        seq += 1
                        batch.append(_item(till_of, cards[seq % members], seq))
                    response = till.post(f"{url}/api/v1/sync/journal", data=json.dumps(
                        {"protocol_version": 1, "store": till_of.store, "terminal": till_of.terminal,
                         "items": batch}),
                        headers={"Content-Type": "application/json"}, timeout=120)
                    statuses = {r["status"] for r in response.json()["results"]}
                    if response.status_code != 200 or statuses != {"applied"}:
                        raise RuntimeError(f"{response.status_code}: {response.text[:300]}")
                rates[size] = items / (time.perf_counter() - started)
                print(f"  batch {size:>3}: {rates[size]:8.1f} items/s  ({rates[size] / rates[sizes[0]]:.2f}x "
                      f"batch {sizes[0]})")
            server.shutdown()
            services.db.dispose()
    finally:
        database.drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=750)
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--catalogue", action="store_true",
                        help="sell the demo chain's products with its promotions, so that every sale is re-priced")
    parser.add_argument("--sizes", default=",".join(map(str, BATCHES)),
                        help="the batch sizes to measure, in order (comma-separated)")
    args = parser.parse_args()
    run(args.items, args.members, args.catalogue, tuple(int(size) for size in args.sizes.split(",")))


if __name__ == "__main__":
    main()
