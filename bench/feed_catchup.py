"""The feed catch-up over HTTP: ``python -m bench.feed_catchup`` (600 tills after a 10,000-change publish).

A scratch PostgreSQL database gets ``--stores`` stores of ``--tills-per-store`` registered tills
(default 60 x 10 = 600), all at the feed head. Then ``--changes`` changes are published and
sequenced as the server does: the whole catalogue's new prices for every store (one transaction,
``bench.scratch.publish_products``), plus ``--store-changes`` member snapshots for each store
(``record_changes``). ``onecard server`` (gunicorn, 2 workers x 4 threads, PostgreSQL and Redis)
starts, and the tills, in ``--processes`` client processes (asyncio, one keep-alive HTTP/1.1
connection and one credential each, every request signed: ``bench.storm``'s), each begin within
the pause an idle till is in when the publish commits (the agent's poll schedule at its cap,
``pos_agent.sync.poll_schedule``) to page GET /api/v1/sync/changes from their cursor, with the
agent's page size, until a page says ``has_more`` false. A till caught up goes on polling on the
agent's schedule (1 s after the round that brought changes, then doubling up to 8 s while nothing
is new; a failed poll backs off as the agent does and resets it), with the last empty page's ETag
(answered 304), until all are.

Prints the time until every till is caught up, the changes/s served, the pages, the answers that
were neither 2xx nor 304, and the p50/p99 of a page (from its first request to its 2xx answer,
retries included); and the same run's baselines: GET /api/v1/health req/s from the same number of
client processes, and raw page reads (``read_changes`` in this process, one connection, the same
pages for ``RAW_STORES`` stores) in changes/s. Not part of CI; never imports tests/.

Left out: the tills' own work (loading pages with the schema, applying them to SQLite), TLS, a
network (tills and server share this machine's CPUs).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import multiprocessing
import os
import pstats
import queue
import random
import time
import uuid
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.orm import Session

from bench import hot_paths
from bench.machine import describe, percentile
from bench.scratch import BENCH, ScratchDatabase, publish_products, scratch_run
from bench.storm import Connection, Tally, _call, _in_process
from pos_agent.link.http import SYNC_TIMEOUT
from pos_agent.runtime import Timing
from pos_agent.sync.backoff import Backoff
from pos_agent.sync.feed_puller import PAGE_SIZE
from pos_agent.sync.poll_schedule import PollSchedule
from store_sync.signing import TerminalCredential

RAW_STORES = 5
HEALTH_CLIENTS = 4
HEALTH_SECONDS = 5.0
PROGRESS_SECONDS = 30.0
TIMING = Timing()


@dataclass(frozen=True)
class Shard:
    """What one client process does: its tills, where they stand, and when to begin."""

    url: str
    tills: tuple[tuple[str, str], ...]  # (store, credential as text)
    cursor: str
    start_at: float  # time.time() of the run's start
    seconds: float  # the tills stop then, caught up or not
    total: int  # tills in the whole run: a caught-up till polls until this many are caught up

    def over(self) -> bool:
        return time.time() >= self.start_at + self.seconds


@dataclass
class Counts:
    tally: Tally = field(default_factory=Tally)
    pages: int = 0
    served: int = 0  # changes in catch-up pages, caught up or not
    latencies: list[float] = field(default_factory=list)
    changes: list[int] = field(default_factory=list)  # per till, in its catch-up pages
    idle_polls: int = 0
    late_changes: int = 0  # changes a till found after it was caught up (none are published meanwhile)
    failures: list[str] = field(default_factory=list)  # tills stopped by an answer the agent gives up on


# ---- seeding and publishing (in this process, before the server starts) ----

def _seed(values: dict[str, str], stores: int, per_store: int) -> tuple[list[tuple[str, str]], int]:
    """Stores and their tills, all on the feed; returns (store, credential) per till and the head."""
    from server.dbmigrate import upgrade
    from server.membership.publishing import publish_program_if_changed
    from server.services import Services
    from server.settings import Settings
    from server.sync import head_seq, sequence_pending
    from server.terminals import create_store, register_terminal

    services = Services.build(Settings.from_values(values))
    upgrade(services.db.engine)
    now, tills = services.clock(), []
    with services.db.session() as session:
        publish_program_if_changed(session, services.program, services.settings.currency, now)
        for n in range(stores):
            store = create_store(session, f"S{n:02d}", f"Store {n}", "Europe/Berlin", now, BENCH)
            tills += [(store.code, str(register_terminal(session, store, f"T{k}", now, BENCH)[1]))
                      for k in range(per_store)]
        session.commit()
    sequence_pending(services.db.engine)
    with services.db.session() as session:
        head = head_seq(session)
    services.db.dispose()
    return tills, head


def _product(i: int) -> dict:
    """A product's payload as server.pricing.publishing sends it, at its new price."""
    return {"sku": f"SKU{i:06d}", "name": f"Product {i}", "category": "grocery",
            "base_price_minor": 105 + i % 900, "excluded_from_points": False, "barcodes": [f"2{i:011d}"],
            "active": True, "tax_class": "standard", "tax_rate_bp": 0}


