"""The ESC/POS printer adapter over a real serial line: a pty pair (socat) with a simulated
printer on the far end answering status queries, as a serial TM printer does."""

from __future__ import annotations

import pytest

from devices.printer import EscposPrinter, Paper, PrintOutcome
from devices.simulators.escpos_decode import decode
from devices.simulators.serial_printer import SerialPrinter
from devices.transports import SerialTransport
from tests.devices_support.sales import sample_sale
from tests.integration.devices.test_printer import EXPECTED_LINES


@pytest.fixture
def serial_printer(pty_pair):
    with SerialPrinter(pty_pair.scanner_end) as printer:  # the pair's other end plays the printer
        yield printer


def _printer(pty_pair, timeout: float = 1.0) -> EscposPrinter:
    return EscposPrinter(SerialTransport(pty_pair.host_end, baudrate=19200, timeout=timeout))


def test_a_receipt_printed_over_a_serial_line_reads_line_by_line_as_laid_out(pty_pair, serial_printer):
    result = _printer(pty_pair).print(sample_sale())
    assert (result.outcome, result.status.paper) == (PrintOutcome.OK, Paper.OK)
    printed = decode(serial_printer.wait_jobs(1)[0])
    assert printed.text_lines == EXPECTED_LINES
    assert printed.barcodes == [("CODE128", "R042-3-000117")]
    assert printed.cuts == ["full"]
    assert printed.status_queries[:3] == [1, 2, 4]  # asked before printing; the answers after it come after the cut


def test_paper_out_on_a_serial_printer_keeps_the_receipt_until_paper_is_loaded(pty_pair, serial_printer):
    printer = _printer(pty_pair)
    serial_printer.paper = "out"
    result = printer.print(sample_sale())
    assert (result.outcome, result.spooled) == (PrintOutcome.PAPER_OUT, True)
    assert serial_printer.jobs == []
    serial_printer.paper = "ok"
    assert printer.reprint("R042-3-000117").ok
    assert decode(serial_printer.wait_jobs(1)[0]).text_lines == EXPECTED_LINES


def test_a_serial_printer_that_never_answers_times_out_and_keeps_the_receipt(pty_pair, serial_printer):
    serial_printer.mute = True
    result = _printer(pty_pair, timeout=0.2).print(sample_sale())
    assert (result.outcome, result.spooled) == (PrintOutcome.TIMEOUT, True)


def test_an_unplugged_serial_printer_is_offline_and_keeps_the_receipt(pty_pair, serial_printer):
    pty_pair.stop()  # the cable is pulled: the serial device is gone
    result = _printer(pty_pair).print(sample_sale())
    assert (result.outcome, result.spooled) == (PrintOutcome.OFFLINE, True)
    assert "cannot open" in result.detail
