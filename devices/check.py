"""``onecard devices check``: what this terminal's devices look like, one line per finding."""

from __future__ import annotations

import os
from dataclasses import dataclass

import serial
from serial.tools import list_ports

from devices.config import DeviceConfig, PrinterConfig, ReaderConfig, ScannerConfig
from devices.exceptions import TransportError
from devices.factory import build_transport
from devices.printer import EscposPrinter, Paper


@dataclass(frozen=True)
class CheckResult:
    device: str
    ok: bool
    message: str

    def __str__(self) -> str:
        return f"[{'ok' if self.ok else 'PROBLEM'}] {self.device}: {self.message}"


def check_devices(config: DeviceConfig) -> list[CheckResult]:
    """Look for the configured reader, scanner port and printer; never raises for a device."""
    return [
        *check_card_reader(config.card_reader),
        *check_scanner(config.scanner),
        *check_printer(config.printer),
    ]


def check_card_reader(config: ReaderConfig | None) -> list[CheckResult]:
    if config is None:
        return [CheckResult("card reader", True, "none configured")]
    try:
        from devices.simulators.pcsc_daemon import pcsc_readers
    except ImportError as exc:  # pyscard missing
        return [CheckResult("card reader", False, f"pyscard is not installed: {exc}")]
    names = pcsc_readers()
    if names is None:
        return [CheckResult("card reader", False, "cannot reach pcscd (is it installed and running?)")]
    found = [CheckResult("card reader", True, f"reader found: {name}") for name in names]
    if not any(config.match in name for name in names):
        wanted = f"no reader matching {config.match!r}" if config.match else "no reader attached"
        found.append(CheckResult("card reader", False, wanted))
    return found


def check_scanner(config: ScannerConfig | None) -> list[CheckResult]:
    ports = sorted(port.device for port in list_ports.comports())
    found = [CheckResult("serial", True, f"serial ports found: {', '.join(ports) or 'none'}")]
    if config is None:
        return [*found, CheckResult("scanner", True, "none configured")]
    if "://" not in config.port and not os.path.exists(config.port):
        return [*found, CheckResult("scanner", False, f"{config.port} does not exist")]
    try:
        serial.serial_for_url(config.port, baudrate=config.baudrate, timeout=0).close()
    except (serial.SerialException, OSError) as exc:
        return [*found, CheckResult("scanner", False, f"cannot open {config.port}: {exc}")]
    return [*found, CheckResult("scanner", True, f"{config.port} opens")]


def check_printer(config: PrinterConfig | None) -> list[CheckResult]:
    if config is None:
        return [CheckResult("printer", True, "none configured")]
    where = f"{config.kind} printer {config.address}"
    transport = build_transport(config)
    if not transport.supports_status:
        try:
            transport.open()
            transport.close()
        except TransportError as exc:
            return [CheckResult("printer", False, f"{where}: {exc.detail}")]
        return [CheckResult("printer", True, f"{where}: opens (no status channel)")]
    status = EscposPrinter(transport, profile=config.profile).status()
    if not status.online:
        return [CheckResult("printer", False, f"{where}: {status.detail or 'offline'}")]
    problems = []
    if status.cover_open:
        problems.append("cover open")
    if status.paper is Paper.OUT:
        problems.append("paper out")
    if problems:
        return [CheckResult("printer", False, f"{where}: {', '.join(problems)}")]
    paper = "" if status.paper is Paper.UNKNOWN else f", paper {status.paper.value}"
    detail = f" ({status.detail})" if status.detail else ""
    return [CheckResult("printer", True, f"{where}: reachable, online{paper}{detail}")]
