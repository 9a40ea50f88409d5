"""Build the real adapters a DeviceConfig describes (imports each stack only when needed)."""

from __future__ import annotations

from devices.config import DeviceConfig, PrinterConfig
from devices.printer import EscposPrinter
from devices.spool import ReceiptSpool
from devices.transports import (
    FileTransport,
    NetworkTransport,
    SerialTransport,
    Transport,
    UsbTransport,
)


def build_card_reader(config: DeviceConfig):  # -> PcscCardReader | None
    """The PC/SC reader adapter, or None when the terminal has no card reader."""
    if config.card_reader is None:
        return None
    from devices.card_reader import PcscCardReader

    return PcscCardReader(config.card_reader.match, aid=config.card_reader.aid)


def build_scanner(config: DeviceConfig):  # -> SerialScanner | None
    """The serial scanner adapter, or None when the terminal has no scanner."""
    if config.scanner is None:
        return None
    from devices.scanner import SerialScanner

    scanner = config.scanner
    return SerialScanner(
        scanner.port, baudrate=scanner.baudrate, framing=scanner.framing, barcodes=config.barcodes
    )


def build_transport(printer: PrinterConfig) -> Transport:
    if printer.kind == "network":
        host, port = printer.host_port()
        return NetworkTransport(host, port, timeout=printer.timeout)
    if printer.kind == "serial":
        return SerialTransport(printer.address, printer.baudrate, timeout=printer.timeout)
    if printer.kind == "usb":
        return UsbTransport(*printer.usb_ids(), profile=printer.profile)
    return FileTransport(printer.address)


def build_printer(config: DeviceConfig, spool: ReceiptSpool | None = None) -> EscposPrinter | None:
    """The receipt printer, or None when the terminal has none; ``spool`` keeps failed receipts."""
    if config.printer is None:
        return None
    return EscposPrinter(
        build_transport(config.printer),
        profile=config.printer.profile,
        width=config.printer.width,
        spool=spool,
    )
