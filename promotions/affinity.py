"""Products bought together: basket counts and the bundle suggestions they support.

Pure association-rule arithmetic over baskets given as sets of SKUs (no I/O; the server reads the
baskets). For a pair of products A and B over N baskets:

* support: the share of baskets holding both, ``together / N``;
* confidence A -> B: the share of A's baskets that also hold B, ``together / baskets(A)``;
* lift: how much more often they go together than chance would put them, ``together * N /
  (baskets(A) * baskets(B))``; 1 means independent, above 1 bought together.

Shares and lift are statistics, not money: they are exact fractions rounded only for display.

>>> counts = count_baskets([{"pasta", "sauce"}, {"pasta", "sauce", "wine"}, {"pasta"}, {"wine"}])
>>> counts.baskets, counts.items["pasta"], counts.pairs[("pasta", "sauce")]
(4, 3, 2)
>>> [s.skus for s in suggest_bundles(counts, min_together=2, min_lift=Fraction(1))]
[('pasta', 'sauce')]
>>> suggest_bundles(counts, min_together=2, min_lift=Fraction(1))[0].lift
Fraction(4, 3)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import combinations

# A basket with more distinct products than this adds its items but not its pairs: a trolley of
# 200 products would add 19,900 pairs that say little about what goes together.
MAX_ITEMS_FOR_PAIRS = 40


@dataclass
class BasketCounts:
    """How many baskets, how many held each product, and how many held each pair (a < b)."""

    baskets: int = 0
    items: Counter[str] = field(default_factory=Counter)
    pairs: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add(self, basket: Iterable[str]) -> None:
        """Count one basket; a product bought twice in it counts once."""
        distinct = sorted(set(basket))
        if not distinct:
            return
        self.baskets += 1
        self.items.update(distinct)
        if len(distinct) <= MAX_ITEMS_FOR_PAIRS:
            self.pairs.update(combinations(distinct, 2))


def count_baskets(baskets: Iterable[Iterable[str]]) -> BasketCounts:
    counts = BasketCounts()
    for basket in baskets:
        counts.add(basket)
    return counts


@dataclass(frozen=True)
class BundleSuggestion:
    """Two products bought together more than chance would have it, with the figures that say so."""

    skus: tuple[str, str]
    together: int
    baskets: int
    support: Fraction
    confidence: tuple[Fraction, Fraction]  # first -> second, second -> first
    lift: Fraction


def suggest_bundles(counts: BasketCounts, *, min_together: int = 20, min_lift: Fraction = Fraction(6, 5),
                    limit: int = 20) -> list[BundleSuggestion]:
    """The pairs seen together in at least ``min_together`` baskets with at least ``min_lift``,
    strongest lift first (then more baskets, then SKUs, so the order is total)."""
    found = []
    for (a, b), together in counts.pairs.items():
        if together < min_together:
            continue
        lift = Fraction(together * counts.baskets, counts.items[a] * counts.items[b])
        if lift < min_lift:
            continue
        found.append(BundleSuggestion(
            skus=(a, b), together=together, baskets=counts.baskets,
            support=Fraction(together, counts.baskets),
            confidence=(Fraction(together, counts.items[a]), Fraction(together, counts.items[b])), lift=lift))
    found.sort(key=lambda s: (-s.lift, -s.together, s.skus))
    return found[:limit]


@dataclass(frozen=True)
class BundleProjection:
    """What a bundle at ``price_minor`` would have cost over the mined period.

    ``uses`` counts only the baskets that already held both products (the bundle would have applied
    to them without changing anyone's shopping): a floor on uptake, not a forecast of new sales.
    """

    price_minor: int
    saving_per_use_minor: int
    uses: int
    cost_minor: int


def project_bundle(suggestion: BundleSuggestion, prices: Mapping[str, int], discount_bp: int) -> BundleProjection:
    """Price the pair at ``discount_bp`` off their shelf prices (rounded down to the minor unit,
    in the customer's favour) and cost it over the baskets that held both.

    >>> s = BundleSuggestion(("a", "b"), 10, 100, Fraction(1, 10), (Fraction(1, 2), Fraction(1, 2)), Fraction(5))
    >>> project_bundle(s, {"a": 299, "b": 150}, 1000)
    BundleProjection(price_minor=404, saving_per_use_minor=45, uses=10, cost_minor=450)
    """
    if not 0 < discount_bp < 10_000:
        raise ValueError("discount_bp must be between 1 and 9,999 basis points")
    shelf = sum(prices[sku] for sku in suggestion.skus)
    price = shelf * (10_000 - discount_bp) // 10_000
    saving = shelf - price
    return BundleProjection(price_minor=price, saving_per_use_minor=saving, uses=suggestion.together,
                            cost_minor=saving * suggestion.together)
