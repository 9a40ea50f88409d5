"""A member's "for you" picks from their own history: complements of what they buy, and what they stopped buying.

Pure arithmetic over counts (no I/O; the server reads the baskets and decides which are recent):

* complement: a product B the member has not bought in the window, that the chain's baskets put
  with a product A the member does buy: ``confidence(A -> B)`` (the share of A's baskets that also
  hold B) and lift at least the thresholds, seen together in at least ``min_together`` baskets
  (``complement_leads``, built once from the chain's counts). The best A names the reason
  ("because you buy A"); the score is that confidence.
* lapsed: a product the member bought in at least ``min_before`` baskets before the recent period
  and in none during it (they used to buy it and stopped). The score is 1, above any complement:
  a product a member chose often is a surer pick than one others chose beside theirs.

>>> chain = BasketCounts()
>>> for basket in [{"pasta", "sauce"}] * 8 + [{"pasta"}] * 2 + [{"milk"}] * 10:
...     chain.add(basket)
>>> ada = MemberHistory()
>>> for basket, recent in [({"pasta"}, True), ({"milk"}, False), ({"milk"}, False), ({"milk"}, False)]:
...     ada.add(basket, recent)
>>> leads = complement_leads(chain, min_together=5)
>>> leads["pasta"], leads["sauce"]
([('sauce', Fraction(4, 5))], [('pasta', Fraction(1, 1))])
>>> [(p.sku, p.reason.value, p.because, p.score) for p in picks_for(ada, leads)]
[('milk', 'lapsed', None, Fraction(1, 1)), ('sauce', 'complement', 'pasta', Fraction(4, 5))]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

from promotions.affinity import BasketCounts


class Reason(StrEnum):
    COMPLEMENT = "complement"  # goes with something the member buys
    LAPSED = "lapsed"  # the member used to buy it and stopped


@dataclass(frozen=True)
class Pick:
    sku: str
    reason: Reason
    because: str | None  # the member's product a complement goes with
    score: Fraction


@dataclass
class MemberHistory:
    """In how many of one member's baskets each product was, before the recent period and during it."""

    before: Counter[str] = field(default_factory=Counter)
    recent: Counter[str] = field(default_factory=Counter)

    def add(self, basket: Iterable[str], recent: bool) -> None:
        (self.recent if recent else self.before).update(set(basket))

    @property
    def bought(self) -> set[str]:
        return set(self.before) | set(self.recent)


Leads = dict[str, list[tuple[str, Fraction]]]  # product -> (a product bought with it, confidence), best first


def complement_leads(counts: BasketCounts, *, min_together: int = 20, min_confidence: Fraction = Fraction(1, 5),
                     min_lift: Fraction = Fraction(6, 5)) -> Leads:
    """For each product A, the products B its baskets hold often enough (built once, used for every member)."""
    leads: Leads = {}
    for (a, b), together in counts.pairs.items():
        if together < min_together:
            continue
        if Fraction(together * counts.baskets, counts.items[a] * counts.items[b]) < min_lift:
            continue
        for mine, other in ((a, b), (b, a)):
            confidence = Fraction(together, counts.items[mine])
            if confidence >= min_confidence:
                leads.setdefault(mine, []).append((other, confidence))
    for found in leads.values():
        found.sort(key=lambda lead: (-lead[1], lead[0]))
    return leads


def complements(history: MemberHistory, leads: Leads) -> list[Pick]:
    """Products the chain buys with the member's, that the member never bought in the window."""
    bought, best = history.bought, {}
    for mine in sorted(bought):
        for other, confidence in leads.get(mine, ()):
            if other in bought:
                continue
            known = best.get(other)
            if known is None or confidence > known.score:
                best[other] = Pick(other, Reason.COMPLEMENT, mine, confidence)
    return sorted(best.values(), key=lambda p: (-p.score, p.sku))


def lapsed(history: MemberHistory, *, min_before: int = 3) -> list[Pick]:
    """Products bought in at least ``min_before`` baskets before the recent period and in none since."""
    found = [sku for sku, n in history.before.items() if n >= min_before and not history.recent[sku]]
    return [Pick(sku, Reason.LAPSED, None, Fraction(1)) for sku in sorted(found, key=lambda s: (-history.before[s], s))]


def picks_for(history: MemberHistory, leads: Leads, *, limit: int = 3, min_before: int = 3) -> list[Pick]:
    """The member's best ``limit`` picks: lapsed products first, then complements (one pick per product)."""
    chosen: dict[str, Pick] = {}
    for pick in lapsed(history, min_before=min_before) + complements(history, leads):
        chosen.setdefault(pick.sku, pick)
    return list(chosen.values())[:limit]
