"""Benchmark of the change feed on PostgreSQL: changes/s written, sequenced, read and served.

Run: ``.venv/bin/python -m bench.sync_feed`` (under a minute) or ``--quick`` (a few seconds).
Creates its own database next to ONECARD_TEST_PG_URL's (default: postgres@127.0.0.1/test) and
drops it afterwards. The chain has 40 stores; a third of the changes are for every store.
Phases: bulk write (writer threads, 50 changes per transaction), one sequencer pass, one store
reading the whole feed (DB rows, then the pages' JSON text as GET /sync/changes writes it, in this
process: no HTTP, no signing, no server), a paged snapshot, and a mixed run where writers, the
scheduled sequencer and polling stores all run at once. The feed served over HTTP to many tills at
once is ``bench.feed_catchup``.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from bench.scratch import ScratchDatabase
from server.db import make_engine
from server.sync import (
    head_seq,
    read_changes,
    read_changes_json,
    record_change,
    record_changes,
    sequence_pending,
    snapshot,
)

STORES = [f"S{n:02d}" for n in range(40)]
AT = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
PER_TRANSACTION = 50
BULK = 1000


def machine(engine) -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    with engine.connect() as conn:
        server = conn.execute(text("SHOW server_version")).scalar()
    return (f"{platform.platform()} | {cpu} x{os.cpu_count()} | Python {platform.python_version()} "
            f"| PostgreSQL {server}")


def a_change(rng: random.Random, tag: str) -> dict:
    sku = rng.randrange(20_000)
    return {"entity_type": "product", "entity_id": str(sku), "op": "upsert",
            "payload": {"sku": sku, "price": 99 + sku % 900, "name": f"Product {sku}", "by": tag},
            "store_code": None if rng.random() < 0.33 else rng.choice(STORES)}


def write(engine, writer_no: int, changes: int, seed: int, bulk: bool = False, real_time: bool = False) -> None:
    """One record_change call per change, PER_TRANSACTION to a transaction; or record_changes."""
    rng = random.Random(seed)
    per_transaction = BULK if bulk else PER_TRANSACTION
    for start in range(0, changes, per_transaction):
        batch = [a_change(rng, f"{writer_no}-{n}") for n in range(start, min(start + per_transaction, changes))]
        now = datetime.now(UTC) if real_time else AT
        with Session(engine) as session:
            if bulk:
                record_changes(session, batch, now=now)
            else:
                for change in batch:
                    record_change(session, **change, now=now)
            session.commit()


def timed(label: str, count: int, func, *args) -> float:
    started = time.perf_counter()
    result = func(*args)
    elapsed = time.perf_counter() - started
    print(f"  {label:<46} {count:>8,} in {elapsed:6.2f} s = {count / elapsed:>9,.0f}/s")
    return result


def write_all(engine, total: int, writers: int, bulk: bool) -> None:
    threads = [threading.Thread(target=write, args=(engine, w, total // writers, w + 100 * bulk, bulk))
               for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def read_all(engine, store: str, limit: int, as_json: bool) -> int:
    """Read the store's whole feed, as rows (read_changes) or as page JSON (read_changes_json)."""
    cursor, count, read = 0, 0, read_changes_json if as_json else read_changes
    with Session(engine) as session:
        while True:
            page = read(session, store, cursor, limit)
            count += page.count if as_json else len(page.items)
            cursor = page.next_cursor
            if not page.has_more:
                return count


def snapshot_all(engine, store: str) -> int:
    count, token = 0, None
    with Session(engine) as session:
        while True:
            page = snapshot(session, store, page=token, limit=2000)
            count += len(page.items)
            token = page.next_page
            if token is None:
                return count


def mixed(engine, seconds: float, writers: int) -> None:
    """Writers, the scheduled sequencer and four polling stores at once; report rates and lag."""
    stop = threading.Event()
    written, polls, lags = [0] * writers, [0], []

    def writer(w: int) -> None:
        while not stop.is_set():
            write(engine, w, PER_TRANSACTION, random.randrange(10**6), real_time=True)
            written[w] += PER_TRANSACTION

    def job() -> None:
        while not stop.is_set():
            sequence_pending(engine)
            time.sleep(0.5)

    def store_agent(store: str) -> None:
        with Session(engine) as session:
            cursor = head_seq(session)  # caught up before the run: measure only new changes
        while not stop.is_set():
            sequence_pending(engine, wait=False)
            with Session(engine) as session:
                page = read_changes(session, store, cursor, 500)
            seen_at = datetime.now(UTC)
            lags.extend((seen_at - change.at).total_seconds() for change in page.items)
            cursor = page.next_cursor
            polls[0] += 1
            if not page.has_more:
                time.sleep(0.2)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    threads += [threading.Thread(target=job)]
    threads += [threading.Thread(target=store_agent, args=(s,)) for s in STORES[:4]]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    print(f"  mixed, {seconds:.0f} s: {sum(written) / elapsed:,.0f} changes/s written by {writers} writers "
          f"while 4 stores polled {polls[0] / elapsed:,.0f} pages/s (pausing 0.2 s when caught up)")
    cuts = statistics.quantiles(lags, n=100)
    print(f"  mixed: from a writer's record_change to a store reading it: p50 {cuts[49] * 1000:,.0f} ms, "
          f"p99 {cuts[98] * 1000:,.0f} ms, max {max(lags) * 1000:,.0f} ms ({len(lags):,} reads)")


def run(total: int, writers: int, mixed_seconds: float) -> None:
    database = ScratchDatabase("bench_feed").create()
    engine = make_engine(database.url)
    try:
        print(f"machine: {machine(engine)}")
        single = total // 10
        print(f"feed of {total + single:,} changes, 40 stores, 20,000 products; {writers} writer threads:")
        timed(f"written one by one ({PER_TRANSACTION} per transaction)", single, write_all, engine, single,
              writers, False)
        timed(f"written in bulk ({BULK} per transaction)", total, write_all, engine, total, writers, True)
        timed("sequenced (one pass, 10,000 per transaction)", total + single, sequence_pending, engine)
        with engine.begin() as conn:  # what autovacuum does soon after a bulk load
            conn.execute(text("ANALYZE change_log"))
        store_count = read_all(engine, "S07", 500, False)
        timed("read by one store, pages of 500 (rows)", store_count, read_all, engine, "S07", 500, False)
        timed("read by one store as page JSON (in process)", store_count, read_all, engine, "S07", 500, True)
        entities = snapshot_all(engine, "S07")
        timed("snapshot of one store (entities)", entities, snapshot_all, engine, "S07")
        mixed(engine, mixed_seconds, writers)
    finally:
        engine.dispose()
        database.drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few seconds instead of about a minute")
    parser.add_argument("--changes", type=int, default=None)
    parser.add_argument("--writers", type=int, default=4)
    args = parser.parse_args()
    total = args.changes or (10_000 if args.quick else 100_000)
    run(total, args.writers, 3 if args.quick else 10)


if __name__ == "__main__":
    main()
