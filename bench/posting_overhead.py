"""What keeping the report roll-ups costs the posting of sales: ``python -m bench.posting_overhead``.

One run, one fresh PostgreSQL database, one ``onecard server`` (gunicorn, 2 workers x 4 threads,
Redis), the demo chain (300 products, its promotions and member price list) and 4 client
processes posting signed member sales of 6 items, as ``bench.hot_paths`` does, each to one of its
own 100 members at random. Phases alternate, in turn first and second in each round:

* without roll-ups: no roll-up job runs and the one index that exists only for it
  (``ix_transactions_received_at``, by which the job finds new sales) is dropped;
* with roll-ups: the index is back and a separate process runs the roll-up job back to back (a
  second's pause between runs, every feed up to the present instead of two minutes behind), far
  more often than the scheduler's once a minute, so every sale posted is rolled up during the
  phase. Before each such phase the job first catches up (unmeasured) with what the previous
  phase posted, so it does the steady-state work, not a backlog.

A 3 s warm-up of the same posting comes first, unmeasured. Prints each phase's sales/s and
p50/p99, and with / without as a ratio of the phases' mean rates. The clients, the server,
PostgreSQL and the roll-up process share the machine's CPUs, so the job's CPU counts against
posting here, as it would on a one-box chain.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime

import psycopg

from bench.hot_paths import REDIS_URL, SECRET, _free_port, _jobs, _lines, _measure, _start, _stop
from bench.machine import describe
from bench.scratch import ScratchDatabase

INDEX = ("ix_transactions_received_at", "transactions", "received_at")
MEMBERS_PER_CLIENT = 100


def _seed(values: dict[str, str], clients: int) -> tuple[list[str], list[str], list[dict]]:
    from sqlalchemy import select

    from server.audit import Actor
    from server.dbmigrate import upgrade
    from server.demo.seed import seed_chain
    from server.membership.members import Enrolment, enrol
    from server.models import Store
    from server.services import Services
    from server.settings import Settings
    from server.terminals import register_terminal

    services = Services.build(Settings.from_values(values))
    upgrade(services.db.engine)
    chain = seed_chain(services, random.Random(15), product_count=300, member_count=6)
    now, actor = services.clock(), Actor.system("bench")
    with services.db.session() as session:
        store = session.scalar(select(Store).where(Store.code == "A"))
        credentials = [str(register_terminal(session, store, f"B{n}", now, actor)[1]) for n in range(clients)]
        cards = [enrol(session, Enrolment(name=f"Bench Member {n}"), services.program, now, actor)[1].number
                 for n in range(clients * MEMBERS_PER_CLIENT)]
        session.commit()
    services.dispose()
    # Each client sells to its own members, at random: a chain's sales are spread over many members,
    # and a handful would each gather hundreds of sales a minute, whose growing histories slow
    # every later phase (the first measured phase ran at 2.5 times the later ones that way).
    mine = [",".join(cards[n::clients]) for n in range(clients)]
    return credentials, [f"B{n}|{members}" for n, members in enumerate(mine)], _lines(chain)


def _roll_up(env: dict[str, str], stop_at: float | None) -> tuple[int, int]:
    """In its own process: run the roll-up job up to the present, back to back until ``stop_at``
    (once if None). Returns (runs, rows applied)."""
    os.environ.update(env)  # the job builds its services from the environment, as an rq worker does
    from server.reports.feeds import SETTLE
    from server.reports.rollups import run_rollups

    runs = rows = 0
    while True:
        rows += sum(run_rollups(datetime.now(UTC) + SETTLE).values())
        runs += 1
        if stop_at is None or time.time() >= stop_at:
            return runs, rows
        time.sleep(1)


def _index(dsn: str, present: bool) -> None:
    name, table, column = INDEX
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({column})" if present
                     else f"DROP INDEX IF EXISTS {name}")
        conn.execute(f"ANALYZE {table}")


def run(clients: int, seconds: float, rounds: int) -> None:
    database = ScratchDatabase("bench_posting").create(migrate=False)
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            _run(database, data_dir, clients, seconds, rounds)
    finally:
        database.drop()


def _run(database: ScratchDatabase, data_dir: str, clients: int, seconds: float, rounds: int) -> None:
    values = {"data_dir": data_dir, "database_url": database.url, "redis_url": REDIS_URL,
              "queue_name": database.name, "secret_key": SECRET}
    credentials, sellers, lines = _seed(values, clients)
    env = {**os.environ, **{f"ONECARD_{k.upper()}": v for k, v in values.items()}}
    dsn = database.dsn
    print(f"machine: {describe()}")
    print(f"{clients} client processes posting member sales of {sum(ln['qty'] for ln in lines)} items; "
          f"{rounds} rounds of {seconds:g} s without and with roll-ups")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = _start([sys.executable, "-m", "server.cli", "server", "--port", str(port), "--workers", "2"],
                    env, f"{url}/api/v1/health")
    rates: dict[bool, list[float]] = {False: [], True: []}
    try:
        with multiprocessing.get_context("spawn").Pool(clients + 1) as pool:
            _measure(pool, _jobs("sale posting", url, clients, 3, credentials, sellers, tuple(lines)))  # warm-up
            for round_ in range(rounds):  # the order alternates, so neither kind always comes second
                for with_rollups in ((False, True) if round_ % 2 == 0 else (True, False)):
                    _index(dsn, with_rollups)
                    if with_rollups:
                        pool.apply(_roll_up, (env, None))  # the previous phase's sales, unmeasured
                    jobs = _jobs("sale posting", url, clients, seconds, credentials, sellers, tuple(lines))
                    background = None
                    if with_rollups:  # takes one of the pool's processes; the clients take the others
                        background = pool.apply_async(_roll_up, (env, jobs[0].start_at + seconds))
                    figure = _measure(pool, jobs)
                    note = ""
                    if background is not None:
                        runs, rows = background.get()
                        note = f"; roll-up job ran {runs} times, {rows:,} feed rows"
                    rates[with_rollups].append(figure.rate)
                    label = "with roll-ups" if with_rollups else "without"
                    print(f"{label:<14} {figure.rate:7.1f} sales/s  p50 {figure.p50_ms:6.1f} ms  "
                          f"p99 {figure.p99_ms:6.1f} ms  unexpected {figure.wrong or 'none'}{note}")
    finally:
        _stop(server)
    without, with_ = (sum(rates[k]) / len(rates[k]) for k in (False, True))
    print(f"posting with roll-ups / without: {with_ / without:.3f} "
          f"({with_:.1f} / {without:.1f} sales/s, mean of {rounds} phases each)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=4, help="client processes (one terminal each)")
    parser.add_argument("--seconds", type=float, default=15.0, help="measured seconds per phase")
    parser.add_argument("--rounds", type=int, default=3, help="phases of each kind, alternating")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    run(args.clients, args.seconds, args.rounds)


if __name__ == "__main__":
    main()
