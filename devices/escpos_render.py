"""Receipt document -> ESC/POS bytes, through python-escpos's in-memory Dummy printer.

python-escpos has import-time side effects we contain here: it re-parses its capabilities
YAML into a fresh temp dir per process unless ESCPOS_CAPABILITIES_PICKLE_DIR names a cache,
and it calls ``logging.basicConfig()``. Its ``barcode()`` also prints to stdout.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

from devices.receipt import Barcode, Cut, DrawerKick, Element, Feed, ReceiptDocument, Text

DEFAULT_PROFILE = "TM-T88III"
_lock = threading.Lock()
_module: ModuleType | None = None


def escpos_printer_module() -> ModuleType:
    """Import ``escpos.printer`` once, with a persistent capabilities cache and no log setup."""
    global _module
    with _lock:
        if _module is None:
            cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "onecard"
            cache = cache / "escpos"
            cache.mkdir(parents=True, exist_ok=True)
            os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", str(cache))
            handlers = logging.root.handlers[:]
            import escpos.printer

            logging.root.handlers[:] = handlers
            _module = escpos.printer
    return _module


def code128_dots(data: str, module_width: int = 2) -> int:
    """Printed width of a CODE128 symbol: start, data, check, stop and quiet zones."""
    return (11 * (len(data) + 2) + 13 + 20) * module_width


def paper_dots(printer: Any) -> int:
    """Printable width in dots from the profile (512 for an 80 mm TM-T88)."""
    media = printer.profile.profile_data.get("media", {})
    return int(media.get("width", {}).get("pixels") or 384)


def render(document: ReceiptDocument, profile: str = DEFAULT_PROFILE) -> bytes:
    """Encode ``document`` as ESC/POS for a printer ``profile`` from python-escpos's database."""
    printer = escpos_printer_module().Dummy(profile=profile)
    for element in document.elements:
        _render(printer, element)
    return bytes(printer.output)


def _render(printer: Any, element: Element) -> None:
    if isinstance(element, Text):
        printer.set_with_default(
            align=element.align.value,
            bold=element.bold,
            double_height=element.large,
            double_width=element.large,
        )
        printer.textln(element.text)
    elif isinstance(element, Barcode):
        _barcode(printer, element)
    elif isinstance(element, Feed):
        printer.ln(element.lines)
    elif isinstance(element, Cut):
        printer.cut()
    elif isinstance(element, DrawerKick):
        printer.cashdraw(2)


def _barcode(printer: Any, element: Barcode) -> None:
    """Print a barcode; a CODE128 too wide for the paper becomes a native QR code."""
    data = element.data
    if element.symbology == "CODE128":
        if code128_dots(data) > paper_dots(printer) and printer.profile.supports("qrCode"):
            printer.set_with_default(align="center")
            printer.qr(data, native=True, size=5)
            return
        data = "{B" + data  # python-escpos wants the code set selector
    with _lock, contextlib.redirect_stdout(io.StringIO()):  # barcode() prints a notice
        printer.barcode(data, element.symbology, height=60, width=2, pos="BELOW", function_type="B")
