"""Properties of scoped thresholds, per-basket caps and buy X get Y on generated baskets."""

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promotions.allocation import Offer, Problem, allocate, exhaustive_saving
from promotions.basket import BasketLine, Member, PricingRequest, Store
from promotions.buy_get import buy_get_saving
from promotions.catalogue import Catalogue, Promotion
from promotions.engine import price_basket
from promotions.rules import (
    AmountOff,
    BuyGet,
    MultiBuy,
    PercentOff,
    Scope,
    SpendThreshold,
    ThresholdTier,
)

SKUS = ("a", "b", "c", "d")
CATEGORY = {"a": "x", "b": "x", "c": "y", "d": "y"}
AT = datetime(2025, 3, 4, 11, tzinfo=UTC)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scopes = st.one_of(
    st.sampled_from(SKUS).map(lambda s: Scope(skus=frozenset({s}))),
    st.sampled_from(("x", "y")).map(lambda c: Scope(categories=frozenset({c}))),
)
rules = st.one_of(
    st.builds(PercentOff, st.integers(1, 10_000), scopes),
    st.builds(AmountOff, st.integers(1, 500), scopes),
    st.builds(PercentOff, st.integers(1, 5_000), st.just(Scope(whole_basket=True))),
    st.builds(MultiBuy, st.integers(1, 2), st.integers(1, 2), scopes),
    st.builds(BuyGet, scopes, st.integers(1, 2), scopes, st.integers(1, 2),
              st.sampled_from((10_000, 5_000, 3_333)), st.sampled_from((None, 1))),
    st.builds(lambda spend, off, pct, scope: SpendThreshold((ThresholdTier(spend, off, pct),), scope=scope),
              st.integers(1, 3000), st.integers(0, 500), st.sampled_from((1000, 5000)), scopes),
)
catalogues = st.lists(
    st.tuples(rules, st.booleans(), st.integers(0, 3), st.sampled_from((None, None, 1, 150, 700))), max_size=5
).map(lambda items: [
    Promotion(f"p{i}", 1, f"offer {i}", rule, priority=prio, exclusive=exclusive, max_discount=cap)
    for i, (rule, exclusive, prio, cap) in enumerate(items)
])
baskets = st.lists(
    st.tuples(st.sampled_from(SKUS), st.integers(0, 1000), st.integers(1, 4), st.sampled_from((0, 0, 2000))),
    min_size=1, max_size=4,
).map(lambda items: tuple(
    BasketLine(f"l{i}", sku, cents, qty=qty, category=CATEGORY[sku], tax_rate_bp=rate)
    for i, (sku, cents, qty, rate) in enumerate(items)
))


def priced(basket, promotions, inclusive=True):
    request = PricingRequest(basket, Store("s-1", "Europe/Berlin", inclusive), AT, member=Member("m-1"))
    return price_basket(request, Catalogue(promotions))


@FAST
@given(baskets, catalogues, st.booleans())
def test_no_money_is_created_or_lost_and_no_cap_is_exceeded(basket, promotions, inclusive):
    result = priced(basket, promotions, inclusive)
    assert result.total == sum(line.total for line in result.lines)
    for line in result.lines:
        assert all(discount.amount > 0 for discount in line.discounts)
        assert line.base_amount - sum(d.amount for d in line.discounts) == line.net + (line.tax if inclusive else 0)
        assert line.net >= 0
    caps = {p.promotion_id: p.max_discount for p in promotions}
    for applied in result.applied:
        pid = applied.promotion_id
        assert applied.discount == sum(d.amount for ln in result.lines for d in ln.discounts if d.promotion_id == pid)
        assert caps[applied.promotion_id] is None or applied.discount <= caps[applied.promotion_id]


@FAST
@given(baskets, catalogues, st.randoms(use_true_random=False))
def test_the_result_depends_on_neither_catalogue_nor_scan_order(basket, promotions, rng):
    shuffled = promotions[:]
    rng.shuffle(shuffled)
    assert priced(basket, shuffled) == priced(basket, promotions)
    assert priced(basket, promotions) == priced(basket, promotions)


@FAST
@given(baskets, catalogues)
def test_a_cap_no_promotion_reaches_changes_nothing(basket, promotions):
    def with_cap(cap):
        return [Promotion(p.promotion_id, 1, p.label, p.rule, priority=p.priority, exclusive=p.exclusive,
                          max_discount=cap) for p in promotions]

    assert priced(basket, with_cap(10**9)) == priced(basket, with_cap(None))


@st.composite
def buy_get_problems(draw):
    pools = draw(st.integers(1, 3))
    counts = tuple(draw(st.integers(0, 3)) for _ in range(pools))
    alone = tuple(draw(st.integers(0, 600)) for _ in range(pools))
    offers = []
    for n in range(draw(st.integers(1, 2))):
        buy = tuple(sorted(draw(st.lists(st.integers(0, pools - 1), min_size=1, unique=True))))
        get = tuple(sorted(draw(st.lists(st.integers(0, pools - 1), min_size=1, unique=True))))
        rule = BuyGet(Scope(whole_basket=True), draw(st.integers(1, 2)), Scope(whole_basket=True),
                      draw(st.integers(1, 2)), draw(st.sampled_from((10_000, 5_000))))
        offers.append(Offer(f"o{n}", ((buy, rule.buy_qty), (get, rule.get_qty)), alone,
                            lambda values, rule=rule: buy_get_saving(rule, values), None, by_slot=True))
    return Problem(counts, alone, tuple(offers))


@settings(FAST, max_examples=300)
@given(buy_get_problems())
def test_buy_get_choices_equal_an_exhaustive_search_for_the_largest_discount(problem):
    allocation = allocate(problem)
    assert allocation.exact
    assert allocation.saving == exhaustive_saving(problem)
