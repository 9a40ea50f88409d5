"""Device-to-basket latency at a till: ``python -m bench.till_devices [--scans N] [--cards N]``.

A real agent (its SQLite store, checkout and device manager) with the real device stacks:
* scanner: from the scanner's last byte written to a socat pty until the item is on the basket;
* card: from putting a virtual card on the vpcd reader until the member is attached to the
  basket (needs pcscd + vsmartcard-vpcd, root, and no other pcscd running).
The till is offline (a link that is always down), so nothing waits on a network.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from bench.machine import describe, percentile
from devices.config import DeviceConfig
from devices.simulators.pcsc_daemon import PcscDaemon, stop_leftover_daemon
from devices.simulators.scanner_sim import PtyPair, ScannerSimulator
from devices.simulators.virtual_card import VirtualCard
from loyalty.cards import CardNumberScheme
from pos_agent.checkout.service import Till
from pos_agent.devices.manager import DeviceManager
from pos_agent.exceptions import LinkDown
from pos_agent.runtime import Agent
from pos_agent.store import cache
from server.membership.program import program_from_settings
from server.membership.publishing import program_payload
from server.settings import Settings
from store_sync.entities import Entity

BARCODE, CARD = "4006381333931", CardNumberScheme("27").number_for(4242)


class DownLink:
    """A server link that is always down: the till decides everything from its cache."""

    def __getattr__(self, name):
        def down(*_args, **_kwargs):
            raise LinkDown("benchmark: no server")
        return down


def _agent(data_dir: Path) -> Agent:
    agent = Agent.open(data_dir, DownLink(), Till("B1", "T1"))
    program = program_payload(program_from_settings(Settings.from_values({"data_dir": str(data_dir)})), "EUR")
    with agent.db.transaction() as conn:
        for kind, key, payload in (
                (Entity.PROGRAM, "loyalty", program),
                (Entity.STORE, "B1", {"code": "B1", "name": "Bench", "timezone": "UTC"}),
                (Entity.PRODUCT, "BREAD", {"sku": "BREAD", "name": "Bread", "category": "bakery",
                                           "base_price_minor": 249, "barcodes": [BARCODE]}),
                (Entity.CARD, CARD, {"number": CARD, "member_id": "m-1", "state": "active"}),
                (Entity.MEMBER, "m-1", {"id": "m-1", "name": "Bench Member", "tier": "basic", "balance": 0,
                                        "available": 0, "taken_at": "2026-01-01T00:00:00+00:00"})):
            cache.apply_change(conn, kind, key, 1, payload)
    return agent


def _wait(predicate, timeout: float = 5.0) -> float:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the basket did not change")
        time.sleep(0.0002)
    return time.perf_counter()


def bench_scans(count: int) -> list[float]:
    samples = []
    with tempfile.TemporaryDirectory() as tmp, PtyPair(tmp) as pair:
        agent = _agent(Path(tmp))
        manager = DeviceManager(agent, DeviceConfig.from_dict({"scanner": {"port": pair.host_end, "suffix": "cr"}}))
        manager.start()
        manager.scanner.connected.wait(5)
        try:
            with ScannerSimulator(pair.scanner_end, suffix="cr") as scanner:
                for n in range(1, count + 1):
                    basket = agent.checkout.current_basket_id()
                    scanner.scan(BARCODE)
                    sent = time.perf_counter()
                    done = _wait(lambda b=basket, n=n: sum(ln["qty"] for ln in agent.checkout.view(b)["lines"]) == n)
                    samples.append(done - sent)
        finally:
            manager.stop()
            agent.db.close()
    return samples


def bench_cards(count: int) -> list[float]:
    stop_leftover_daemon()
    daemon = PcscDaemon()
    daemon.start()
    samples = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            agent = _agent(Path(tmp))
            manager = DeviceManager(agent, DeviceConfig.from_dict({"card_reader": {"match": daemon.reader}}))
            manager.start()
            card = VirtualCard(CARD, bytes.fromhex("04A1B2C3D4E5F6"), port=daemon.port)
            try:
                for _ in range(count):
                    basket = agent.checkout.open_basket()["id"]
                    time.sleep(random.uniform(0.4, 0.8))  # a random phase of pcscd's 400 ms presence poll
                    start = time.perf_counter()
                    card.insert()
                    done = _wait(lambda b=basket: agent.checkout.view(b)["member"] is not None)
                    samples.append(done - start)
                    card.remove()
                    agent.checkout.cancel(basket)
            finally:
                manager.stop()
                agent.db.close()
    finally:
        daemon.stop()
    return samples


def _report(name: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    print(f"{name:<34} p50 {percentile(ordered, .5) * 1000:8.2f} ms   p99 {percentile(ordered, .99) * 1000:8.2f} ms"
          f"   ({len(samples)} samples)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=200)
    parser.add_argument("--cards", type=int, default=20)
    args = parser.parse_args()
    print(describe())
    _report("scanner last byte -> item on basket", bench_scans(args.scans))
    if args.cards:
        _report("card insert -> member on basket", bench_cards(args.cards))


if __name__ == "__main__":
    main()
