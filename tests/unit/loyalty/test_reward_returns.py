"""Points spent on rewards come back exactly in proportion to what is returned (loyalty.returns)."""

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from loyalty.earning import SaleLine
from loyalty.entries import EntryKind
from loyalty.ids import entry_id
from loyalty.returns import RewardRecord, SaleRecord, reverse_return, void_sale

from .helpers import POLICY, utc

# 2 coffees at 3.00 with "1.00 off coffee" taken twice (300 points), a free croissant (250 points)
# and a loaf of bread paid in full.
SALE = SaleRecord(
    transaction_id="T-1",
    account_id="member-ann",
    lines=(SaleLine("coffee", 400, qty=2), SaleLine("croissant", 0, qty=1), SaleLine("bread", 410, qty=1)),
    line_points={"coffee": 4, "croissant": 0, "bread": 4},
    rewards=(RewardRecord("r-coffee", 300, {"coffee": 200}), RewardRecord("r-croissant", 250, {"croissant": 240})),
)


def test_returning_one_coffee_gives_back_half_of_the_coffee_reward():
    outcome = reverse_return(SALE, "R-1", utc(2024, 5, 2), {"coffee": 1}, {}, POLICY)
    assert outcome.points_given_back == 150
    rewards = [e for e in outcome.entries if e.id == entry_id("R-1", "return-rewards")]
    assert [(e.kind, e.points) for e in rewards] == [(EntryKind.REVERSE, 150)]
    assert rewards[0].expires_at == POLICY.expires_at(utc(2024, 5, 2))


def test_returning_the_free_croissant_gives_its_points_back_and_no_money():
    outcome = reverse_return(SALE, "R-1", utc(2024, 5, 2), {"croissant": 1}, {}, POLICY)
    assert (outcome.points_given_back, outcome.refund_minor) == (250, 0)


def test_returning_the_bread_gives_no_reward_points_back():
    outcome = reverse_return(SALE, "R-1", utc(2024, 5, 2), {"bread": 1}, {}, POLICY)
    assert outcome.points_given_back == 0 and outcome.points_taken_back == 4


def test_a_void_gives_back_every_reward_point():
    assert void_sale(SALE, "V-1", utc(2024, 5, 2), POLICY).points_given_back == 550


@st.composite
def sales_with_rewards_and_splits(draw):
    count = draw(st.integers(1, 5))
    lines = tuple(SaleLine(f"L{i}", draw(st.integers(0, 5000)), qty=draw(st.integers(1, 6))) for i in range(count))
    rewards = tuple(
        RewardRecord(f"r{n}", draw(st.integers(0, 5000)),
                     {line.line_id: draw(st.integers(0, 3) | st.integers(0, 900))
                      for line in draw(st.lists(st.sampled_from(lines), max_size=count, unique=True))})
        for n in range(draw(st.integers(1, 3))))
    sale = SaleRecord("T", "member-ann", lines, redeemed_points=draw(st.integers(0, 3000)), rewards=rewards)
    units = draw(st.permutations([line.line_id for line in lines for _ in range(line.qty)]))
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(units) - 1)), max_size=len(units))))
    parts = [units[a:b] for a, b in itertools.pairwise([0, *cuts, len(units)]) if b > a]
    return sale, parts


@settings(max_examples=200, deadline=None)
@given(sales_with_rewards_and_splits())
def test_returns_in_any_split_give_back_exactly_the_reward_points_never_one_more_or_less(sale_and_parts):
    sale, parts = sale_and_parts
    before: dict[str, int] = {}
    given_back = 0
    for n, part in enumerate(parts):
        now = {line_id: part.count(line_id) for line_id in set(part)}
        outcome = reverse_return(sale, f"R-{n}", utc(2024, 5, 2), now, before, POLICY)
        assert outcome.points_given_back >= 0
        assert all(isinstance(e.points, int) for e in outcome.entries)
        given_back += outcome.points_given_back
        for line_id, qty in now.items():
            before[line_id] = before.get(line_id, 0) + qty
        # Never more back than the part returned so far is worth, reward by reward.
        assert given_back <= sale.redeemed_points + sum(r.points for r in sale.rewards)
    assert given_back == sale.redeemed_points + sum(r.points for r in sale.rewards)
