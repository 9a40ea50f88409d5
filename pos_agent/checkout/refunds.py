"""Turning a return or void into its refund receipt, with the figures ``loyalty.returns`` decided."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from devices.preview import text_preview
from devices.receipt import layout_refund
from devices.refund import PointsBack, RefundLine, RefundReceipt
from devices.sale import Tender
from loyalty.currency import exponent_of
from loyalty.returns import ReturnOutcome
from pos_agent.checkout.completion import TENDER_LABELS, store_header


def refund_receipt(found: dict[str, Any], body: dict[str, Any], returning: dict[str, int], outcome: ReturnOutcome,
                   store: dict[str, Any], currency: str, product_name: Callable[[str], str | None],
                   tax_back: int | None = None, cashier: str = "") -> RefundReceipt:
    """The device layer's view of a return (``body``) of the sale ``found``, for the receipt layout.

    Lines are named as the sale's receipt named them when this till made the sale, else by the
    catalogue; what is paid back is the return's money tenders plus the share once paid with points.
    """
    sale = found["body"]
    names = {ln["line_id"]: ln["name"] for ln in found.get("view", {}).get("lines", [])}
    lines = tuple(RefundLine(names.get(ln["line_id"]) or product_name(ln.get("sku", "")) or ln.get("sku", ""),
                             returning[ln["line_id"]], outcome.line_refunds.get(ln["line_id"], 0))
                  for ln in sale["lines"] if returning.get(ln["line_id"]))
    card = sale.get("card_number")
    return RefundReceipt(
        receipt_id=body["id"], original_id=sale["id"], store=store_header(store),
        refunded_at=datetime.fromisoformat(body["at"]), lines=lines, total=outcome.refund_minor,
        paid_back=_paid_back(body, outcome), currency=currency, exponent=exponent_of(currency),
        terminal=body["terminal"], cashier=cashier,
        void=body["kind"] == "void", tax=tax_back,
        open_drawer=any(t["kind"] == "cash" and t["amount_minor"] for t in body["tenders"]),
        points=PointsBack(card, outcome.points_given_back, outcome.points_taken_back) if card else None)


def receipt_text(refund: RefundReceipt) -> str:
    return text_preview(layout_refund(refund))


def _paid_back(body: dict[str, Any], outcome: ReturnOutcome) -> tuple[Tender, ...]:
    money = [Tender(TENDER_LABELS[t["kind"]], t["amount_minor"]) for t in body["tenders"]]
    points = [Tender(TENDER_LABELS["points"], outcome.points_tender_refund_minor)]
    return tuple(money + points if outcome.points_tender_refund_minor else money)
