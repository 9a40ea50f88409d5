"""A shift's figures from kept transactions, with the worked example of the module's docstring."""

from pos_agent.checkout.shift_figures import shift_figures


def _sale(total, *tenders):
    return {"body": {"kind": "sale", "tenders": [dict(t) for t in tenders]}, "total_minor": total}


def _undo(kind, refund, *tenders):
    return {"body": {"kind": kind, "tenders": [dict(t) for t in tenders]}, "total_minor": -refund}


CASH, CARD = "cash", "card"


def test_the_worked_example_float_sales_a_points_tender_and_a_cash_refund():
    records = [_sale(1250, {"kind": CASH, "amount_minor": 1000},
                     {"kind": "points", "amount_minor": 250, "points": 250}),
               _sale(800, {"kind": CARD, "amount_minor": 800}),
               _undo("return", 400, {"kind": CASH, "amount_minor": 400})]
    figures = shift_figures(records, float_minor=10000, no_sales=2)
    assert (figures.sales_count, figures.sales_minor, figures.refunds_count, figures.refunds_minor) == (2, 2050, 1, 400)
    assert figures.tenders == {CASH: 600, "points": 250, CARD: 800}
    assert (figures.points_redeemed, figures.no_sales, figures.expected_cash_minor) == (250, 2, 10600)
    assert figures.counted_cash_minor is None and figures.difference_minor is None


def test_a_void_counts_as_a_void_and_its_refund_and_a_cash_count_gives_the_difference():
    records = [_sale(1999, {"kind": CASH, "amount_minor": 1999}),
               _undo("void", 1999, {"kind": CASH, "amount_minor": 1999})]
    figures = shift_figures(records, float_minor=5000, no_sales=0, counted_cash_minor=4990)
    assert (figures.voids_count, figures.refunds_count, figures.refunds_minor) == (1, 0, 1999)
    assert (figures.expected_cash_minor, figures.difference_minor) == (5000, -10)


def test_an_empty_shift_expects_its_float():
    figures = shift_figures([], float_minor=15000, no_sales=1, counted_cash_minor=15000)
    assert (figures.sales_count, figures.tenders, figures.expected_cash_minor, figures.difference_minor) == (
        0, {}, 15000, 0)
