"""The ESC/POS printer adapter against the TCP printer sink: what the customer would read."""

from __future__ import annotations

import pytest

from devices.exceptions import NotSpooled
from devices.printer import EscposPrinter, Paper, PrintOutcome
from devices.simulators.escpos_decode import decode
from devices.transports import FileTransport, NetworkTransport, UsbTransport
from tests.devices_support.fixtures import free_port
from tests.devices_support.sales import sample_sale

EXPECTED_LINES = [
    "DEMO MART #042",
    "12 Market St",
    "1000 Town",
    "Tel 555 0100",
    "Terminal 3                     Cashier Ann",
    "2025-03-04 17:05",
    "-" * 42,
    "Milk 1L                               1.29",
    "  Member price                       -0.20",
    "Bread                                 3.00",
    "  2 x 1.50",
    "  Buy 2 save 10%                     -0.30",
    "Apples                                3.69",
    "  1.234 kg x 2.99/kg",
    "-" * 42,
    "Subtotal                              7.98",
    "You saved                             0.50",
    "TOTAL        EUR 7.48",
    "Cash                                 10.00",
    "Change                                2.52",
    "-" * 42,
    "Member card                  2712*****8902",
    "Tier                                  Gold",
    "Points earned                           +7",
    "New balance                           1234",
    "-" * 42,
    "Coupons for your next visit",
    "  2.00 off coffee                    CAFE2",
    "    valid until 2025-04-01",
    "",
    "R042-3-000117",
    "Thank you for shopping with us",
]


def printer_at(port: int, timeout: float = 1.0) -> EscposPrinter:
    return EscposPrinter(NetworkTransport("127.0.0.1", port, timeout=timeout))


def test_a_receipt_printed_over_tcp_reads_line_by_line_as_laid_out(printer_sink):
    result = printer_at(printer_sink.port).print(sample_sale())
    assert result.outcome is PrintOutcome.OK
    assert result.status.paper is Paper.OK
    printed = decode(printer_sink.wait_jobs(1)[0])
    assert printed.text_lines == EXPECTED_LINES
    assert printed.barcodes == [("CODE128", "R042-3-000117")]
    assert printed.cuts == ["full"]
    assert printed.status_queries == [1, 2, 4, 1, 2, 4]
    assert printed.unknown == []
    styled = {line.text: line for line in printed.lines}
    assert styled["TOTAL        EUR 7.48"].large
    assert styled["DEMO MART #042"].align == "center"
    assert styled["Points earned                           +7"].bold


def test_an_offline_sale_prints_its_points_as_pending(printer_sink):
    sale = sample_sale()
    offline = sale.loyalty.__class__(**{**sale.loyalty.__dict__, "pending": True})
    printer_at(printer_sink.port).print(sample_sale(loyalty=offline))
    lines = decode(printer_sink.wait_jobs(1)[0]).text_lines
    assert "Points earned (pending)                 +7" in lines
    assert "New balance (pending)                 1234" in lines
    assert "Points are credited when the store is back" in lines


def test_an_unreachable_printer_keeps_the_receipt_and_it_reprints_later(caplog):
    port = free_port()
    printer = printer_at(port)
    result = printer.print(sample_sale())
    assert result.outcome is PrintOutcome.OFFLINE
    assert result.spooled
    assert "unreachable" in result.detail
    assert [kept.receipt_id for kept in printer.spool.pending()] == ["R042-3-000117"]
    assert "kept for reprint" in caplog.text
    from devices.simulators.printer_sink import PrinterSink

    with PrinterSink(port=port) as sink:
        [reprinted] = printer.reprint_pending()
        assert reprinted.outcome is PrintOutcome.OK
        assert decode(sink.wait_jobs(1)[0]).text_lines == EXPECTED_LINES
    assert printer.spool.pending() == []


def test_paper_out_is_detected_and_the_receipt_kept_until_paper_is_loaded(printer_sink):
    printer = printer_at(printer_sink.port)
    printer_sink.paper = "out"
    assert printer.status().paper is Paper.OUT
    result = printer.print(sample_sale())
    assert (result.outcome, result.spooled) == (PrintOutcome.PAPER_OUT, True)
    assert printer_sink.jobs == []
    printer_sink.paper = "ok"
    assert printer.reprint("R042-3-000117").ok
    assert decode(printer_sink.wait_jobs(1)[0]).barcodes == [("CODE128", "R042-3-000117")]
    with pytest.raises(NotSpooled):
        printer.reprint("R042-3-000117")


def test_paper_near_end_still_prints_and_says_so(printer_sink):
    printer_sink.paper = "near_end"
    result = printer_at(printer_sink.port).print(sample_sale())
    assert (result.outcome, result.detail) == (PrintOutcome.OK, "paper near end")
    assert printer_sink.wait_jobs(1)


@pytest.mark.parametrize(("state", "detail"), [("offline", "printer offline"), ("cover", "cover open")])
def test_an_offline_printer_or_an_open_cover_keeps_the_receipt(printer_sink, state, detail):
    printer_sink.online = state != "offline"
    printer_sink.cover_open = state == "cover"
    result = printer_at(printer_sink.port).print(sample_sale())
    assert (result.outcome, result.detail, result.spooled) == (PrintOutcome.OFFLINE, detail, True)


def test_a_printer_that_never_answers_times_out_quickly(printer_sink):
    printer_sink.mute = True
    result = printer_at(printer_sink.port, timeout=0.2).print(sample_sale())
    assert result.outcome is PrintOutcome.TIMEOUT
    assert result.spooled


def test_a_file_printer_gets_the_same_bytes_as_the_network_one(printer_sink, tmp_path):
    target = tmp_path / "lp0"
    assert EscposPrinter(FileTransport(target)).print(sample_sale()).ok
    printer_at(printer_sink.port).print(sample_sale())
    network_job = decode(printer_sink.wait_jobs(1)[0])
    assert decode(target.read_bytes()).text_lines == network_job.text_lines


def test_a_usb_printer_that_is_absent_gives_a_result_not_a_crash():
    result = EscposPrinter(UsbTransport(0x04B8, 0x0202)).print(sample_sale())
    assert result.outcome in (PrintOutcome.ERROR, PrintOutcome.OFFLINE)
    assert result.spooled
