"""What the register shows of its devices: reader, scanner, printer, and the latest notices."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime

from devices.printer import Paper, PrinterStatus

NOT_CONFIGURED = "not configured"


@dataclass
class ReaderHealth:
    configured: bool
    readers: list[str] = field(default_factory=list)
    service_lost: str = ""  # why pcscd cannot be reached, empty when it can
    card_present: bool = False
    simulated: bool = False  # cards come only through the local API

    @property
    def ok(self) -> bool:
        return not self.configured or self.simulated or (bool(self.readers) and not self.service_lost)

    def summary(self) -> str:
        if not self.configured:
            return NOT_CONFIGURED
        if self.simulated:
            return "simulated through the local API"
        if self.service_lost:
            return f"PC/SC service lost: {self.service_lost}"
        if not self.readers:
            return "no reader attached"
        return ("card present in " if self.card_present else "ready: ") + ", ".join(self.readers)


@dataclass
class ScannerHealth:
    configured: bool
    port: str = ""
    connected: bool = False
    lost: str = ""  # why the port is gone, empty when it is not

    @property
    def ok(self) -> bool:
        return not self.configured or self.connected

    def summary(self) -> str:
        if not self.configured:
            return NOT_CONFIGURED
        if self.connected:
            return f"connected: {self.port}"
        return f"not connected: {self.lost}" if self.lost else f"connecting to {self.port}"


@dataclass
class PrinterHealth:
    configured: bool
    where: str = ""
    checked: bool = False
    online: bool = False
    cover_open: bool = False
    paper: str = Paper.UNKNOWN.value
    detail: str = ""

    @property
    def ok(self) -> bool:
        return not self.configured or (self.online and not self.cover_open and self.paper != Paper.OUT.value)

    def summary(self) -> str:
        if not self.configured:
            return NOT_CONFIGURED
        if not self.checked:
            return f"checking {self.where}"
        if not self.online:
            return f"offline: {self.detail or self.where}"
        problems = [p for p, on in (("cover open", self.cover_open), ("paper out", self.paper == "out"),
                                    ("paper near end", self.paper == "near_end")) if on]
        return ", ".join(problems) if problems else "online" + (f", paper {self.paper}" if self.paper != "unknown"
                                                                else "")


@dataclass(frozen=True)
class Notice:
    seq: int
    at: str
    device: str
    message: str
    problem: bool


class DeviceHealth:
    """Thread-safe device state, updated from device events, read by the status endpoint."""

    def __init__(self, clock: Callable[[], datetime], *, reader: bool, scanner_port: str | None,
                 printer_where: str | None) -> None:
        self.clock = clock
        self.reader = ReaderHealth(reader)
        self.scanner = ScannerHealth(scanner_port is not None, scanner_port or "")
        self.printer = PrinterHealth(printer_where is not None, printer_where or "")
        self.basket_id: str | None = None
        self.changes = 0  # bumped whenever a device changed a basket, so the page reloads it
        self.claim_until: datetime | None = None  # the register's enrolment form takes cards until then
        self.claimed: dict | None = None  # the last card it took: {"seq", "card_number"}
        self._notices: deque[Notice] = deque(maxlen=20)
        self._seq = 0
        self._lock = threading.Lock()

    def update(self, change: Callable[[DeviceHealth], None]) -> None:
        with self._lock:
            change(self)

    def printer_status(self, status: PrinterStatus) -> None:
        with self._lock:
            self.printer.checked, self.printer.online = True, status.online
            self.printer.cover_open, self.printer.paper = status.cover_open, status.paper.value
            self.printer.detail = status.detail

    def basket_changed(self, basket_id: str) -> None:
        with self._lock:
            self.basket_id = basket_id
            self.changes += 1

    def claim_cards(self, until: datetime | None) -> dict | None:
        """Let the enrolment form take cards until ``until`` (None: give them back to the basket).

        Returns the last card taken while claimed, if any; a release forgets it.
        """
        with self._lock:
            self.claim_until = until
            if until is None:
                self.claimed = None
            return self.claimed

    def take_card(self, number: str) -> bool:
        """True (and the card kept for the form) when the enrolment form claims cards now."""
        with self._lock:
            if self.claim_until is None or self.clock() >= self.claim_until:
                return False
            self._seq += 1
            self.claimed = {"seq": self._seq, "card_number": number}
            return True

    def note(self, device: str, message: str, *, problem: bool = True) -> None:
        with self._lock:
            self._seq += 1
            self._notices.append(Notice(self._seq, self.clock().isoformat(), device, message, problem))

    def summary(self) -> dict[str, str]:
        with self._lock:
            return {"card_reader": self.reader.summary(), "scanner": self.scanner.summary(),
                    "printer": self.printer.summary()}

    def snapshot(self) -> dict:
        with self._lock:
            parts = {"card_reader": self.reader, "scanner": self.scanner, "printer": self.printer}
            found = {name: {**asdict(part), "ok": part.ok, "summary": part.summary()} for name, part in parts.items()}
            return {**found, "basket_id": self.basket_id, "changes": self.changes,
                    "notices": [asdict(n) for n in self._notices]}
