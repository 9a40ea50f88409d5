"""Checkout latency at the agent: scan -> total, and complete; p50/p99, online and offline.

Run: .venv/bin/python -m bench.checkout [--sales 150]

A real agent (its SQLite file, checkout service, background sync) talks to ``onecard server``
(gunicorn, 2 workers x 4 threads, as deployed; a fresh PostgreSQL database; Redis) over signed
keep-alive requests. The server holds the demo chain's catalogue: 1,000 products, a member price
list and its promotions (3-for-2 snacks, percentage and amount offs, a spend threshold, bonus
points...), which the agent bootstraps from the feed before the clock starts. Each sale scans six
items on four lines (three snacks of the 3-for-2 category, a coffee at member price and two other
products) and a member card and reads the total ("scan -> total"), then takes cash and completes
(the durable local commit of sale, journal item and receipt). Online, the card look-up goes to the
server; offline (the server is stopped, so every connection is refused), the till answers from
its cache. Seeding the chain takes a few minutes. Quote the offline/online ratio, not the absolute
figures: these machines are shared, and the agent, the server and PostgreSQL share their CPUs.
"""

from __future__ import annotations

import argparse
import logging
import random
import time
from collections.abc import Callable
from pathlib import Path

from bench import hot_paths
from bench.machine import describe, percentile
from bench.scratch import ScratchDatabase, register_till, scratch_run
from pos_agent.checkout.service import Till
from pos_agent.link.http import HttpServerLink
from pos_agent.runtime import Agent, Timing
from server.audit import Actor
from server.membership.members import Enrolment, enrol
from server.membership.service_desk import adjust_points
from server.services import Services
from server.settings import Settings

SYNC_WAIT = 300.0  # the agent's bootstrap of the demo catalogue, on a busy machine


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


def _codes(chain) -> list[str]:
    """The barcodes of ``bench.hot_paths``' basket, one scan per item."""
    return [chain.barcodes[line["sku"]] for line in hot_paths._lines(chain) for _ in range(line["qty"])]


def _sales(agent: Agent, card: str, codes: list[str], count: int) -> tuple[list[float], list[float]]:
    totals, completes = [], []
    for _ in range(count):
        started = time.perf_counter()
        basket = agent.checkout.open_basket()
        for code in codes:
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
    with scratch_run("bench_checkout") as (database, data_dir):
        _run(database, data_dir, sales)


def _run(database: ScratchDatabase, data_dir: str, sales: int) -> None:
    from server.demo.seed import seed_chain

    values = hot_paths.server_values(database, data_dir)
    services = Services.build(Settings.from_values(values))
    chain = seed_chain(services, random.Random(14), product_count=1000, member_count=6)
    credential = register_till(services, "A", "C1")
    card = _member(services)
    services.db.dispose()
    server, url = hot_paths.start_onecard(hot_paths.server_env(values))
    agent = Agent.open(Path(data_dir) / "agent", HttpServerLink(credential, url), Till("A", "C1"),
                       timing=Timing(sync_interval=1.0, probe_interval=0.25))
    try:
        agent.start()
        codes = _codes(chain)
        # The card is the feed's last change, so once it is here the catalogue and promotions are too.
        _wait_until(lambda: agent.mode.online and agent.ref.card(card) is not None
                    and all(agent.ref.product_for_code(code) for code in codes), what="the till synced")
        cashier = next(staff for staff in agent.cashiers.staff() if staff.role == "cashier")
        agent.cashiers.sign_in(cashier.id, chain.pins["cashier"])  # the demo chain's tills ask for a PIN
        print(f"machine: {describe()}")
        print(f"checkout at the agent: {sales} sales per mode, {len(codes)} items on 4 lines + a member card each; "
              "the demo catalogue (1,000 products, its promotions), onecard server 2 workers x 4 threads")
        online = _sales(agent, card, codes, sales)
        hot_paths._stop(server)
        agent.mode.went_offline("bench: link dropped")
        offline = _sales(agent, card, codes, sales)
    finally:
        agent.stop()
        if server.poll() is None:
            hot_paths._stop(server)
    print(_line("online", *online))
    print(_line("offline", *offline))
    ratio = [percentile(off, .5) / percentile(on, .5) for off, on in zip(offline, online, strict=True)]
    print(f"  offline/online p50 ratio: scan->total {ratio[0]:.2f}, complete {ratio[1]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=150)
    args = parser.parse_args()
    run(args.sales)


if __name__ == "__main__":
    main()
