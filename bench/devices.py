"""Device latency benchmark: ``python -m bench.devices [--scans N] [--cards N]``.

Measures, through the real stacks with the project's simulators:
* scanner: from the scanner's last byte written to a socat pty until BarcodeScanned;
* card: from putting a virtual card on the vpcd reader (pcscd) until CardInserted with the
  card number (needs pcscd + vsmartcard-vpcd, root, and no other pcscd running).
"""

from __future__ import annotations

import argparse
import queue
import random
import statistics
import tempfile
import time

from bench.machine import describe, percentile
from devices.card_reader import PcscCardReader
from devices.events import BarcodeScanned, CardInserted, CardRemoved, ReaderAdded
from devices.exceptions import DeviceError
from devices.framing import FramingRules
from devices.scanner import SerialScanner
from devices.simulators.pcsc_daemon import PcscDaemon, stop_leftover_daemon
from devices.simulators.scanner_sim import PtyPair, ScannerSimulator
from devices.simulators.virtual_card import VirtualCard

CODES = ["4006381333931", "036000291452", "96385074", "2712345678902", "2812345012345"]


def report(name: str, samples: list[float]) -> None:
    ms = [s * 1000 for s in samples]
    print(
        f"{name}: n={len(ms)} p50={statistics.median(ms):.3f} ms p99={percentile(sorted(ms), 0.99):.3f} ms"
        f" max={max(ms):.3f} ms"
    )


def wait(events: queue.Queue, kind: type, timeout: float = 5.0) -> tuple[float, object]:
    deadline = time.monotonic() + timeout
    while True:
        at, event = events.get(timeout=max(deadline - time.monotonic(), 0.001))
        if isinstance(event, kind):
            return at, event


def recorder(events: queue.Queue):
    return lambda event: events.put((time.perf_counter(), event))


def bench_scanner(count: int) -> list[float]:
    samples: list[float] = []
    with tempfile.TemporaryDirectory() as tmp, PtyPair(tmp) as pair:
        events: queue.Queue = queue.Queue()
        scanner = SerialScanner(pair.host_end, framing=FramingRules("cr"))
        scanner.start(recorder(events))
        scanner.connected.wait(5)
        with ScannerSimulator(pair.scanner_end, suffix="cr") as sim:
            for i in range(count):
                code = CODES[i % len(CODES)]
                sim.scan(code)
                sent = time.perf_counter()  # os.write returned: the last byte is in the pty
                at, event = wait(events, BarcodeScanned)
                assert event.code == code, event
                samples.append(at - sent)
        scanner.stop()
    return samples


def bench_card(count: int) -> list[float]:
    stop_leftover_daemon()
    daemon = PcscDaemon()
    daemon.start()
    samples: list[float] = []
    events: queue.Queue = queue.Queue()
    reader = PcscCardReader(daemon.reader)
    try:
        reader.start(recorder(events))
        wait(events, ReaderAdded)
        card = VirtualCard("2712345678902", bytes.fromhex("04A1B2C3D4E5F6"), port=daemon.port)
        for _ in range(count):
            # pcscd polls presence every 400 ms; insert at a random phase of that cycle,
            # not right after the removal was seen (which would always cost a full period).
            time.sleep(random.uniform(0, 0.4))
            start = time.perf_counter()
            card.insert()
            at, event = wait(events, CardInserted)
            assert event.card_number == "2712345678902", event
            samples.append(at - start)
            card.remove()
            wait(events, CardRemoved)
    finally:
        reader.stop()
        daemon.stop()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=500)
    parser.add_argument("--cards", type=int, default=20)
    args = parser.parse_args()
    print(describe())
    report("scanner last byte -> BarcodeScanned", bench_scanner(args.scans))
    try:
        report("card insert -> CardInserted(card number)", bench_card(args.cards))
    except DeviceError as exc:
        print(f"card benchmark skipped: {exc}")


if __name__ == "__main__":
    main()