def _member(store: str, now) -> dict:
    """A member snapshot for one store, as server.membership.publishing sends it."""
    return {"entity_type": "member", "entity_id": str(uuid.uuid4()), "op": "upsert", "store_code": store,
            "payload": {"id": str(uuid.uuid4()), "name": "Bench Member", "tier": "basic", "home_store": store,
                        "balance": 120, "available": 120, "debt": 0, "taken_at": now.isoformat(),
                        "segments": [], "promotion_uses": [], "clipped": []}}


def _publish(url: str, stores: list[str], catalogue: int, per_store: int) -> None:
    from datetime import UTC, datetime

    from server.db import make_engine
    from server.sync import record_changes, sequence_pending

    engine, now = make_engine(url), datetime.now(UTC)
    publish_products(engine, [_product(i) for i in range(catalogue)], now)
    with Session(engine) as session:
        record_changes(session, [_member(store, now) for store in stores for _ in range(per_store)], now=now)
        session.commit()
    sequence_pending(engine)
    with engine.begin() as conn:  # what autovacuum does soon after a bulk load
        conn.execute(text("ANALYZE change_log"))
    engine.dispose()


def _raw_reads(url: str, stores: list[str], cursor: int) -> tuple[int, float]:
    """The baseline: the same pages read by the server's read_changes in this process, one connection."""
    from server.db import make_engine
    from server.sync import read_changes

    engine, count = make_engine(url), 0
    started = time.perf_counter()
    with Session(engine) as session:
        for store in stores:
            at = cursor
            while True:
                page = read_changes(session, store, at, PAGE_SIZE)
                count += len(page.items)
                at = page.next_cursor
                if not page.has_more:
                    break
    elapsed = time.perf_counter() - started
    engine.dispose()
    return count, elapsed


# ---- the tills (in client processes) ----

def _client(shard: Shard, caught, results) -> None:
    results.put(asyncio.run(_shard(shard, caught)))


async def _shard(shard: Shard, caught) -> Counts:
    counts = Counts()
    await asyncio.sleep(max(0.0, shard.start_at - time.time()))
    tills = asyncio.gather(*(_till(shard, store, cred, caught, counts) for store, cred in shard.tills),
                           return_exceptions=True)
    # Each till stops by itself once the time allowed is over (a till in a backoff or a
    # request finishes that first): no cancellation that a finishing request could swallow.
    failed = await tills
    counts.failures = [repr(error)[:300] for error in failed if error is not None]
    return counts


def _target(cursor: str) -> str:
    return f"/api/v1/sync/changes?cursor={cursor}&limit={PAGE_SIZE}"


async def _till(shard: Shard, store: str, credential: str, caught, counts: Counts) -> None:
    conn = Connection(shard.url, TerminalCredential.parse(credential))
    backoff = Backoff(TIMING.backoff_base, TIMING.backoff_cap)
    await asyncio.sleep(_first_poll())
    cursor, received = shard.cursor, 0
    while True:
        if shard.over():  # not caught up in the time allowed
            conn.close()
            return
        began = time.perf_counter()
        page = await _call(conn, counts.tally, backoff, "GET", _target(cursor))
        counts.latencies.append(time.perf_counter() - began)
        counts.pages += 1
        counts.served += len(page["items"])
        received += len(page["items"])
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    counts.tally.finished.append(time.time() - shard.start_at)
    counts.changes.append(received)
    with caught.get_lock():
        caught.value += 1
    await _poll_at_head(conn, cursor, caught, shard, counts)
    conn.close()


def _schedule() -> PollSchedule:
    """The agent's poll schedule (pos_agent.runtime.Agent builds it from the same Timing)."""
    return PollSchedule(TIMING.sync_interval, TIMING.sync_interval * TIMING.idle_cap_factor, TIMING.jitter)


def _first_poll() -> float:
    """Seconds from the publish to a till's first request: a till long idle at the head is at some
    point of a pause at the schedule's cap when the publish commits."""
    schedule = _schedule()
    schedule.idle_rounds = 64  # long idle: every pause is at the cap
    return random.uniform(0, schedule.idle())


