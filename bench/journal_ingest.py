"""Journal items applied by the server on PostgreSQL, by batch size (1, 50, 200).

Run: .venv/bin/python -m bench.journal_ingest [--items 750] [--members 100]

A real threaded HTTP server over a fresh PostgreSQL database; one till pushes signed
POST /api/v1/sync/journal batches of offline member sales, the way an agent drains after an outage.
Prints items/s per batch size and the ratio to batch size 1 (compare ratios, not absolute rates:
these machines are shared).
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime

from werkzeug.serving import make_server

from bench.machine import describe
from bench.scratch import ScratchDatabase
from server.app import create_app
from server.audit import Actor
from server.membership.members import Enrolment, enrol
from server.services import Services
from server.settings import Settings
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


def _item(card: str, seq: int) -> dict:
    lines = [{"line_id": str(i), "sku": f"SKU{i}", "qty": 1, "paid_minor": 199 + 37 * i} for i in range(1 + seq % 5)]
    body = {"id": str(uuid.uuid4()), "kind": "sale", "store": "B1", "terminal": "T1", "offline": True,
            "at": datetime.now(UTC).isoformat(), "card_number": card, "lines": lines,
            "tenders": [{"kind": "cash", "amount_minor": sum(ln["paid_minor"] for ln in lines), "points": 0}]}
    return {"id": body["id"], "seq": seq, "type": "transaction", "body": body}


def run(items: int, members: int) -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    database = ScratchDatabase().create()
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            services = Services.build(Settings.from_values({"data_dir": data_dir, "database_url": database.url,
                                                            "secret_key": "bench-secret-key-long-enough-for-onecard"}))
            credential, cards = _seed(services, members)
            server = make_server("127.0.0.1", 0, create_app(services=services), threaded=True)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            url = f"http://127.0.0.1:{server.server_port}"
            till = terminal_session(credential, url)
            print(f"machine: {describe()}")
            print(f"journal ingest on PostgreSQL: {items} offline member sales per batch size, {members} members")
            seq, rates = 0, {}
            for size in BATCHES:
                started = time.perf_counter()
                for start in range(0, items, size):
                    batch = []
                    for _ in range(min(size, items - start)):
                        seq += 1
                        batch.append(_item(cards[seq % members], seq))
                    response = till.post(f"{url}/api/v1/sync/journal", data=json.dumps(
                        {"protocol_version": 1, "store": "B1", "terminal": "T1", "items": batch}),
                        headers={"Content-Type": "application/json"}, timeout=120)
                    statuses = {r["status"] for r in response.json()["results"]}
                    if response.status_code != 200 or statuses != {"applied"}:
                        raise RuntimeError(f"{response.status_code}: {response.text[:300]}")
                rates[size] = items / (time.perf_counter() - started)
                print(f"  batch {size:>3}: {rates[size]:8.1f} items/s  ({rates[size] / rates[1]:.2f}x batch 1)")
            server.shutdown()
            services.db.dispose()
    finally:
        database.drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=750)
    parser.add_argument("--members", type=int, default=100)
    args = parser.parse_args()
    run(args.items, args.members)


if __name__ == "__main__":
    main()
