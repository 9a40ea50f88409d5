import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loyalty.earning import SaleLine
from loyalty.entries import EntryKind
from loyalty.exceptions import ReturnExceedsSale
from loyalty.returns import SaleRecord, reverse_return, void_sale

from .helpers import POLICY, utc

# A sale: 3 x yoghurt 1.29 = 3.87, 1 x wine 12.99, paid 5.00 with 500 points; it earned
# 3 + 26 = 29 points and a 10-point bonus.
SALE = SaleRecord(
    transaction_id="T-1",
    account_id="member-ann",
    lines=(SaleLine("yoghurt", 387, qty=3), SaleLine("wine", 1299, qty=1, category="wine")),
    line_points={"yoghurt": 3, "wine": 26},
    bonus_points=10,
    redeemed_points=500,
    points_tender_minor=500,
)


def test_returning_one_yoghurt_takes_back_its_point_and_gives_back_points_in_proportion():
    outcome = reverse_return(SALE, "R-1", utc(2024, 5, 2), {"yoghurt": 1}, {}, POLICY)
    # value 1.29 of 16.86: bonus 10 x 0.0765 -> 0, redeemed 500 x 0.0765 = 38.25 -> 38
    assert outcome.points_taken_back == 1
    assert outcome.points_given_back == 38
    assert outcome.refund_minor == 129
    assert outcome.points_tender_refund_minor == 38
    assert outcome.money_refund_minor == 91
    kinds = [(e.kind, e.points) for e in outcome.entries]
    assert kinds == [(EntryKind.REVERSE, -1), (EntryKind.REVERSE, 38)]
    assert outcome.entries[1].expires_at == utc(2025, 6, 1)


def test_each_returned_line_refunds_its_share_and_the_shares_make_the_refund():
    # 2 of 3 yoghurts: floor(3.87 x 2/3) = 2.58; the wine's 12.99 whole.
    outcome = reverse_return(SALE, "R-1", utc(2024, 5, 2), {"yoghurt": 2, "wine": 1}, {}, POLICY)
    assert outcome.line_refunds == {"yoghurt": 258, "wine": 1299}
    rest = reverse_return(SALE, "R-2", utc(2024, 5, 2), {"yoghurt": 1}, {"yoghurt": 2, "wine": 1}, POLICY)
    assert rest.line_refunds == {"yoghurt": 129} and rest.refund_minor == 129


def test_returning_the_rest_in_two_more_parts_nets_the_sale_to_zero():
    parts = [({"yoghurt": 1}, {}), ({"yoghurt": 2}, {"yoghurt": 1}), ({"wine": 1}, {"yoghurt": 3})]
    outcomes = [
        reverse_return(SALE, f"R-{n}", utc(2024, 5, 2), now, before, POLICY)
        for n, (now, before) in enumerate(parts)
    ]
    assert sum(o.points_taken_back for o in outcomes) == 3 + 26 + 10
    assert sum(o.points_given_back for o in outcomes) == 500
    assert sum(o.refund_minor for o in outcomes) == 387 + 1299
    assert sum(o.points_tender_refund_minor for o in outcomes) == 500


def test_a_void_reverses_everything():
    outcome = void_sale(SALE, "V-1", utc(2024, 5, 1), POLICY)
    assert (outcome.points_taken_back, outcome.points_given_back) == (39, 500)
    assert outcome.money_refund_minor == 387 + 1299 - 500


def test_more_than_was_sold_cannot_come_back():
    with pytest.raises(ReturnExceedsSale) as error:
        reverse_return(SALE, "R-9", utc(2024, 5, 2), {"yoghurt": 2}, {"yoghurt": 2}, POLICY)
    assert (error.value.line_id, error.value.sold, error.value.returned) == ("yoghurt", 3, 4)
    with pytest.raises(ReturnExceedsSale):
        reverse_return(SALE, "R-9", utc(2024, 5, 2), {"bread": 1}, {}, POLICY)


def test_the_same_return_posted_twice_has_the_same_entry_ids():
    first = reverse_return(SALE, "R-1", utc(2024, 5, 2), {"wine": 1}, {}, POLICY)
    again = reverse_return(SALE, "R-1", utc(2024, 5, 2), {"wine": 1}, {}, POLICY)
    assert first.entries == again.entries


