"""Properties every priced basket keeps, on generated baskets and catalogues."""

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promotions.allocation import Offer, Problem, _exact_on_twins, allocate, exhaustive_saving, saving_of
from promotions.basket import BasketLine, Member, PricingRequest, Store
from promotions.catalogue import Catalogue, Promotion
from promotions.engine import price_basket
from promotions.rules import (
    AmountOff,
    BonusPoints,
    Bundle,
    BundleComponent,
    MemberPrice,
    MultiBuy,
    PercentOff,
    Scope,
    SpendThreshold,
    ThresholdTier,
)
from promotions.search import Meter

SKUS = ("a", "b", "c", "d")
CATEGORY = {"a": "x", "b": "x", "c": "y", "d": "y"}
AT = datetime(2025, 3, 4, 11, tzinfo=UTC)
MEMBER = Member("m-1", tier="gold")
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scopes = st.one_of(
    st.sampled_from(SKUS).map(lambda s: Scope(skus=frozenset({s}))),
    st.sampled_from(("x", "y")).map(lambda c: Scope(categories=frozenset({c}))),
)
member_prices = st.lists(
    st.tuples(st.sampled_from(SKUS), st.integers(0, 900)),
    min_size=1,
    max_size=2,
    unique_by=lambda pair: pair[0],
).map(lambda pairs: MemberPrice(tuple(pairs)))
item_rules = st.one_of(
    st.builds(PercentOff, st.integers(1, 10_000), scopes, st.booleans()),
    st.builds(AmountOff, st.integers(1, 500), scopes),
)
grouped_rules = st.one_of(
    st.builds(
        MultiBuy,
        st.integers(1, 2),
        st.integers(1, 2),
        scopes,
        st.sampled_from((10_000, 5_000, 3_333)),
        st.sampled_from((None, 1)),
    ),
    st.builds(
        Bundle,
        st.lists(st.builds(BundleComponent, scopes, st.integers(1, 2)), min_size=1, max_size=2)
        .map(tuple)
        .filter(lambda cs: sum(c.qty for c in cs) >= 2),
        st.integers(0, 1500),
        st.sampled_from((None, 1)),
    ),
)
basket_rules = st.one_of(
    st.builds(PercentOff, st.integers(1, 5_000), st.just(Scope(whole_basket=True))),
    st.builds(AmountOff, st.integers(1, 800), st.just(Scope(whole_basket=True))),
    st.builds(BonusPoints, scopes, st.integers(1, 20_000)),
)
threshold_rules = st.builds(
    lambda spend, off: SpendThreshold((ThresholdTier(spend, amount_off=off),)),
    st.integers(1, 3000),
    st.integers(1, 500),
)
monotone_rules = st.one_of(member_prices, item_rules, grouped_rules, basket_rules)
# Multi-buys and bundles only bite when enough units compete, so a second mix leans on them.
offer_heavy_rules = st.one_of(grouped_rules, grouped_rules, item_rules, member_prices)
any_rules = st.one_of(monotone_rules, threshold_rules)


def promotions_from(rules_strategy, prefix="p"):
    return st.lists(st.tuples(rules_strategy, st.booleans(), st.integers(0, 3)), max_size=5).map(
        lambda items: [
            Promotion(f"{prefix}{i}", 1, f"offer {i}", rule, priority=prio, exclusive=exclusive)
            for i, (rule, exclusive, prio) in enumerate(items)
        ]
    )


lines = st.lists(
    st.tuples(
        st.sampled_from(SKUS),
        st.integers(0, 1000),
        st.integers(1, 4),
        st.sampled_from((None, None, None, 750)),
    ),
    min_size=1,
    max_size=4,
).map(
    lambda items: tuple(
        BasketLine(
            f"l{i}",
            sku,
            price,
            qty=1 if milli else qty,
            qty_milli=milli,
            category=CATEGORY[sku],
            excluded_from_points=(i == 2),
        )
        for i, (sku, price, qty, milli) in enumerate(items)
    )
)

offer_lines = st.lists(
    st.tuples(st.sampled_from(SKUS), st.integers(50, 1000), st.integers(2, 4)),
    min_size=1,
    max_size=3,
).map(
    lambda items: tuple(
        BasketLine(f"l{i}", sku, price, qty=qty, category=CATEGORY[sku]) for i, (sku, price, qty) in enumerate(items)
    )
)


def priced(basket, promotions):
    request = PricingRequest(basket, Store("s-1", "Europe/Berlin"), AT, member=MEMBER)
    return price_basket(request, Catalogue(promotions))


