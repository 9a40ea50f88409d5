"""Products bought together: counts, lift and bundle projections (promotions.affinity)."""

from __future__ import annotations

import doctest
import random
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

import promotions.affinity as affinity
from promotions.affinity import MAX_ITEMS_FOR_PAIRS, count_baskets, project_bundle, suggest_bundles

SKUS = st.sampled_from([f"P{n}" for n in range(12)])
BASKETS = st.lists(st.lists(SKUS, max_size=8), max_size=60)


def test_the_worked_examples_in_the_docstrings_hold():
    assert doctest.testmod(affinity).failed == 0


@given(BASKETS, st.randoms(use_true_random=False))
def test_counts_do_not_depend_on_the_order_of_baskets_or_of_their_lines(baskets, rnd):
    shuffled = [rnd.sample(basket, len(basket)) for basket in baskets]
    rnd.shuffle(shuffled)
    first, second = count_baskets(baskets), count_baskets(shuffled)
    assert (first.baskets, first.items, first.pairs) == (second.baskets, second.items, second.pairs)


@given(BASKETS)
def test_a_pair_is_never_counted_more_often_than_either_of_its_products(baskets):
    counts = count_baskets(baskets)
    assert counts.baskets == sum(1 for basket in baskets if basket)
    for (a, b), together in counts.pairs.items():
        assert a < b and together <= min(counts.items[a], counts.items[b])
    for s in suggest_bundles(counts, min_together=1, min_lift=Fraction(0), limit=1000):
        assert 0 < s.support <= 1 and all(0 < c <= 1 for c in s.confidence)
        assert s.lift == s.support / (Fraction(counts.items[s.skus[0]], counts.baskets)
                                      * Fraction(counts.items[s.skus[1]], counts.baskets))


@given(BASKETS)
def test_suggestions_come_strongest_lift_first_and_meet_the_thresholds(baskets):
    found = suggest_bundles(count_baskets(baskets), min_together=2, min_lift=Fraction(6, 5), limit=5)
    assert len(found) <= 5
    assert all(s.together >= 2 and s.lift >= Fraction(6, 5) for s in found)
    assert [(-s.lift, -s.together, s.skus) for s in found] == sorted((-s.lift, -s.together, s.skus) for s in found)


def test_a_pair_planted_in_random_baskets_is_found_first_and_independent_products_are_not():
    rng = random.Random(18)
    catalogue = [f"P{n:02d}" for n in range(40)]
    baskets = []
    for _ in range(3000):
        basket = set(rng.sample(catalogue, rng.randint(1, 5)))
        if rng.random() < 0.25:
            basket |= {"PASTA", "SAUCE"}
        baskets.append(basket)
    found = suggest_bundles(count_baskets(baskets), min_together=20, min_lift=Fraction(2))
    # Planted: lift about 4 (a quarter of the baskets, where chance would put a sixteenth); chance
    # pairs stay near 1.
    assert [s.skus for s in found] == [("PASTA", "SAUCE")]
    assert 3 < found[0].lift < 5


def test_a_huge_basket_counts_its_products_but_not_its_pairs():
    counts = count_baskets([[f"P{n}" for n in range(MAX_ITEMS_FOR_PAIRS + 1)], ["P1", "P2"]])
    assert counts.items["P1"] == 2 and counts.pairs == {("P1", "P2"): 1}


@given(st.integers(0, 10**7), st.integers(0, 10**7), st.integers(1, 9_999), st.integers(0, 10**5))
def test_a_projected_bundle_neither_creates_nor_loses_money(price_a, price_b, discount_bp, together):
    suggestion = affinity.BundleSuggestion(("a", "b"), together, max(together, 1), Fraction(1),
                                           (Fraction(1), Fraction(1)), Fraction(1))
    projection = project_bundle(suggestion, {"a": price_a, "b": price_b}, discount_bp)
    assert projection.price_minor + projection.saving_per_use_minor == price_a + price_b
    assert 0 <= projection.saving_per_use_minor <= price_a + price_b
    assert projection.cost_minor == projection.saving_per_use_minor * together
