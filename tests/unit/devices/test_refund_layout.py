"""The pure refund receipt layout: a return or void under its heading, every amount positive."""

from __future__ import annotations

from devices.escpos_render import render
from devices.preview import text_preview
from devices.receipt import Align, Barcode, Cut, Text, layout_document, layout_refund
from devices.refund import PointsBack
from devices.simulators.escpos_decode import decode
from tests.devices_support.sales import sample_refund, sample_sale


def test_a_refund_receipt_reads_line_by_line_with_positive_amounts_under_its_heading():
    assert text_preview(layout_refund(sample_refund())).splitlines() == [
        "       D E M O   M A R T   # 0 4 2",
        "               12 Market St",
        "                1000 Town",
        "Terminal 3                     Cashier Ann",
        "2025-03-05 10:15",
        "               R E F U N D",
        "             Original receipt",
        "              R042-3-000117",
        "-" * 42,
        "2 x Bread                             2.70",
        "1 x Milk 1L                           1.09",
        "-" * 42,
        "R E F U N D E D           E U R   3 . 7 9",
        "Paid back",
        "  Cash                                3.29",
        "  Points                              0.50",
        "-" * 42,
        "Member card                  2712*****8902",
        "Points given back                      +50",
        "Points taken back                       -3",
        "-" * 42,
        "         [CODE128 R042-3-000118]",
        "              R042-3-000118",
        "Keep this receipt as proof of your refund",
        "- " * 20 + "8<",
    ]


def test_a_void_is_titled_void_and_the_heading_is_large_and_bold():
    document = layout_refund(sample_refund(void=True))
    assert Text("VOID", Align.CENTER, bold=True, large=True) in document.elements
    assert not any(isinstance(e, Text) and e.text == "REFUND" for e in document.elements)


def test_a_refund_without_a_member_has_no_points_block_and_none_given_back_shows_only_points_taken():
    lines = layout_refund(sample_refund(points=None)).text_lines()
    assert not any(line.startswith(("Member card", "Points given", "Points taken")) for line in lines)
    only_taken = layout_refund(sample_refund(points=PointsBack("2712345678902", taken_back=3))).text_lines()
    assert "Points taken back                       -3" in only_taken
    assert not any(line.startswith("Points given back") for line in only_taken)


def test_the_refund_carries_its_own_id_as_barcode_and_ends_with_a_cut():
    elements = layout_refund(sample_refund()).elements
    assert Barcode("R042-3-000118") in elements and Barcode("R042-3-000117") not in elements
    assert elements[-1] == Cut()


def test_one_layout_entry_point_serves_sales_and_refunds():
    assert layout_document(sample_refund()).text_lines()[5] == "REFUND"
    assert any(line.startswith("Subtotal") for line in layout_document(sample_sale()).text_lines())


def test_refund_bytes_decode_back_to_the_refund_text():
    printed = decode(render(layout_refund(sample_refund())))
    assert "REFUND" in printed.text_lines and "2 x Bread                             2.70" in printed.text_lines
    assert printed.barcodes == [("CODE128", "R042-3-000118")] and printed.cuts and printed.unknown == []


def test_a_refund_that_gives_tax_back_says_how_much_of_it_is_vat():
    lines = layout_refund(sample_refund(tax=18)).text_lines()
    assert lines[lines.index("  of which VAT                        0.18") - 1].startswith("REFUNDED")
    assert not any("VAT" in line for line in layout_refund(sample_refund(tax=0)).text_lines())