@FAST
@given(lines, promotions_from(any_rules))
def test_totals_equal_the_sum_of_lines_and_no_line_goes_below_zero(basket, promotions):
    result = priced(basket, promotions)
    assert result.total == sum(line.total for line in result.lines)
    assert result.subtotal - result.discount_total == result.total
    for line in result.lines:
        assert line.total >= 0
        assert all(discount.amount > 0 for discount in line.discounts)
        assert line.base_amount - sum(d.amount for d in line.discounts) == line.total
    assert result.points_to_earn == result.base_points + sum(b.points for b in result.bonus)


@FAST
@given(lines, promotions_from(any_rules), st.randoms(use_true_random=False))
def test_the_result_is_independent_of_the_catalogue_order(basket, promotions, rng):
    shuffled = promotions[:]
    rng.shuffle(shuffled)
    assert priced(basket, shuffled) == priced(basket, promotions)


@FAST
@given(lines, promotions_from(monotone_rules), promotions_from(monotone_rules, prefix="q"))
def test_adding_qualifying_promotions_never_raises_the_total(basket, promotions, more):
    before = priced(basket, promotions)
    after = priced(basket, promotions + more)
    assert before.allocation_exact and after.allocation_exact
    assert after.total <= before.total


@settings(FAST, max_examples=250)
@given(offer_lines, promotions_from(offer_heavy_rules), promotions_from(offer_heavy_rules, "q"))
def test_adding_competing_offers_never_raises_the_total_and_order_never_matters(basket, promotions, more):
    before = priced(basket, promotions)
    after = priced(basket, promotions + more)
    assert after.total <= before.total
    assert priced(basket, list(reversed(more + promotions))) == after


def _offer(draw, pools):
    groups = []
    for _ in range(draw(st.integers(1, 2))):
        eligible = draw(st.lists(st.integers(0, pools - 1), min_size=1, unique=True))
        groups.append((tuple(sorted(eligible)), draw(st.integers(1, 2))))
    if sum(size for _, size in groups) < 2:
        groups[0] = (groups[0][0], 2)
    value = tuple(draw(st.integers(0, 600)) for _ in range(pools))
    if draw(st.booleans()):
        pct = draw(st.sampled_from((10_000, 5_000)))
        discount = lambda values, pct=pct: min(values) * pct // 10_000  # noqa: E731
    else:
        fixed = draw(st.integers(0, 900))
        discount = lambda values, fixed=fixed: max(0, sum(values) - fixed)  # noqa: E731
    return Offer(f"o{draw(st.integers(0, 99))}", tuple(groups), value, discount, draw(st.sampled_from((None, 1, 2))))


@st.composite
def problems(draw):
    pools = draw(st.integers(1, 3))
    counts = tuple(draw(st.integers(0, 2)) for _ in range(pools))
    alone = tuple(draw(st.integers(0, 600)) for _ in range(pools))
    offers = [_offer(draw, pools) for _ in range(draw(st.integers(1, 3)))]
    return Problem(counts, alone, tuple(sorted(offers, key=lambda o: o.key)))


@FAST
@given(problems())
def test_on_small_baskets_the_allocation_equals_an_exhaustive_search(problem):
    allocation = allocate(problem)
    assert allocation.exact
    assert allocation.saving == exhaustive_saving(problem)
    assert allocation.saving == sum(
        saving_of(problem, problem.offers[index], pools) for index, pools in allocation.instances
    )
    for pool, count in enumerate(problem.counts):
        assert sum(pools.count(pool) for _, pools in allocation.instances) <= count


@st.composite
def problems_with_twins(draw):
    """Problems where the first pool has a copy (same prices, same slots), counts apart."""
    kinds = draw(st.integers(1, 2))
    copies = [2] + [draw(st.integers(1, 2)) for _ in range(kinds - 1)]
    alone = [draw(st.integers(0, 600)) for _ in range(kinds)]
    base = [_offer(draw, kinds) for _ in range(draw(st.integers(1, 2)))]
    kind_of = [kind for kind in range(kinds) for _ in range(copies[kind])]
    offers = [
        Offer(
            offer.key,
            tuple((tuple(p for p, k in enumerate(kind_of) if k in eligible), size) for eligible, size in offer.groups),
            tuple(offer.value[k] for k in kind_of),
            offer.discount,
            offer.limit,
        )
        for offer in base
    ]
    counts = tuple(draw(st.integers(0, 2)) for _ in kind_of)
    return Problem(counts, tuple(alone[k] for k in kind_of), tuple(sorted(offers, key=lambda o: o.key)))


@FAST
@given(problems_with_twins())
def test_merging_twin_pools_keeps_the_exhaustive_saving_and_each_pools_count(problem):
    found = _exact_on_twins(problem, Meter())
    assert found is not None
    saving, instances = found
    assert saving == exhaustive_saving(problem)
    assert saving == sum(saving_of(problem, problem.offers[index], pools) for index, pools in instances)
    for pool, count in enumerate(problem.counts):
        assert sum(pools.count(pool) for _, pools in instances) <= count
