"""The device manager: device events routed to the register's basket, receipts to the printer.

Adapters call back on their own threads; every event is queued and applied on one worker
thread, in arrival order, to the newest open basket (opening one when none is open):

* card inserted: attach the member by the card number on the card; a card with only a chip
  UID attaches only when that UID is registered to a card (many chips present random UIDs);
* scan: add the item, or attach the member when the code is a member card;
* while the register's enrolment form is open (``claim_cards``), a member card scanned or read
  goes to that form instead of the basket: it is the new card being handed over;
* completed sale or return (from the checkout): print its receipt through the receipt desk.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from devices import factory
from devices.config import DeviceConfig
from devices.events import (
    BarcodeScanned,
    CardInserted,
    CardRemoved,
    CardServiceLost,
    CardServiceRestored,
    CardUnreadable,
    ReaderAdded,
    ReaderRemoved,
    ScannerLost,
    ScannerRestored,
    ScanRejected,
)
from devices.receipt import mask_card
from devices.refund import RefundReceipt
from devices.sale import CompletedSale
from devices.shift import NoSaleSlip, ShiftReport
from loyalty.barcodes import CodeKind
from pos_agent.devices.health import DeviceHealth, ReaderHealth
from pos_agent.devices.printing import ReceiptDesk
from pos_agent.devices.spool import SqliteReceiptSpool
from pos_agent.exceptions import AgentError

log = logging.getLogger(__name__)

ADAPTER_WAIT = 1.0  # a healthy reader or scanner thread ends within its poll (0.5 s and 0.1 s by default)


def _left(deadline: float) -> float:
    return max(0.0, deadline - time.monotonic())


class DeviceManager:
    """One terminal's devices, started and stopped with its agent.

    Args:
        agent: the running ``Agent`` (its checkout, reference data, database and clock).
        config: which reader, scanner and printer this terminal has.
        preview_dir: where text and PNG previews of every receipt go (None: no previews).
        printer_poll: seconds between printer status checks.
        simulation: simulated devices to stop with the manager (``--simulate-devices``).
    """

    def __init__(self, agent, config: DeviceConfig, *, preview_dir: Path | None = None,
                 printer_poll: float = 5.0, simulation=None) -> None:
        self.agent, self.config, self.simulation = agent, config, simulation
        printer = config.printer
        self.health = DeviceHealth(agent.clock, reader=config.card_reader is not None,
                                   scanner_port=config.scanner.port if config.scanner else None,
                                   printer_where=f"{printer.kind} {printer.address}" if printer else None)
        self.reader = self._build(factory.build_card_reader, "card reader")
        self.scanner = self._build(factory.build_scanner, "scanner")
        self.spool = SqliteReceiptSpool(agent.db, agent.clock)
        self.desk = ReceiptDesk(factory.build_printer(config, self.spool), self.spool, self.health,
                                preview_dir=preview_dir, poll=printer_poll)
        self._events: queue.Queue[Any] = queue.Queue()
        self._thread: threading.Thread | None = None
        self.applied = 0  # events applied (tests wait on it)
        self._applied = threading.Condition()
        if simulation is not None:
            simulation.submit = self.submit  # what only the local API simulates comes in here
            if simulation.card_port is None:
                self.health.update(lambda h: setattr(h, "reader", ReaderHealth(True, simulated=True)))
        self._handlers: dict[type, Callable[[Any], None]] = {
            CardInserted: self._card_inserted, CardRemoved: self._card_removed,
            CardUnreadable: self._card_unreadable, ReaderAdded: self._reader_added,
            ReaderRemoved: self._reader_removed, CardServiceLost: self._service_lost,
            CardServiceRestored: self._service_restored, BarcodeScanned: self._scanned,
            ScanRejected: self._scan_rejected, ScannerLost: self._scanner_lost,
            ScannerRestored: self._scanner_restored,
        }

    def _build(self, build: Callable[[DeviceConfig], Any], device: str):
        try:
            return build(self.config)
        except ImportError as exc:  # pyscard or pyserial missing: the till still sells
            log.error("%s unavailable: %s", device, exc)
            self.health.note(device, f"unavailable: {exc}")
            return None

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="device events", daemon=True)
        self._thread.start()
        for adapter in (self.reader, self.scanner):
            if adapter is not None:
                adapter.start(self.submit)
        self.desk.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the devices, waiting at most ``timeout`` in all for their threads.

        Every thread is a daemon: one that still blocks (a jammed card, a printer that does
        not answer) is left to end with the process rather than holding up a till's shutdown.
        """
        deadline = time.monotonic() + timeout
        for adapter in (self.reader, self.scanner):
            if adapter is not None:
                adapter.stop(min(ADAPTER_WAIT, _left(deadline)))
        self.desk.stop(_left(deadline))
        if self._thread is not None:
            self._events.put(None)
            self._thread.join(_left(deadline))
            self._thread = None
        if self.simulation is not None:
            self.simulation.stop()

    # -- in: events ----------------------------------------------------------------------------

    def submit(self, event: Any) -> None:
        """Queue a device event (safe from any thread; adapters call this)."""
        self._events.put(event)

    def wait_applied(self, count: int, timeout: float = 10.0) -> bool:
        """Block until ``count`` events in all were applied (for tests and the benchmark)."""
        with self._applied:
            return self._applied.wait_for(lambda: self.applied >= count, timeout)

    def _run(self) -> None:
        while (event := self._events.get()) is not None:
            handler = self._handlers.get(type(event))
            try:
                if handler is not None:
                    handler(event)
            except Exception:  # one bad event must not stop the till's devices
                log.exception("device event %r failed", event)
            with self._applied:
                self.applied += 1
                self._applied.notify_all()

    def _to_basket(self, device: str, action: Callable[[str], dict], done: str) -> None:
        try:
            basket_id = self.agent.checkout.current_basket_id()
            action(basket_id)
        except AgentError as exc:
            self.health.note(device, exc.detail)
            return
        self.health.basket_changed(basket_id)
        self.health.note(device, done, problem=False)

    def claim_cards(self, seconds: float | None) -> dict | None:
        """Send member cards to the enrolment form for ``seconds`` (None: back to the basket).

        The form renews the claim while it is open, so a page closed without releasing it gives
        the cards back to the basket within seconds. Returns the last card the form took.
        """
        until = self.agent.clock() + timedelta(seconds=seconds) if seconds else None
        return self.health.claim_cards(until)

    def _attach(self, device: str, number: str) -> None:
        if self.health.take_card(number):
            self.health.note(device, f"card {mask_card(number)} taken for the enrolment form", problem=False)
            return
        self._to_basket(device, lambda basket: self.agent.checkout.attach_member(basket, number),
                        f"member card {mask_card(number)} attached")

    def _card_inserted(self, event: CardInserted) -> None:
        self.health.update(lambda h: setattr(h.reader, "card_present", True))
        number = event.card_number
        if number is None and event.uid:
            number = self.agent.ref.card_for_chip(event.uid)
            if number is None:
                self.health.note("card reader", f"card chip {event.uid} is not registered to a member")
                return
        if number is not None:
            self._attach("card reader", number)

    def _card_removed(self, event: CardRemoved) -> None:
        self.health.update(lambda h: setattr(h.reader, "card_present", False))

    def _card_unreadable(self, event: CardUnreadable) -> None:
        self.health.note("card reader", f"card not readable: {event.reason}")

    def _reader_added(self, event: ReaderAdded) -> None:
        self.health.update(lambda h: h.reader.readers.append(event.reader))

    def _reader_removed(self, event: ReaderRemoved) -> None:
        def change(h: DeviceHealth) -> None:
            h.reader.readers = [name for name in h.reader.readers if name != event.reader]
        self.health.update(change)
        self.health.note("card reader", f"reader {event.reader} removed")

    def _service_lost(self, event: CardServiceLost) -> None:
        self.health.update(lambda h: setattr(h.reader, "service_lost", event.reason))
        self.health.note("card reader", event.reason)

    def _service_restored(self, event: CardServiceRestored) -> None:
        self.health.update(lambda h: setattr(h.reader, "service_lost", ""))
        self.health.note("card reader", "PC/SC service is back", problem=False)

    def _scanned(self, event: BarcodeScanned) -> None:
        if event.kind is CodeKind.MEMBER_CARD:
            self._attach("scanner", event.code)
            return
        self._to_basket("scanner", lambda basket: self.agent.checkout.add_item(basket, event.code),
                        f"scanned {event.code}")

    def _scan_rejected(self, event: ScanRejected) -> None:
        self.health.note("scanner", f"scan rejected: {event.reason}")

    def _scanner_lost(self, event: ScannerLost) -> None:
        self.health.update(lambda h: setattr(h.scanner, "lost", event.reason))
        self.health.note("scanner", f"scanner lost: {event.reason}")

    def _scanner_restored(self, event: ScannerRestored) -> None:
        self.health.update(lambda h: setattr(h.scanner, "lost", ""))
        self.health.note("scanner", "scanner is back", problem=False)

    # -- out: receipts -------------------------------------------------------------------------

    def sale_completed(self, sale: CompletedSale) -> None:
        """The checkout's completion hook: print the receipt on the desk's thread."""
        self.desk.submit(sale)

    def refund_completed(self, refund: RefundReceipt) -> None:
        """The returns' completion hook: print the refund receipt the same way."""
        self.desk.submit(refund)

    def slip(self, slip: NoSaleSlip | ShiftReport) -> None:
        """The shifts' hook: print a no-sale slip (kicking the drawer open) or an X or Z report."""
        self.desk.submit(slip)

    # -- what the register shows ---------------------------------------------------------------

    def _scanner_connected(self) -> None:
        if self.scanner is not None:
            connected = self.scanner.connected.is_set()
            self.health.update(lambda h: setattr(h.scanner, "connected", connected))

    def summary(self) -> dict[str, str]:
        self._scanner_connected()
        return self.health.summary()

    def snapshot(self) -> dict:
        self._scanner_connected()
        simulated = self.simulation.describe() if self.simulation is not None else None
        return {**self.health.snapshot(), "kept_receipts": self.desk.kept(), "simulated": simulated}
