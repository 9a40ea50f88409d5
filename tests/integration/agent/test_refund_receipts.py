"""Refund receipts of returns and voids: laid out from the figures ``loyalty.returns`` decided, kept
with the return in one local transaction, handed to the printer hook like a sale's receipt."""

from __future__ import annotations

import sqlite3

import pytest

from loyalty.returns import ReturnOutcome
from pos_agent.checkout import refunds
from pos_agent.store import journal, sales
from tests.integration.agent.conftest import CARD
from tests.integration.agent.test_checkout_service import BREAD, COFFEE, WINE, _basket, _online_card

RULE = "-" * 42
CUT = "- " * 20 + "8<"


def _points_sale(agent, fake_link):
    """2 x wine (10% off: 11.69 each), coffee at the member price 12.00, bread 2.49 = 37.87; paid
    with 1000 points (10.00) and 50.00 cash; 27 points earned."""
    _online_card(fake_link)
    basket = _basket(agent, WINE, WINE, COFFEE, BREAD)
    agent.checkout.attach_member(basket["id"], CARD)
    agent.checkout.redeem_points(basket["id"], 1000)
    agent.checkout.add_tender(basket["id"], "cash", 5000)
    return agent.checkout.complete(basket["id"])


def _header(title: str, sale_id: str) -> list[str]:
    return ["O n e C a r d   M a r k e t   B e r l i n", "Terminal T1                       Cashier",
            "2026-03-14 09:30", title, "             Original receipt", f"   {sale_id}", RULE]


def _footer(refund_id: str) -> list[str]:
    return [RULE, f"[CODE128 {refund_id}]", f"   {refund_id}", "Keep this receipt as proof of your refund", CUT]


def test_a_partial_return_prints_the_line_its_refund_the_cash_and_points_back_and_the_points_taken(
        agent, fake_link):
    sold = _points_sale(agent, fake_link)
    refund = agent.returns.return_lines(sold["receipt_id"], {"1": 1})
    # 11.69 of 37.87 refunded: floor(1000 x 11.69 / 37.87) = 308 points (3.08) go back as points,
    # 8.61 as cash; the wine line earned 8 of the 27 points, taken back.
    assert [line.rstrip() for line in refund["receipt_text"].splitlines()] == [
        *_header("               R E F U N D", sold["receipt_id"]),
        "1 x Rioja 0.75l                      11.69",
        RULE,
        "R E F U N D E D         E U R   1 1 . 6 9",
        "Paid back",
        "  Cash                                8.61",
        "  Points                              3.08",
        RULE,
        "Member card                  2700*****0013",
        "Points given back                     +308",
        "Points taken back                       -8",
        *_footer(refund["receipt_id"]),
    ]
    assert refund["receipt_id"] == refund["transaction"]["id"] != sold["receipt_id"]
    assert (refund["money_refund_minor"], refund["points_given_back"], refund["points_taken_back"]) == (861, 308, 8)


def test_a_void_after_a_return_prints_only_what_was_left_with_the_rest_of_the_points(agent, fake_link):
    sold = _points_sale(agent, fake_link)
    agent.returns.return_lines(sold["receipt_id"], {"1": 1})
    void = agent.returns.void(sold["receipt_id"])
    # 26.18 left: 1000 - 308 = 692 points back, 19.26 cash, 27 - 8 = 19 points taken back.
    assert [line.rstrip() for line in void["receipt_text"].splitlines()] == [
        *_header("                 V O I D", sold["receipt_id"]),
        "1 x Rioja 0.75l                      11.69",
        "1 x Coffee beans 1kg                 12.00",
        "1 x Sourdough bread                   2.49",
        RULE,
        "R E F U N D E D         E U R   2 6 . 1 8",
        "Paid back",
        "  Cash                               19.26",
        "  Points                              6.92",
        RULE,
        "Member card                  2700*****0013",
        "Points given back                     +692",
        "Points taken back                      -19",
        *_footer(void["receipt_id"]),
    ]