async def _poll_at_head(conn: Connection, cursor: str, caught, shard: Shard, counts: Counts) -> None:
    """As the agent does at the head: on its poll schedule, sending the last empty page's ETag."""
    etag, schedule = None, _schedule()
    backoff = Backoff(TIMING.backoff_base, TIMING.backoff_cap)
    pause = schedule.busy()  # the round that caught up brought changes
    while caught.value < shard.total and not shard.over():
        await asyncio.sleep(pause)
        try:
            status, headers, page = await asyncio.wait_for(
                conn.request("GET", _target(cursor), headers={"If-None-Match": etag} if etag else None),
                SYNC_TIMEOUT)
        except (OSError, asyncio.IncompleteReadError, TimeoutError):
            conn.close()
            status, headers, page = 0, {}, {}
        counts.tally.statuses[status] = counts.tally.statuses.get(status, 0) + 1
        counts.idle_polls += 1
        if status == 200:
            counts.late_changes += len(page["items"])
            cursor = page["next_cursor"]
            etag = None if page["items"] else headers.get("etag")
        pause = _next_pause(status, page, schedule, backoff)


def _next_pause(status: int, page: dict, schedule: PollSchedule, backoff: Backoff) -> float:
    """What the agent's sync round returns after such an answer (pos_agent.runtime.Agent.sync_round)."""
    if status in (200, 304):
        backoff.reset()
        return schedule.after(bool(status == 200 and page["items"]))
    schedule.reset()  # a failure: the first round that succeeds again comes back to the sync interval
    return backoff.next_delay()


# ---- the run ----

def run(args: argparse.Namespace) -> None:
    with scratch_run("bench_catchup", migrate=False) as (database, data_dir):
        _run(database, data_dir, args)


def _run(database: ScratchDatabase, data_dir: str, args: argparse.Namespace) -> None:
    values = hot_paths.server_values(database, data_dir)
    began = time.monotonic()
    tills, head = _seed(values, args.stores, args.tills_per_store)
    stores = sorted({store for store, _ in tills})
    catalogue = args.changes - args.store_changes * len(stores)
    _publish(database.url, stores, catalogue, args.store_changes)
    seeding = time.monotonic() - began
    raw = _raw_reads(database.url, stores[:RAW_STORES], head)
    if args.profile:
        _profile(values, tills[::args.tills_per_store][:RAW_STORES], str(head), raw)
        return
    server, url = hot_paths.start_onecard(hot_paths.server_env(values))
    try:
        with multiprocessing.get_context("spawn").Pool(HEALTH_CLIENTS) as pool:
            pool.map(_ready, range(HEALTH_CLIENTS))  # spawned and imported before the clock starts
            health = hot_paths._measure(pool, hot_paths._jobs("health", url, HEALTH_CLIENTS, HEALTH_SECONDS, [None]))
        load_before = os.getloadavg()
        counts, elapsed = _catch_up(url, tills, str(head), args.processes, args.max_seconds)
    finally:
        hot_paths._stop(server)
    _print(args, len(stores), catalogue, seeding, raw, health.rate, load_before, counts, elapsed)


def _ready(_: int) -> int:
    time.sleep(0.5)  # long enough for each worker of the pool to take one
    return os.getpid()


def _catch_up(url: str, tills: list[tuple[str, str]], cursor: str, processes: int,
              seconds: float) -> tuple[list[Counts], float]:
    """The tills in client processes; returns their counts and the time until the last caught up
    (``seconds`` if some never did)."""
    context = multiprocessing.get_context("spawn")
    caught, results = context.Value("i", 0), context.Queue()
    start_at = time.time() + 3  # every client process is up before the clock starts
    shards = [Shard(url, tuple(tills[n::processes]), cursor, start_at, seconds, len(tills))
              for n in range(processes)]
    workers = [context.Process(target=_client, args=(shard, caught, results)) for shard in shards]
    for worker in workers:
        worker.start()
    counts = []
    while len(counts) < len(workers):
        try:
            counts.append(results.get(timeout=PROGRESS_SECONDS))
        except queue.Empty:  # a slow run still says how far it got
            print(f"  after {time.time() - start_at:.0f} s: {caught.value} of {len(tills)} tills caught up "
                  f"(load average {os.getloadavg()[0]:.2f})", flush=True)
    for worker in workers:
        worker.join()
    finished = [t for c in counts for t in c.tally.finished]
    return counts, max(finished) if len(finished) == len(tills) else seconds


