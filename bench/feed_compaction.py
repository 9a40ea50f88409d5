"""Benchmark of feed compaction: superseded member snapshots deleted per second.

Run: ``.venv/bin/python -m bench.feed_compaction`` (100,000 member rows on a scratch PostgreSQL
database, made and dropped by the run) or ``--sqlite`` (a temporary SQLite file). The feed is
``--rows`` member snapshots of ``--members`` members, a share of them for every store and the rest
for one of 40 stores, all older than the cutoff; one in fifty rows is a withdrawal. The number of
superseded rows is first counted in plain Python from the rows. The first pass deletes the backlog;
the second finds nothing left to delete, among the first pass's dead rows; on PostgreSQL a third
runs after VACUUM ANALYZE, as a daily run finds the log once autovacuum has been by.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bench.scratch import ScratchDatabase
from server.db import make_engine
from server.dbmigrate import upgrade
from server.models import ChangeRecord
from server.sync import record_changes, sequence_pending
from server.sync.compaction import compact_member_changes

STORES = [f"S{n:02d}" for n in range(40)]
AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
PER_TRANSACTION = 1000


def a_change(rng: random.Random, members: int, every_store_share: float) -> dict:
    member_id = f"0195f0a0-0000-7000-8000-{rng.randrange(members):012d}"
    store = None if rng.random() < every_store_share else rng.choice(STORES)
    if rng.random() < 0.02:
        return {"entity_type": "member", "entity_id": member_id, "op": "delete", "payload": None, "store_code": store}
    return {"entity_type": "member", "entity_id": member_id, "op": "upsert", "store_code": store,
            "payload": {"id": member_id, "name": "Bench Member", "tier": "basic", "balance": rng.randrange(10**5),
                        "available": rng.randrange(10**5), "debt": 0, "segments": [], "promotion_uses": []}}


def fill(engine, rows: int, members: int, every_store_share: float, seed: int) -> None:
    rng = random.Random(seed)
    for start in range(0, rows, PER_TRANSACTION):
        with Session(engine) as session:
            record_changes(session, [a_change(rng, members, every_store_share)
                                     for _ in range(min(PER_TRANSACTION, rows - start))], now=AT)
            session.commit()
    sequence_pending(engine)


def count_rows(engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).where(ChangeRecord.entity_type == "member"))


def expected_deletions(engine) -> int:
    """Superseded member upserts counted from the raw rows in plain Python, newest first per member."""
    with Session(engine) as session:
        rows = session.execute(select(ChangeRecord.entity_id, ChangeRecord.op, ChangeRecord.store_code)
                               .where(ChangeRecord.entity_type == "member").order_by(ChangeRecord.seq.desc())).all()
    newer: dict[str, set[str | None]] = {}  # member -> the scopes of the changes after the row at hand
    superseded = 0
    for member_id, op, store in rows:
        scopes = newer.setdefault(member_id, set())
        superseded += op == "upsert" and (None in scopes or (store is not None and store in scopes))
        scopes.add(store)
    return superseded


def run(engine, args) -> None:
    started = time.perf_counter()
    fill(engine, args.rows, args.members, args.every_store_share, args.seed)
    print(f"  feed of {count_rows(engine):,} member changes written and sequenced in "
          f"{time.perf_counter() - started:.1f} s ({args.members:,} members, {args.every_store_share:.0%} "
          f"for every store, the rest for one of {len(STORES)} stores)")
    print(f"  superseded, counted in Python from the rows: {expected_deletions(engine):,}")
    compact(engine, "first pass (the backlog)", args.chunk)
    compact(engine, "second pass (nothing left)", args.chunk)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE change_log"))  # what autovacuum does after the first pass
        compact(engine, "third pass, after VACUUM", args.chunk)
    print(f"  member changes left: {count_rows(engine):,}")


def compact(engine, label: str, chunk: int) -> None:
    started = time.perf_counter()
    done = compact_member_changes(engine, AT + timedelta(days=1), chunk=chunk)
    elapsed = time.perf_counter() - started
    print(f"  {label:<28} {done.scanned:>9,} rows looked at, {done.deleted:>8,} deleted, {done.chunks:>3} "
          f"transactions, in {elapsed:6.2f} s = {done.scanned / elapsed:>9,.0f} rows/s looked at, "
          f"{done.deleted / elapsed:>9,.0f} deleted/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--every-store-share", type=float, default=0.5)
    parser.add_argument("--chunk", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--sqlite", action="store_true", help="a temporary SQLite file instead of PostgreSQL")
    args = parser.parse_args()
    if args.sqlite:
        with tempfile.TemporaryDirectory() as directory:
            engine = make_engine(f"sqlite:///{Path(directory) / 'bench.sqlite3'}")
            upgrade(engine)
            print("SQLite")
            run(engine, args)
            engine.dispose()
        return
    database = ScratchDatabase("compact").create()
    try:
        engine = make_engine(database.url)
        print("PostgreSQL")
        run(engine, args)
        engine.dispose()
    finally:
        database.drop()


if __name__ == "__main__":
    main()