def test_the_refund_receipt_is_kept_unprinted_with_the_return_and_handed_to_the_printer_hook(agent, fake_link):
    handed = []
    agent.returns.on_complete = handed.append
    sold = _points_sale(agent, fake_link)
    refund = agent.returns.return_lines(sold["receipt_id"], {"3": 1})
    with agent.db.reading() as conn:
        kept = sales.get_receipt(conn, refund["receipt_id"])
    assert (kept["sale_id"], kept["text"], kept["printed"]) == (refund["receipt_id"], refund["receipt_text"], 0)
    assert [(r.receipt_id, r.original_id, r.total, r.void) for r in handed] == [
        (refund["receipt_id"], sold["receipt_id"], 1200, False)]


def test_a_return_whose_receipt_cannot_be_kept_is_not_kept_either(agent, fake_link):
    sold = _points_sale(agent, fake_link)
    with agent.db.transaction() as conn:
        conn.execute("CREATE TRIGGER no_room BEFORE INSERT ON receipts BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    with pytest.raises(sqlite3.IntegrityError, match="disk full"):
        agent.returns.return_lines(sold["receipt_id"], {"1": 1})
    with agent.db.reading() as conn:
        assert sales.undoing(conn, sold["receipt_id"]) == []
        assert [item.id for item in journal.unsent(conn, 10)] == [sold["receipt_id"]]
    assert agent.returns.sale(sold["receipt_id"])["returned"] == {}


def test_the_share_once_paid_with_points_goes_back_at_its_money_value_beside_the_points_count():
    # A program where 50 points pay 1.00: 200 points (4.00) given back, shown as 4.00 and +200.
    found = {"body": {"id": "S-1", "card_number": CARD, "lines": [{"line_id": "1", "sku": "WINE", "qty": 2}]}}
    body = {"id": "R-1", "kind": "return", "at": "2026-03-14T09:30:00+00:00", "terminal": "T1",
            "tenders": [{"kind": "cash", "amount_minor": 769, "points": 0}]}
    outcome = ReturnOutcome((), points_taken_back=7, points_given_back=200, refund_minor=1169,
                            points_tender_refund_minor=400, line_refunds={"1": 1169})
    refund = refunds.refund_receipt(found, body, {"1": 1}, outcome, {"code": "B1"}, "EUR", lambda sku: None)
    assert [(t.label, t.amount) for t in refund.paid_back] == [("Cash", 769), ("Points", 400)]
    assert (refund.points.given_back, refund.points.taken_back, refund.lines[0].description) == (200, 7, "WINE")


def test_a_sale_paid_by_card_and_cash_is_refunded_to_the_card_first_and_the_rest_as_cash(agent):
    basket = _basket(agent, WINE, WINE, BREAD)  # 11.69 + 11.69 + 2.49 = 25.87
    agent.checkout.add_tender(basket["id"], "card", 2000)
    agent.checkout.add_tender(basket["id"], "cash", 1000)  # 5.87 due: 4.13 change
    sold = agent.checkout.complete(basket["id"])
    wine = agent.returns.return_lines(sold["receipt_id"], {"1": 1})
    assert wine["transaction"]["tenders"] == [{"kind": "card", "amount_minor": 1169, "points": 0}]
    assert "  Card                               11.69" in wine["receipt_text"].splitlines()
    rest = agent.returns.void(sold["receipt_id"])  # 11.69 + 2.49: 8.31 left on the card, 5.87 cash
    assert rest["transaction"]["tenders"] == [{"kind": "card", "amount_minor": 831, "points": 0},
                                              {"kind": "cash", "amount_minor": 587, "points": 0}]
    with agent.db.reading() as conn:
        bodies = [item.body for item in journal.unsent(conn, 10)]
    assert [t for b in bodies[1:] for t in b["tenders"]] == [*wine["transaction"]["tenders"],
                                                             *rest["transaction"]["tenders"]]
