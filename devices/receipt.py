"""Receipt document model and the pure layouts from a completed sale or a refund to that document.

The document is what a customer reads, independent of the printer: text lines with a style,
a barcode of the receipt id (for returns), feeds and a cut. ``escpos_render`` turns it into
printer bytes; ``preview`` into text or a PNG.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from devices.refund import PointsBack, RefundReceipt
from devices.sale import CompletedSale, LoyaltySummary, SaleLine, StoreHeader
from devices.shift import NoSaleSlip, ShiftReport


class Align(StrEnum):
    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


@dataclass(frozen=True)
class Text:
    """One printed line. ``large`` is double width and height: half the columns."""

    text: str
    align: Align = Align.LEFT
    bold: bool = False
    large: bool = False


@dataclass(frozen=True)
class Barcode:
    data: str
    symbology: str = "CODE128"


@dataclass(frozen=True)
class Feed:
    lines: int = 1


@dataclass(frozen=True)
class Cut:
    pass


@dataclass(frozen=True)
class DrawerKick:
    """Open the cash drawer wired to the printer (ESC p on pin 2)."""


Element = Text | Barcode | Feed | Cut | DrawerKick
Printable = CompletedSale | RefundReceipt | NoSaleSlip | ShiftReport


@dataclass(frozen=True)
class ReceiptDocument:
    receipt_id: str
    width: int
    elements: tuple[Element, ...]

    def text_lines(self) -> list[str]:
        """The text as printed, without styles (alignment padding removed)."""
        return [e.text for e in self.elements if isinstance(e, Text)]


def money(minor: int, exponent: int = 2) -> str:
    """Minor units as an exact decimal with the currency's ``exponent`` places (EUR 2, JPY 0, BHD 3):
    (-20, 2) -> '-0.20', (1500, 0) -> '1500', (1250, 3) -> '1.250'."""
    sign = "-" if minor < 0 else ""
    whole, part = divmod(abs(minor), 10**exponent)
    return f"{sign}{whole}.{part:0{exponent}d}" if exponent else f"{sign}{whole}"


def columns(left: str, right: str, width: int) -> str:
    """``left`` and ``right`` on one line of ``width``, truncating ``left`` if needed."""
    room = max(width - len(right) - 1, 0)
    return f"{left[:room]:<{room}} {right}" if len(left) > room else f"{left:<{room}} {right}"


def mask_card(number: str) -> str:
    """Show only the first and last four digits of a card number."""
    if len(number) <= 8:
        return number
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def layout_receipt(sale: CompletedSale, width: int = 42, *, copy: bool = False) -> ReceiptDocument:
    """Lay out a completed sale as a receipt document.

    Args:
        sale: the priced and paid sale.
        width: characters per line in the normal font (42 for an 80 mm TM-T88).
        copy: mark the receipt as a reprint.

    Returns:
        The document: header, lines with member prices and every discount label, totals,
        tenders, the tax breakdown per rate (when the sale has one), loyalty (points pending
        when sold offline), coupons, receipt id barcode, cut.
    """
    rule = Text("-" * width)
    parts: list[Element] = [*_header(sale.store, sale.terminal, sale.cashier, sale.sold_at, width, copy), rule]
    for line in sale.lines:
        parts += _line(line, width, sale.exponent)
    parts += [rule, *_totals(sale, width, sale.exponent), rule]
    if sale.taxes:
        parts += [*_taxes(sale, width, sale.exponent), rule]
    if sale.loyalty is not None:
        parts += [*_loyalty(sale.loyalty, width), rule]
    parts += _coupons(sale, width)
    parts += [Barcode(sale.receipt_id), Text(sale.receipt_id, Align.CENTER)]
    parts += [Text(line, Align.CENTER) for line in sale.footer]
    parts += [DrawerKick()] if sale.open_drawer else []
    parts += [Cut()]
    return ReceiptDocument(sale.receipt_id, width, tuple(parts))


def layout_refund(refund: RefundReceipt, width: int = 42, *, copy: bool = False) -> ReceiptDocument:
    """Lay out a return or void as a refund receipt document.

    Args:
        refund: what the return gives back, every amount positive.
        width: characters per line in the normal font.
        copy: mark the receipt as a reprint.

    Returns:
        The document: header, REFUND or VOID with the original receipt id, the lines brought
        back, the refund total, how it is paid back, the member's points given and taken back,
        the refund's own id as a barcode, cut.
    """
    rule = Text("-" * width)
    parts: list[Element] = [*_header(refund.store, refund.terminal, refund.cashier, refund.refunded_at, width, copy)]
    parts += [Text(refund.title, Align.CENTER, bold=True, large=True),
              Text("Original receipt", Align.CENTER), Text(refund.original_id, Align.CENTER), rule]
    parts += [Text(columns(f"{ln.quantity} x {ln.description}", money(ln.amount, refund.exponent), width))
              for ln in refund.lines]
    parts += [rule, *_refund_totals(refund, width, refund.exponent), rule]
    if refund.points is not None:
        parts += [*_points_back(refund.points, width), rule]
    parts += [Barcode(refund.receipt_id), Text(refund.receipt_id, Align.CENTER)]
    parts += [Text(line, Align.CENTER) for line in refund.footer]
    parts += [DrawerKick()] if refund.open_drawer else []
    return ReceiptDocument(refund.receipt_id, width, (*parts, Cut()))


def layout_no_sale(slip: NoSaleSlip, width: int = 42) -> ReceiptDocument:
    """A no-sale slip: who opened the drawer, when and why; then the drawer kick and a cut."""
    parts = [*_header(slip.store, slip.terminal, slip.cashier, slip.at, width, False),
             Text("NO SALE", Align.CENTER, bold=True, large=True), Text(f"Reason: {slip.reason}"[: width * 2]),
             DrawerKick(), Cut()]
    return ReceiptDocument(slip.receipt_id, width, tuple(parts))


def layout_shift_report(report: ShiftReport, width: int = 42) -> ReceiptDocument:
    """An X or Z report: sales, refunds, tenders, points redeemed, expected and counted cash."""
    rule, cur, exp = Text("-" * width), report.currency, report.exponent
    parts: list[Element] = [*_header(report.store, report.terminal, report.cashier, report.at, width, False),
                            Text(report.title, Align.CENTER, bold=True, large=True),
                            Text(f"Shift opened {report.opened_at:%Y-%m-%d %H:%M}"), rule]
    rows = [(f"Sales ({report.sales_count})", money(report.sales, exp)),
            (f"Refunds ({report.refunds_count})", money(-report.refunds, exp)),
            ("Voids", str(report.voids_count)), ("No-sales", str(report.no_sales))]
    rows += [(f"  {t.label}", money(t.amount, exp)) for t in report.tenders]
    rows += [("Points redeemed", str(report.points_redeemed)), ("Float", money(report.float_amount, exp)),
             ("Expected cash", f"{cur} {money(report.expected_cash, exp)}")]
    if report.counted_cash is not None:
        rows += [("Counted cash", f"{cur} {money(report.counted_cash, exp)}"),
                 ("Difference", money(report.counted_cash - report.expected_cash, exp))]
    parts += [Text(columns(left, right, width)) for left, right in rows]
    return ReceiptDocument(report.receipt_id, width, (*parts, rule, Cut()))


def layout_document(receipt: Printable, width: int = 42, *, copy: bool = False) -> ReceiptDocument:
    """A sale's receipt, a refund's, a no-sale slip or a shift report, whichever ``receipt`` is."""
    if isinstance(receipt, RefundReceipt):
        return layout_refund(receipt, width, copy=copy)
    if isinstance(receipt, NoSaleSlip):
        return layout_no_sale(receipt, width)
    if isinstance(receipt, ShiftReport):
        return layout_shift_report(receipt, width)
    return layout_receipt(receipt, width, copy=copy)


def _header(store: StoreHeader, terminal: str, cashier: str, at: datetime, width: int,
            copy: bool) -> list[Element]:
    found: list[Element] = [Text(store.name[: width // 2], Align.CENTER, bold=True, large=True)]
    found += [Text(line, Align.CENTER) for line in store.address_lines]
    found += [Text(f"Tel {store.phone}", Align.CENTER)] if store.phone else []
    found += [Text(f"VAT {store.tax_id}", Align.CENTER)] if store.tax_id else []
    found += [Text(line, Align.CENTER) for line in store.header_lines]
    if copy:
        found.append(Text("*** COPY ***", Align.CENTER, bold=True))
    found.append(Text(columns(f"Terminal {terminal}", f"Cashier {cashier}", width)))
    found.append(Text(at.strftime("%Y-%m-%d %H:%M")))
    return found


def _refund_totals(refund: RefundReceipt, width: int, exp: int) -> list[Element]:
    total = columns("REFUNDED", f"{refund.currency} {money(refund.total, exp)}", width // 2)
    found = [Text(total, bold=True, large=True)]
    if refund.tax:
        found.append(Text(columns("  of which VAT", money(refund.tax, exp), width)))
    found.append(Text("Paid back"))
    return found + [Text(columns(f"  {t.label}", money(t.amount, exp), width)) for t in refund.paid_back]


def _points_back(points: PointsBack, width: int) -> list[Element]:
    found = [Text(columns("Member card", mask_card(points.card_number), width))]
    if points.given_back:
        found.append(Text(columns("Points given back", f"+{points.given_back}", width)))
    found.append(Text(columns("Points taken back", f"-{points.taken_back}", width), bold=True))
    return found


def _line(line: SaleLine, width: int, exp: int) -> list[Element]:
    found = [Text(columns(line.description, money(line.amount, exp), width))]
    if line.weight_grams is not None:
        kg = f"{line.weight_grams // 1000}.{line.weight_grams % 1000:03d}"
        found.append(Text(f"  {kg} kg x {money(line.unit_price, exp)}/kg"))
    elif line.quantity != 1:
        found.append(Text(f"  {line.quantity} x {money(line.unit_price, exp)}"))
    if line.member_amount is not None and line.member_amount != line.amount:
        saving = line.member_amount - line.amount
        found.append(Text(columns(f"  {line.member_price_label}", money(saving, exp), width)))
    for discount in line.discounts:
        found.append(Text(columns(f"  {discount.label}", money(-discount.amount, exp), width)))
    return found


def _totals(sale: CompletedSale, width: int, exp: int) -> list[Element]:
    found = [Text(columns("Subtotal", money(sale.subtotal, exp), width))]
    if sale.tax_added:
        found.append(Text(columns("Tax", money(sale.tax_added, exp), width)))
    if sale.savings:
        found.append(Text(columns("You saved", money(sale.savings, exp), width)))
    total = columns("TOTAL", f"{sale.currency} {money(sale.total, exp)}", width // 2)
    found.append(Text(total, bold=True, large=True))
    found += [Text(columns(t.label, money(t.amount, exp), width)) for t in sale.tenders]
    if sale.change:
        found.append(Text(columns("Change", money(sale.change, exp), width)))
    return found


def rate_text(rate_bp: int) -> str:
    """A rate in basis points as a percentage: 2000 -> '20%', 550 -> '5.5%', 1925 -> '19.25%'."""
    whole, part = divmod(rate_bp, 100)
    return f"{whole}%" if not part else f"{whole}.{part:02d}".rstrip("0") + "%"


def _taxes(sale: CompletedSale, width: int, exp: int) -> list[Element]:
    """VAT per rate: the rate, its net, tax and gross, and the totals when there are several rates."""
    cell = (width - 6) // 3

    def row(label: str, net: str, tax: str, gross: str) -> Text:
        return Text(f"{label:<6}{net:>{cell}}{tax:>{cell}}{gross:>{cell}}"[:width])

    found = [row("VAT", "Net", "Tax", "Gross")]
    found += [row(rate_text(r.rate_bp), money(r.net, exp), money(r.tax, exp), money(r.gross, exp)) for r in sale.taxes]
    if len(sale.taxes) > 1:
        found.append(row("Total", *(money(sum(getattr(r, part) for r in sale.taxes), exp)
                                    for part in ("net", "tax", "gross"))))
    return found


def _loyalty(loyalty: LoyaltySummary, width: int) -> list[Element]:
    pending = " (pending)" if loyalty.pending else ""
    found = [
        Text(columns("Member card", mask_card(loyalty.card_number), width)),
        Text(columns("Tier", loyalty.tier, width)),
        Text(columns(f"Points earned{pending}", f"+{loyalty.points_earned}", width), bold=True),
    ]
    found += [Text(columns(f"  {rule.label}:", f"+{rule.points}", width)) for rule in loyalty.earned_by]
    found += [Text(f"  {why}"[:width]) for why in loyalty.no_points]
    if loyalty.points_redeemed:
        found.append(Text(columns("Points redeemed", f"-{loyalty.points_redeemed}", width)))
    found.append(Text(columns(f"New balance{pending}", str(loyalty.new_balance), width)))
    if loyalty.pending:
        found.append(Text("Points are credited when the store is back online"[:width]))
    return found


def _coupons(sale: CompletedSale, width: int) -> list[Element]:
    if not sale.coupons:
        return []
    found: list[Element] = [Text("Coupons for your next visit", Align.CENTER, bold=True)]
    for coupon in sale.coupons:
        found.append(Text(columns(f"  {coupon.description}", coupon.code, width)))
        if coupon.valid_until is not None:
            found.append(Text(f"    valid until {coupon.valid_until.isoformat()}"))
    return [*found, Feed()]
