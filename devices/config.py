"""Per-terminal device configuration, parsed from a plain dict (the agent's config file).

Example::

    {"terminal": "042-3",
     "card_reader": {"match": "ACR122", "aid": "F04F4E4543415244"},
     "scanner": {"port": "/dev/ttyACM0", "baudrate": 9600, "suffix": "cr", "prefix": ""},
     "printer": {"kind": "network", "address": "10.0.0.50:9100", "profile": "TM-T88III"},
     "barcodes": {"member_prefixes": ["27"],
                  "variable_measure": [{"prefix": "28", "kind": "weight"}]}}

A missing section means the terminal has no such device.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from devices import apdu
from devices.exceptions import ConfigError
from devices.framing import SUFFIXES, FramingRules
from loyalty.barcodes import BarcodeRules, CodeKind, VariableMeasureLayout

PRINTER_KINDS = ("network", "serial", "file", "usb")
_MEASURE_KINDS = {"weight": CodeKind.WEIGHT_ITEM, "price": CodeKind.PRICE_ITEM}


@dataclass(frozen=True)
class ReaderConfig:
    match: str = ""
    aid: bytes = apdu.ONECARD_AID


@dataclass(frozen=True)
class ScannerConfig:
    port: str
    baudrate: int = 9600
    framing: FramingRules = field(default_factory=FramingRules)


@dataclass(frozen=True)
class PrinterConfig:
    kind: str
    address: str
    profile: str = "TM-T88III"
    width: int = 42
    baudrate: int = 9600
    timeout: float = 2.0

    def host_port(self) -> tuple[str, int]:
        host, _, port = self.address.rpartition(":")
        return (host, int(port)) if host else (self.address, 9100)

    def usb_ids(self) -> tuple[int, int]:
        vendor, _, product = self.address.partition(":")
        return int(vendor, 16), int(product, 16)


@dataclass(frozen=True)
class DeviceConfig:
    terminal: str = ""
    card_reader: ReaderConfig | None = None
    scanner: ScannerConfig | None = None
    printer: PrinterConfig | None = None
    barcodes: BarcodeRules = field(default_factory=BarcodeRules)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> DeviceConfig:
        """Parse and validate; raises ConfigError naming the bad field."""
        return cls(
            terminal=str(raw.get("terminal", "")),
            card_reader=_reader(raw["card_reader"]) if raw.get("card_reader") else None,
            scanner=_scanner(raw["scanner"]) if raw.get("scanner") else None,
            printer=_printer(raw["printer"]) if raw.get("printer") else None,
            barcodes=_barcodes(raw.get("barcodes") or {}),
        )


def _get(section: dict[str, Any], name: str, kind: type, where: str, default: Any = None) -> Any:
    value = section.get(name, default)
    if value is None:
        raise ConfigError(f"{where}.{name}", "is required")
    try:
        return kind(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}.{name}", f"not a valid {kind.__name__}: {value!r}") from exc


def _reader(raw: dict[str, Any]) -> ReaderConfig:
    aid = _get(raw, "aid", str, "card_reader", apdu.ONECARD_AID.hex())
    try:
        return ReaderConfig(_get(raw, "match", str, "card_reader", ""), bytes.fromhex(aid))
    except ValueError as exc:
        raise ConfigError("card_reader.aid", f"not hex: {aid!r}") from exc


def _scanner(raw: dict[str, Any]) -> ScannerConfig:
    suffix = _get(raw, "suffix", str, "scanner", "cr").lower()
    if suffix not in SUFFIXES:
        raise ConfigError("scanner.suffix", f"must be one of {', '.join(SUFFIXES)}")
    framing = FramingRules(
        suffix=suffix,
        prefix=_get(raw, "prefix", str, "scanner", "").encode("ascii"),
        max_length=_get(raw, "max_length", int, "scanner", 48),
        inter_byte_timeout=_get(raw, "inter_byte_timeout_ms", int, "scanner", 100) / 1000,
    )
    return ScannerConfig(
        _get(raw, "port", str, "scanner"), _get(raw, "baudrate", int, "scanner", 9600), framing
    )


def _printer(raw: dict[str, Any]) -> PrinterConfig:
    kind = _get(raw, "kind", str, "printer")
    if kind not in PRINTER_KINDS:
        raise ConfigError("printer.kind", f"must be one of {', '.join(PRINTER_KINDS)}")
    config = PrinterConfig(
        kind,
        _get(raw, "address", str, "printer"),
        profile=_get(raw, "profile", str, "printer", "TM-T88III"),
        width=_get(raw, "width", int, "printer", 42),
        baudrate=_get(raw, "baudrate", int, "printer", 9600),
        timeout=_get(raw, "timeout", float, "printer", 2.0),
    )
    try:
        config.host_port() if kind == "network" else config.usb_ids() if kind == "usb" else None
    except ValueError as exc:
        raise ConfigError("printer.address", f"bad {kind} address {config.address!r}") from exc
    return config


def _barcodes(raw: dict[str, Any]) -> BarcodeRules:
    prefixes = tuple(str(p) for p in raw.get("member_prefixes", ("27",)))
    if "variable_measure" not in raw:
        return BarcodeRules(member_prefixes=prefixes)
    layouts = []
    for i, item in enumerate(raw["variable_measure"]):
        where = f"barcodes.variable_measure[{i}]"
        kind = _get(item, "kind", str, where)
        if kind not in _MEASURE_KINDS:
            raise ConfigError(f"{where}.kind", "must be weight or price")
        try:
            layouts.append(
                VariableMeasureLayout(
                    _get(item, "prefix", str, where),
                    _MEASURE_KINDS[kind],
                    _get(item, "item_len", int, where, 5),
                    _get(item, "value_len", int, where, 5),
                    bool(item.get("price_check_digit", False)),
                )
            )
        except ValueError as exc:
            raise ConfigError(where, str(exc)) from exc
    return BarcodeRules(prefixes, tuple(layouts))