def test_rounding_never_refunds_more_points_cents_than_the_part_is_worth():
    # Two 1-cent lines of 2 units, paid entirely with points: half of each is worth 0.5 + 0.5
    # cents, floored per line to 0 -- so no points-cent may come back yet either.
    sale = SaleRecord(
        "T-2",
        "member-ann",
        (SaleLine("a", 1, qty=2), SaleLine("b", 1, qty=2)),
        redeemed_points=2,
        points_tender_minor=2,
    )
    first = reverse_return(sale, "R-1", utc(2024, 5, 2), {"a": 1, "b": 1}, {}, POLICY)
    assert (first.refund_minor, first.points_tender_refund_minor, first.money_refund_minor) == (0, 0, 0)
    rest = reverse_return(sale, "R-2", utc(2024, 5, 2), {"a": 1, "b": 1}, {"a": 1, "b": 1}, POLICY)
    assert (rest.refund_minor, rest.points_tender_refund_minor, rest.points_given_back) == (2, 2, 2)


def _money_tenders(draw, money: int) -> dict[str, int]:
    """Cash, card or both (or neither: unknown tenders), paying ``money`` between them."""
    kinds = draw(st.sampled_from([(), ("cash",), ("card",), ("card", "cash"), ("card", "cash", "voucher")]))
    if not kinds:
        return {}
    cuts = sorted(draw(st.lists(st.integers(0, money), min_size=len(kinds) - 1, max_size=len(kinds) - 1)))
    bounds = [0, *cuts, money]
    return {kind: b - a for kind, a, b in zip(kinds, bounds[:-1], bounds[1:], strict=True)}


@st.composite
def sales_and_splits(draw):
    count = draw(st.integers(1, 5))
    paid = st.integers(0, 3) | st.integers(0, 50_000)  # tiny amounts make rounding bite
    lines = tuple(SaleLine(f"L{i}", draw(paid), qty=draw(st.integers(1, 6))) for i in range(count))
    total = sum(line.paid_minor for line in lines)
    sale = SaleRecord(
        "T",
        "member-ann",
        lines,
        line_points={line.line_id: draw(st.integers(0, 1000)) for line in lines},
        bonus_points=draw(st.integers(0, 300)),
        redeemed_points=draw(st.integers(0, 5000)),
        points_tender_minor=(points_minor := draw(st.integers(0, total))),
        money_tenders=_money_tenders(draw, total - points_minor),
    )
    units = [line.line_id for line in lines for _ in range(line.qty)]
    units = draw(st.permutations(units))
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(units) - 1)), max_size=len(units))))
    bounds = [0, *cuts, len(units)]
    parts = [units[a:b] for a, b in itertools.pairwise(bounds) if b > a]
    return sale, parts


@settings(max_examples=150, deadline=None)
@given(sales_and_splits())
def test_partial_returns_in_any_split_net_to_exactly_zero_in_points_and_cents(sale_and_parts):
    sale, parts = sale_and_parts
    before: dict[str, int] = {}
    totals = [0, 0, 0, 0]
    money_back: dict[str, int] = {}
    for n, part in enumerate(parts):
        now: dict[str, int] = {}
        for line_id in part:
            now[line_id] = now.get(line_id, 0) + 1
        outcome = reverse_return(sale, f"R-{n}", utc(2024, 5, 2), now, before, POLICY)
        assert min(outcome.points_taken_back, outcome.points_given_back) >= 0
        assert 0 <= outcome.points_tender_refund_minor <= outcome.refund_minor
        assert sum(outcome.line_refunds.values()) == outcome.refund_minor
        if sale.money_tenders:
            assert sum(outcome.money_refunds.values()) == outcome.money_refund_minor
            assert min(outcome.money_refunds.values()) >= 0
            for kind, amount in outcome.money_refunds.items():
                money_back[kind] = money_back.get(kind, 0) + amount
        for i, figure in enumerate(
            (
                outcome.points_taken_back,
                outcome.points_given_back,
                outcome.refund_minor,
                outcome.points_tender_refund_minor,
            )
        ):
            totals[i] += figure
        for line_id, qty in now.items():
            before[line_id] = before.get(line_id, 0) + qty
    assert totals == [
        sum(sale.line_points.values()) + sale.bonus_points,
        sale.redeemed_points,
        sale.total_minor,
        sale.points_tender_minor,
    ]
    assert money_back == ({kind: paid for kind, paid in sale.money_tenders.items()} if sale.money_tenders else {})


def test_a_split_payment_goes_back_to_the_card_first_and_only_then_as_cash():
    sale = SaleRecord("T", "ann", (SaleLine("wine", 2400, qty=2), SaleLine("bread", 300)),
                      money_tenders={"cash": 700, "card": 2000})
    wine = reverse_return(sale, "R1", utc(2024, 5, 2), {"wine": 1}, {}, POLICY)
    assert wine.money_refunds == {"card": 1200, "cash": 0}
    rest = reverse_return(sale, "R2", utc(2024, 5, 2), {"wine": 1, "bread": 1}, {"wine": 1}, POLICY)
    assert rest.money_refunds == {"card": 800, "cash": 700}
