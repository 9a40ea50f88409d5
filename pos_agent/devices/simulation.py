"""Simulated devices for demos (``onecard agent --simulate-devices``), speaking the real protocols.

* scanner: ``socat`` links two ptys; the agent's real serial adapter reads one end, and the
  local API (or ``python -m devices.simulators.scanner_sim <end> CODE``) writes to the other;
* printer: a TCP ESC/POS sink on 127.0.0.1 that the real network printer adapter prints to;
* card reader: pcscd with the vpcd virtual reader and a virtual card put on it through the
  local API. pcscd is one per machine and needs root: when it cannot run, cards are injected
  straight into the device manager through the local API, and the log says so.

Nothing here is allowed to stop the agent: a missing socat or pcscd degrades to the local API.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
from pathlib import Path
from typing import IO, Any

from devices.events import BarcodeScanned, CardInserted, CardRemoved
from devices.exceptions import DeviceError
from devices.simulators.pcscd_turn import PCSCD_LOCK, PcscdBusy, take_turn
from devices.simulators.printer_sink import PrinterSink
from devices.simulators.scanner_sim import PtyPair, ScannerSimulator
from devices.simulators.virtual_card import DEFAULT_VPCD_PORT, VirtualCard
from loyalty.barcodes import classify

log = logging.getLogger(__name__)

VIRTUAL_READER = "Virtual PCD"
CARD_SLOT = f"{VIRTUAL_READER} 00 00"  # vpcd's first slot, served on DEFAULT_VPCD_PORT
SIMULATED_READER = "simulated reader"


class SimulatedDevices:
    """Starts what this machine can run and describes the device config that uses it.

    ``share_pcscd``: use the vpcd reader of a pcscd that is already running (a test session's).
    Off by default, so two demo tills on one machine never both see the same virtual card: the
    first starts pcscd, the others simulate their card reader through the local API.
    """

    def __init__(self, workdir: Path, *, share_pcscd: bool = False) -> None:
        self.workdir = Path(workdir)
        self.share_pcscd = share_pcscd
        self.sink: PrinterSink | None = None
        self.pty: PtyPair | None = None
        self.daemon: Any = None  # a PcscDaemon we started
        self.card_port: int | None = None  # vpcd slot when cards go through pcscd
        self.card: VirtualCard | None = None
        self.submit = lambda event: None  # the manager's queue, for what only the API simulates
        self._lock_file: IO[str] | None = None

    def start(self) -> dict[str, Any]:
        """Start the simulators; returns the ``devices.config`` sections that use them."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.sink = PrinterSink()
        config: dict[str, Any] = {"printer": {"kind": "network", "address": f"{self.sink.host}:{self.sink.port}",
                                              "timeout": 1.0}}
        log.info("simulated printer: ESC/POS sink on %s:%d", self.sink.host, self.sink.port)
        if (port := self._start_scanner()) is not None:
            config["scanner"] = {"port": port, "suffix": "cr"}
        if self._start_card_reader():
            config["card_reader"] = {"match": CARD_SLOT}
        else:
            log.warning("card reader simulated through the local API only "
                        "(POST /local/v1/devices/simulate/card)")
        return config

    def _start_scanner(self) -> str | None:
        pty = PtyPair(self.workdir / "tty")
        try:
            (self.workdir / "tty").mkdir(exist_ok=True)
            pty.start()
        except (DeviceError, OSError) as exc:
            log.warning("scanner simulated through the local API only: %s", exc)
            return None
        self.pty = pty
        log.info("simulated scanner: write codes to %s (the agent reads %s)", pty.scanner_end, pty.host_end)
        return pty.host_end

    def _start_card_reader(self) -> bool:
        try:
            from devices.simulators.pcsc_daemon import PcscDaemon, pcsc_readers, running_pcscd
        except ImportError as exc:  # pyscard not installed
            log.warning("no PC/SC: %s", exc)
            return False
        if (pid := running_pcscd()) is not None:
            if self.share_pcscd:
                return self._reuse_pcscd(pcsc_readers())
            log.warning("another pcscd (pid %d) serves this machine; its readers are not this till's", pid)
            return False
        if not self._take_pcscd_turn():
            log.warning("another OneCard process holds pcscd's turn (%s)", PCSCD_LOCK)
            return False
        daemon = PcscDaemon(DEFAULT_VPCD_PORT, workdir=Path(tempfile.mkdtemp(prefix="onecard-pcscd-")))
        if problems := daemon.problems():
            log.warning("cannot run pcscd: %s", "; ".join(problems))
            return self._give_up_pcscd()
        try:
            daemon.start(timeout=5.0)
        except (DeviceError, OSError) as exc:
            log.warning("pcscd did not start: %s", exc)
            return self._give_up_pcscd()
        self.daemon, self.card_port = daemon, daemon.port
        log.info("simulated card reader: pcscd with %s on port %d", daemon.reader, daemon.port)
        return True

    def _reuse_pcscd(self, readers: list[str] | None) -> bool:
        if CARD_SLOT not in (readers or []):
            log.warning("a pcscd is running without the vpcd virtual reader")
            return False
        self.card_port = DEFAULT_VPCD_PORT
        log.info("simulated card reader: the running pcscd's %s, port %d", CARD_SLOT, self.card_port)
        return True

    def _take_pcscd_turn(self) -> bool:
        try:  # held until stop(); a demo never waits for the turn, it simulates the reader instead
            self._lock_file = take_turn("demo", wait_for_demo=0, wait_for_others=0)
        except PcscdBusy:
            return False
        return True

    def _give_up_pcscd(self) -> bool:
        if self._lock_file is not None:
            self._lock_file.close()  # closing releases the flock
            self._lock_file = None
        return False

    # -- what the local API asks for -----------------------------------------------------------

    def scan(self, code: str) -> str:
        """Send one code as the scanner would; returns how it travelled."""
        if self.pty is not None:
            with ScannerSimulator(self.pty.scanner_end, suffix="cr") as scanner:
                scanner.scan(code)
            return "pty"
        found = classify(code)
        self.submit(BarcodeScanned(code, found.symbology, found.kind, found.item, found.value))
        return "local API"

    def insert_card(self, card_number: str | None, uid: str | None) -> str:
        """Put a card on the reader (a vpcd virtual card when pcscd runs); returns how."""
        self.remove_card()
        if self.card_port is not None:
            self.card = VirtualCard(card_number, bytes.fromhex(uid) if uid else None, port=self.card_port)
            self.card.insert()
            return "pcscd"
        self.submit(CardInserted(SIMULATED_READER, card_number, uid.upper() if uid else None, ""))
        return "local API"

    def remove_card(self) -> None:
        card, self.card = self.card, None
        if card is not None:
            card.remove()
        elif self.card_port is None:
            self.submit(CardRemoved(SIMULATED_READER))

    def describe(self) -> dict[str, Any]:
        return {"scanner": self.pty.scanner_end if self.pty else "local API",
                "card_reader": f"pcscd, vpcd port {self.card_port}" if self.card_port else "local API",
                "printer": f"ESC/POS sink {self.sink.host}:{self.sink.port}" if self.sink else None,
                "printed": len(self.sink.jobs) if self.sink else 0}

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.remove_card()
        if self.pty is not None:
            self.pty.stop()
        if self.daemon is not None:
            self.daemon.stop()
            self.daemon = None
        self._give_up_pcscd()
        if self.sink is not None:
            self.sink.close()
