"""Changes/s applied by an agent catching up from the change feed (and from a snapshot, for scale).

Run: .venv/bin/python -m bench.agent_catchup [--changes 20000] [--page N] (default: the agent's page size)

The server (in-process, threaded, fresh PostgreSQL database) holds a feed of N product changes;
a new agent's real FeedPuller pulls it over the signed HTTP link into its SQLite cache: first from
cursor 0 page by page (what a till that was away does), then as a wiped till bootstrapping from
the snapshot. Compare the two rates with each other, not across machines.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from werkzeug.serving import make_server

from bench.machine import describe
from bench.scratch import ScratchDatabase, publish_products, register_till
from pos_agent.link.http import HttpServerLink
from pos_agent.store import cache
from pos_agent.store.database import Database
from pos_agent.sync.feed_puller import PAGE_SIZE, FeedPuller
from server.app import create_app
from server.services import Services
from server.settings import Settings


def _product(i: int) -> dict:
    return {"sku": f"SKU{i:06d}", "name": f"Product {i}", "category": "grocery",
            "base_price_minor": 100 + i % 900, "barcodes": [f"2{i:011d}"]}


def run(changes: int, page: int) -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    database = ScratchDatabase().create()
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            services = Services.build(Settings.from_values({"data_dir": data_dir, "database_url": database.url,
                                                            "secret_key": "bench-secret-key-long-enough-for-onecard"}))
            credential = register_till(services, "B1", "T1")
            for start in range(0, changes, 1000):
                publish_products(services.db.engine, [_product(i) for i in range(start, min(start + 1000, changes))],
                                 services.clock())
            server = make_server("127.0.0.1", 0, create_app(services=services), threaded=True)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            link = HttpServerLink(credential, f"http://127.0.0.1:{server.server_port}", sync_timeout=60)
            print(f"machine: {describe()}")
            print(f"agent catch-up: a feed of {changes} product changes (+ store and programme), pages of {page}")
            db = Database(Path(data_dir) / "till.sqlite3")
            with db.transaction() as conn:
                cache.set_cursor(conn, 0)  # a till that has applied nothing: follow the feed from the start
            puller = FeedPuller(db, link, lambda: datetime.now(UTC), page_size=page)
            started = time.perf_counter()
            applied = puller.pull()
            feed_rate = applied / (time.perf_counter() - started)
            print(f"  changes from cursor 0: {applied} applied, {feed_rate:8.1f} changes/s")
            db.close()
            wiped = Database(Path(data_dir) / "wiped.sqlite3")
            puller = FeedPuller(wiped, link, lambda: datetime.now(UTC), page_size=page)
            started = time.perf_counter()
            applied = puller.pull()  # no cursor: snapshot first
            snap_rate = applied / (time.perf_counter() - started)
            print(f"  snapshot bootstrap:    {applied} applied, {snap_rate:8.1f} entities/s "
                  f"({snap_rate / feed_rate:.2f}x the changes rate)")
            wiped.close()
            server.shutdown()
            services.db.dispose()
    finally:
        database.drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=20000)
    parser.add_argument("--page", type=int, default=PAGE_SIZE)
    args = parser.parse_args()
    run(args.changes, args.page)


if __name__ == "__main__":
    main()
