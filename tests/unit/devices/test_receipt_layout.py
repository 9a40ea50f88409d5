"""The pure receipt layout: what the document says, with real numbers."""

from __future__ import annotations

import dataclasses

from devices.receipt import Align, Barcode, Cut, Text, columns, layout_receipt, mask_card, money
from devices.sale import LoyaltySummary, PointsRule
from tests.devices_support.sales import sample_sale


def test_money_is_printed_from_integer_cents():
    assert [money(0), money(5), money(-20), money(123456)] == ["0.00", "0.05", "-0.20", "1234.56"]


def test_columns_put_the_amount_flush_right_and_truncate_the_description():
    assert columns("Milk", "1.09", 12) == "Milk    1.09"
    assert columns("A very long product name", "1.09", 12) == "A very  1.09"


def test_a_card_number_is_masked_but_its_ends_stay_readable():
    assert mask_card("2712345678902") == "2712*****8902"


def test_every_line_shows_its_member_price_and_discount_labels():
    lines = layout_receipt(sample_sale()).text_lines()
    milk = lines.index("Milk 1L                               1.29")
    assert lines[milk + 1] == "  Member price                       -0.20"
    assert "  Buy 2 save 10%                     -0.30" in lines
    assert "  1.234 kg x 2.99/kg" in lines


def test_the_total_is_large_and_bold_at_half_width():
    total = next(
        e
        for e in layout_receipt(sample_sale()).elements
        if isinstance(e, Text) and e.text.startswith("TOTAL")
    )
    assert (total.text, total.large, total.bold) == ("TOTAL        EUR 7.48", True, True)


def test_offline_points_are_marked_pending():
    loyalty = LoyaltySummary("2712345678902", "Silver", 7, 1234, points_redeemed=100, pending=True)
    lines = layout_receipt(sample_sale(loyalty=loyalty)).text_lines()
    assert "Points earned (pending)                 +7" in lines
    assert "Points redeemed                       -100" in lines
    assert "New balance (pending)                 1234" in lines


def test_a_sale_without_a_member_has_no_loyalty_block():
    lines = layout_receipt(sample_sale(loyalty=None)).text_lines()
    assert not any(line.startswith(("Member card", "Points", "Tier")) for line in lines)


def test_the_receipt_ends_with_the_id_barcode_and_a_cut():
    elements = layout_receipt(sample_sale()).elements
    assert Barcode("R042-3-000117") in elements
    assert elements[-1] == Cut()


def test_a_reprint_is_marked_as_a_copy():
    copy = layout_receipt(sample_sale(), copy=True)
    assert Text("*** COPY ***", Align.CENTER, bold=True) in copy.elements


def test_the_layout_follows_the_paper_width():
    narrow = layout_receipt(dataclasses.replace(sample_sale(), coupons=()), width=32)
    assert all(len(line) <= 32 for line in narrow.text_lines())


def test_a_sale_with_taxes_prints_a_breakdown_per_rate_after_the_totals():
    from devices.sale import TaxRate

    # milk 1.09 + bread 2.70 at 5 %: 379 x 500 / 10500 = 18.05 -> 0.18; apples 3.69 at 20 %: 61.5 -> 0.62
    sale = sample_sale(taxes=(TaxRate(500, 361, 18, 379), TaxRate(2000, 307, 62, 369)))
    lines = layout_receipt(sale).text_lines()
    def row(*cells):  # a 6-column label, then net, tax and gross right-aligned in 12 columns each
        return f"{cells[0]:<6}" + "".join(f"{cell:>12}" for cell in cells[1:])

    start = lines.index(row("VAT", "Net", "Tax", "Gross"))
    assert lines[start + 1:start + 4] == [row("5%", "3.61", "0.18", "3.79"), row("20%", "3.07", "0.62", "3.69"),
                                          row("Total", "6.68", "0.80", "7.48")]
    assert start > lines.index("Cash                                 10.00")
    assert lines[start + 4] == "-" * 42


def test_a_sale_without_a_breakdown_prints_no_tax_block_and_odd_rates_print_exactly():
    from devices.receipt import rate_text

    assert not any(line.startswith("VAT ") for line in layout_receipt(sample_sale()).text_lines())
    assert [rate_text(r) for r in (0, 500, 550, 1925, 2000)] == ["0%", "5%", "5.5%", "19.25%", "20%"]


def test_prices_entered_without_tax_show_the_tax_added_and_the_savings_stay_true():
    from devices.sale import TaxRate

    sale = sample_sale(subtotal=798, tax_added=150, total=898, taxes=(TaxRate(2000, 748, 150, 898),))
    lines = layout_receipt(sale).text_lines()
    assert "Tax                                   1.50" in lines
    assert "You saved                             0.50" in lines


def test_the_loyalty_block_says_what_each_earning_rule_gave_and_why_a_line_earns_nothing():
    loyalty = LoyaltySummary("2712345678902", "Silver", 47, 1274,
                             earned_by=(PointsRule("2x points on produce", 40),),
                             no_points=("Cigarettes: tobacco earns no points",))
    lines = layout_receipt(sample_sale(loyalty=loyalty)).text_lines()
    earned = lines.index("Points earned                          +47")
    assert lines[earned + 1:earned + 3] == ["  2x points on produce:                +40",
                                            "  Cigarettes: tobacco earns no points"]


def test_money_is_printed_with_the_currency_s_exponent():
    assert [money(1500, 0), money(-7, 0), money(1250, 3), money(5, 3), money(-20, 2)] == \
        ["1500", "-7", "1.250", "0.005", "-0.20"]


def test_a_yen_receipt_has_no_decimals_anywhere():
    sale = sample_sale(currency="JPY", exponent=0)
    lines = layout_receipt(sale).text_lines()
    assert "Milk 1L                                129" in lines
    assert "  Member price                         -20" in lines
    assert "  2 x 150" in lines and "  1.234 kg x 299/kg" in lines  # the weight keeps its grams
    assert "TOTAL         JPY 748" in lines
    assert "Change                                 252" in lines


def test_a_dinar_receipt_shows_three_decimals_and_its_tax_breakdown():
    from devices.sale import TaxRate
    sale = sample_sale(currency="BHD", exponent=3, taxes=(TaxRate(1000, net=680, tax=68, gross=748),))
    lines = layout_receipt(sale).text_lines()
    assert "Milk 1L                              0.129" in lines
    assert "TOTAL       BHD 0.748" in lines
    assert "Cash                                 1.000" in lines
    assert any(line.startswith("10%") and line.endswith("0.680       0.068       0.748") for line in lines)


def test_a_refund_slip_in_dinars_says_what_goes_back_to_the_fils():
    from devices.receipt import layout_refund
    from tests.devices_support.sales import sample_refund
    lines = layout_refund(sample_refund(currency="BHD", exponent=3)).text_lines()
    assert "2 x Bread                            0.270" in lines
    assert "REFUNDED    BHD 0.379" in lines
