"""The ports the POS agent depends on: events in through a callback, commands out.

Real adapters: ``card_reader.PcscCardReader``, ``scanner.SerialScanner``,
``printer.EscposPrinter``. Callbacks run on the adapter's own thread; hand events to the
agent's loop rather than doing slow work in them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from devices.events import CardEvent, ScanEvent
from devices.printer import PrinterStatus, PrintResult
from devices.sale import CompletedSale


class CardReader(Protocol):
    def start(self, on_event: Callable[[CardEvent], None]) -> None:
        """Begin watching readers and cards; events arrive on ``on_event``."""
        ...

    def stop(self, timeout: float = ...) -> None: ...


class Scanner(Protocol):
    def start(self, on_event: Callable[[ScanEvent], None]) -> None:
        """Begin reading codes; events arrive on ``on_event``."""
        ...

    def stop(self, timeout: float = ...) -> None: ...


class ReceiptPrinter(Protocol):
    def status(self) -> PrinterStatus: ...

    def print(self, sale: CompletedSale) -> PrintResult:
        """Print a receipt; one that cannot print is kept for ``reprint``."""
        ...

    def reprint(self, receipt_id: str) -> PrintResult: ...

    def reprint_pending(self) -> list[PrintResult]: ...