def _print(args, stores: int, catalogue: int, seeding: float, raw: tuple[int, float], health: float,
           load_before: tuple, counts: list[Counts], elapsed: float) -> None:
    statuses: dict[int, int] = {}
    for c in counts:
        for status, n in c.tally.statuses.items():
            statuses[status] = statuses.get(status, 0) + n
    latencies = sorted(x for c in counts for x in c.latencies)
    received = [n for c in counts for n in c.changes] or [0]
    served, pages = sum(c.served for c in counts), sum(c.pages for c in counts)
    caught = sum(len(c.changes) for c in counts)
    failures = [f for c in counts for f in c.failures]
    failures = f"{len(failures)} (first: {failures[0]})" if failures else 0
    wrong = {s: n for s, n in statuses.items() if not (200 <= s < 300 or s == 304)}
    raw_rate = raw[0] / raw[1]
    print(f"machine: {describe()}; load average when the tills began: {', '.join(f'{x:.2f}' for x in load_before)}")
    print(f"seeded and published in {seeding:.0f} s: {stores} stores x {args.tills_per_store} tills, all at the head; "
          f"then {catalogue:,} product upserts for every store (one catalogue price change) and "
          f"{args.store_changes} member snapshots for each store, sequenced: {catalogue + args.store_changes:,} "
          f"changes for each till")
    print(f"onecard server: gunicorn 2 workers x 4 threads, PostgreSQL, Redis; "
          f"{args.stores * args.tills_per_store} tills in {args.processes} client processes, signed keep-alive "
          f"requests, pages of {PAGE_SIZE}, each till "
          f"starting within {_schedule().longest():g} s (the agent's idle poll schedule), then polling at the head "
          f"on it")
    print("left out: the tills' own work (schema loading, SQLite), TLS, a network (tills and server share "
          "this machine's CPUs)")
    done = (f"every till caught up in {elapsed:.1f} s" if caught == args.stores * args.tills_per_store else
            f"only {caught} of {args.stores * args.tills_per_store} tills caught up in the {elapsed:g} s allowed")
    print(f"{done}: {served:,} changes served, {served / elapsed:,.0f} changes/s, {pages:,} pages "
          f"({pages / elapsed:,.0f}/s); changes per caught-up till {min(received):,}-{max(received):,}")
    print(f"page latency p50 {percentile(latencies, 0.5) * 1000:.1f} ms, "
          f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms; "
          f"polls at the head meanwhile: {sum(c.idle_polls for c in counts):,} "
          f"(changes found by them: {sum(c.late_changes for c in counts)})")
    print(f"answers by status: {dict(sorted(statuses.items()))}; neither 2xx nor 304: {sum(wrong.values())} "
          f"(0 = no answer, -1 = given up after {SYNC_TIMEOUT:g} s); 401 stale, re-signed and sent again: "
          f"{sum(c.tally.stale for c in counts)}; tills stopped by an error: {failures or 0}")
    print(f"baselines, same run: GET /api/v1/health {health:,.0f} req/s ({HEALTH_CLIENTS} client processes); "
          f"raw page reads (read_changes in process, one connection, {RAW_STORES} stores' catch-up) "
          f"{raw_rate:,.0f} changes/s")
    print(f"served / raw page reads: {served / elapsed / raw_rate:.2f}; pages/s / health req/s: "
          f"{pages / elapsed / health:.2f}")


# ---- --profile: the same stores' pages served in this process under cProfile ----

def _profile(values: dict[str, str], tills: list[tuple[str, str]], cursor: str, raw: tuple[int, float]) -> None:
    from server.app import create_app
    from server.services import Services
    from server.settings import Settings

    client = create_app(services=Services.build(Settings.from_values(values))).test_client()
    profiler, pages, served, began = cProfile.Profile(), 0, 0, time.perf_counter()
    for _, credential in tills:
        at = cursor
        while True:
            profiler.enable()
            page = _in_process(client, TerminalCredential.parse(credential), "GET", _target(at))
            profiler.disable()
            pages, served, at = pages + 1, served + len(page["items"]), page["next_cursor"]
            if not page["has_more"]:
                break
    seconds = time.perf_counter() - began
    print(f"machine: {describe()}")
    print(f"{pages} pages ({served:,} changes) of {len(tills)} stores served in process through the Flask app, "
          f"one after another: {seconds:.1f} s, {served / seconds:,.0f} changes/s, {seconds / pages * 1000:.1f} ms "
          f"a page (under cProfile); raw page reads of the same pages {raw[0] / raw[1]:,.0f} changes/s")
    for sort in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(sort).print_stats(30)
        print(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=60)
    parser.add_argument("--tills-per-store", type=int, default=10)
    parser.add_argument("--changes", type=int, default=10_000, help="changes published, in all")
    parser.add_argument("--store-changes", type=int, default=10, help="of them, member snapshots per store")
    parser.add_argument("--processes", type=int, default=3, help="client processes the tills are spread over")
    parser.add_argument("--max-seconds", type=float, default=600.0,
                        help="stop the tills then and report how many caught up")
    parser.add_argument("--profile", action="store_true",
                        help="serve a till's pages of a few stores in this process under cProfile instead")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
