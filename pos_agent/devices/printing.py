"""The receipt desk: prints sales' and refunds' receipts on its own thread, watches the printer, reprints.

Printing waits on the printer (up to its timeout when it is away), so it never runs on the
HTTP request that completed the sale nor on the thread that applies scans and cards.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
from pathlib import Path

from devices.exceptions import NotSpooled
from devices.preview import png_preview, text_preview
from devices.printer import EscposPrinter, PrinterStatus, PrintOutcome, PrintResult
from devices.receipt import Printable, ReceiptDocument, layout_document
from pos_agent.devices.exceptions import NoPrinter, ReceiptNotKept, ReceiptNotPrinted
from pos_agent.devices.health import DeviceHealth
from pos_agent.devices.spool import SqliteReceiptSpool

log = logging.getLogger(__name__)


class ReceiptDesk:
    """Owns the printer: a queue of receipts to print, a status poll, reprints of kept receipts."""

    def __init__(self, printer: EscposPrinter | None, spool: SqliteReceiptSpool, health: DeviceHealth, *,
                 preview_dir: Path | None = None, poll: float = 5.0) -> None:
        self.printer, self.spool, self.health = printer, spool, health
        self.preview_dir, self.poll = preview_dir, poll
        self._jobs: queue.Queue[Printable | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self.printed = 0  # jobs handled, printed or kept (tests wait on it)
        self._handled = threading.Condition()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="receipt desk", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join(timeout)
            self._thread = None

    def submit(self, receipt: Printable) -> None:
        """Print ``receipt`` soon (called on the thread that completed the sale or the return)."""
        self._jobs.put(receipt)

    def wait_handled(self, count: int, timeout: float = 10.0) -> bool:
        with self._handled:
            return self._handled.wait_for(lambda: self.printed >= count, timeout)

    def _run(self) -> None:
        self.check()
        while True:
            try:
                receipt = self._jobs.get(timeout=self.poll)
            except queue.Empty:
                self.check()
                continue
            if receipt is None:
                return
            try:
                self._print(receipt)
            except Exception:  # the desk must outlive one bad receipt; the sale itself is kept
                log.exception("printing receipt %s failed", receipt.receipt_id)
                self.health.note("printer", f"receipt {receipt.receipt_id} could not be laid out; see the log")
            with self._handled:
                self.printed += 1
                self._handled.notify_all()

    def check(self) -> None:
        """Ask the printer how it is and record the answer."""
        if self.printer is not None:
            self.health.printer_status(self.printer.status())

    def _print(self, receipt: Printable) -> None:
        width = self.printer.width if self.printer else 42
        document = layout_document(receipt, width)
        self._preview(document)
        if self.printer is None:
            return
        self._record(self.printer.print_document(document))

    def _preview(self, document: ReceiptDocument) -> None:
        if self.preview_dir is None:
            return
        try:
            self.preview_dir.mkdir(parents=True, exist_ok=True)
            base = self.preview_dir / f"receipt-{document.receipt_id}"
            base.with_suffix(".txt").write_text(text_preview(document))
            png_preview(document, base.with_suffix(".png"))
        except OSError as exc:
            log.warning("receipt preview %s not written: %s", document.receipt_id, exc)

    def _record(self, result: PrintResult) -> PrintResult:
        if result.status is not None:
            self.health.printer_status(result.status)
        elif result.outcome in (PrintOutcome.OFFLINE, PrintOutcome.TIMEOUT):
            self.health.printer_status(PrinterStatus(online=False, detail=result.detail))
        if result.ok:
            self.health.note("printer", f"receipt {result.receipt_id} printed", problem=False)
        else:
            self.health.note("printer", f"receipt {result.receipt_id} not printed ({result.outcome.value}: "
                                        f"{result.detail}); kept for a reprint")
        return result

    def reprint(self, receipt_id: str) -> PrintResult:
        """Print a kept receipt now; raises when it is not kept or still does not print."""
        if self.printer is None:
            raise NoPrinter()
        try:
            result = self._record(self.printer.reprint(receipt_id))
        except NotSpooled:
            raise ReceiptNotKept(receipt_id) from None
        if not result.ok:
            raise ReceiptNotPrinted(receipt_id, result.outcome.value, result.detail)
        return result

    def reprint_pending(self) -> list[PrintResult]:
        """Print every kept receipt, oldest first, stopping at the first that fails again."""
        if self.printer is None:
            raise NoPrinter()
        return [self._record(result) for result in self.printer.reprint_pending()]

    def kept(self) -> list[dict]:
        """Receipts waiting for a reprint (none once the agent closed its database)."""
        try:
            return self.spool.listing()
        except sqlite3.ProgrammingError:
            return []
