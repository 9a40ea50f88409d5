"""ESC/POS receipt printer: status query, print with outcome, spool and reprint."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from enum import StrEnum

from devices.escpos_render import DEFAULT_PROFILE, render
from devices.exceptions import NotSpooled, TransportError
from devices.receipt import Printable, ReceiptDocument, layout_document
from devices.spool import MemorySpool, ReceiptSpool, SpooledReceipt
from devices.transports import Transport

log = logging.getLogger(__name__)

DLE_EOT = b"\x10\x04"


class PrintOutcome(StrEnum):
    OK = "ok"
    OFFLINE = "offline"
    PAPER_OUT = "paper_out"
    TIMEOUT = "timeout"
    ERROR = "error"


class Paper(StrEnum):
    OK = "ok"
    NEAR_END = "near_end"
    OUT = "out"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class PrinterStatus:
    online: bool
    cover_open: bool = False
    paper: Paper = Paper.UNKNOWN
    detail: str = ""


@dataclass(frozen=True)
class PrintResult:
    outcome: PrintOutcome
    receipt_id: str
    detail: str = ""
    status: PrinterStatus | None = None
    spooled: bool = False

    @property
    def ok(self) -> bool:
        return self.outcome is PrintOutcome.OK


def _checked(byte: int, n: int) -> int:
    # Fixed bits: 1 and 4 set, 0 and 7 clear; anything else is not a status reply.
    if byte & 0x93 != 0x12:
        raise TransportError("error", f"unexpected answer 0x{byte:02X} to DLE EOT {n}")
    return byte


def parse_status(printer: int, cause: int, paper: int) -> PrinterStatus:
    """Decode the answers to DLE EOT 1 (printer), 2 (offline cause) and 4 (roll paper)."""
    printer, cause, paper = _checked(printer, 1), _checked(cause, 2), _checked(paper, 4)
    if paper & 0x60 or cause & 0x20:
        roll = Paper.OUT
    elif paper & 0x0C:
        roll = Paper.NEAR_END
    else:
        roll = Paper.OK
    return PrinterStatus(online=not printer & 0x08, cover_open=bool(cause & 0x04), paper=roll)


def _blocking(status: PrinterStatus) -> tuple[PrintOutcome, str] | None:
    if status.paper is Paper.OUT:
        return PrintOutcome.PAPER_OUT, "paper out"
    if status.cover_open:
        return PrintOutcome.OFFLINE, "cover open"
    if not status.online:
        return PrintOutcome.OFFLINE, "printer offline"
    return None


class EscposPrinter:
    """A receipt printer: lays out, renders and sends receipts; keeps the ones that fail.

    Args:
        transport: how bytes reach the printer (network, serial, file, USB).
        profile: python-escpos printer profile, e.g. "TM-T88III".
        width: characters per line of the normal font.
        spool: where unprinted receipts wait for a reprint (in memory by default).
    """

    def __init__(
        self,
        transport: Transport,
        *,
        profile: str = DEFAULT_PROFILE,
        width: int = 42,
        spool: ReceiptSpool | None = None,
    ) -> None:
        self.transport = transport
        self.profile = profile
        self.width = width
        self.spool: ReceiptSpool = spool if spool is not None else MemorySpool()
        self._lock = threading.Lock()

    def status(self) -> PrinterStatus:
        """Ask the printer how it is; an unreachable printer is reported offline."""
        if not self.transport.supports_status:
            return PrinterStatus(online=True, detail="no status channel")
        with self._lock:
            try:
                self.transport.open()
                try:
                    return self._query()
                finally:
                    self.transport.close()
            except TransportError as exc:
                return PrinterStatus(online=False, detail=str(exc))

    def print(self, receipt: Printable) -> PrintResult:
        """Print a completed sale's or a refund's receipt; on failure it is spooled for a reprint."""
        return self.print_document(layout_document(receipt, self.width))

    def print_document(self, document: ReceiptDocument) -> PrintResult:
        return self._deliver(document.receipt_id, render(document, self.profile), attempts=1)

    def reprint(self, receipt_id: str) -> PrintResult:
        """Send a spooled receipt again; it leaves the spool once printed."""
        kept = self.spool.get(receipt_id)
        if kept is None:
            raise NotSpooled(receipt_id)
        return self._deliver(receipt_id, kept.payload, attempts=kept.attempts + 1)

    def reprint_pending(self) -> list[PrintResult]:
        """Reprint every spooled receipt, oldest first, stopping at the first failure."""
        results = []
        for kept in self.spool.pending():
            results.append(self.reprint(kept.receipt_id))
            if not results[-1].ok:
                break
        return results

    def _deliver(self, receipt_id: str, payload: bytes, attempts: int) -> PrintResult:
        with self._lock:
            outcome, detail, status = self._send(payload)
        if outcome is PrintOutcome.OK:
            self.spool.discard(receipt_id)
            return PrintResult(outcome, receipt_id, detail, status)
        log.warning("receipt %s not printed (%s: %s); kept for reprint", receipt_id, outcome.value, detail)
        self.spool.keep(SpooledReceipt(receipt_id, payload, f"{outcome.value}: {detail}", attempts))
        return PrintResult(outcome, receipt_id, detail, status, spooled=True)

    def _send(self, payload: bytes) -> tuple[PrintOutcome, str, PrinterStatus | None]:
        status = None
        try:
            self.transport.open()
            try:
                if self.transport.supports_status:
                    status = self._query()
                    if problem := _blocking(status):
                        return (*problem, status)
                self.transport.write(payload)
                if self.transport.supports_status:
                    status = self._query()
                    if status.paper is Paper.OUT:
                        return PrintOutcome.PAPER_OUT, "paper ran out during the job", status
            finally:
                self.transport.close()
        except TransportError as exc:
            return PrintOutcome(exc.kind), exc.detail, status
        near_end = status is not None and status.paper is Paper.NEAR_END
        return PrintOutcome.OK, "paper near end" if near_end else "", status

    def _query(self) -> PrinterStatus:
        answers = [self.transport.query(DLE_EOT + bytes([n])) for n in (1, 2, 4)]
        return parse_status(*answers)
