"""Chain-wide usage caps ("the first 1,000 customers"): when a capped promotion is spent for a basket.

A ``ChainCap`` counts sales, not members: any sale in which the promotion gave something uses one
of its ``max_uses``, for a member or an anonymous shopper alike. The count lives at the server, so
the engine is told which capped promotions a basket may no longer have
(``PricingRequest.exhausted``); the two rules below are how a caller decides it, one online and one
offline, so the server's quotes and every till decide it the same way.

Online, a till reserves a use at the server before the sale completes; a promotion is exhausted
when its confirmed uses plus the live reservations of other sales reach the cap.

Offline, a till cannot see the count. It may grant at most the cap's ``offline_uses`` (its
allowance, published on the feed with the promotion) in sales it has made offline and the server
has not yet acknowledged, and none once the feed has told it the cap is reached. Worst case the
chain gives ``max_uses`` plus ``offline_uses`` for every till offline when the cap runs out; the
server accepts each such sale as the customer paid it, counts it and records an exception.

Worked example: "first 1,000 customers", 3 uses per till offline. At 998 confirmed uses and one
live reservation, one more online sale may reserve (999 < 1,000) and the next may not. A till that
has been offline since before then has made 2 capped sales offline: it may make 1 more.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from promotions.catalogue import Catalogue, ChainCap


def online_exhausted(cap: ChainCap, confirmed: int, held_elsewhere: int) -> bool:
    """True when no further sale may reserve a use: confirmed uses and others' live reservations reach the cap.

    Example:
        >>> online_exhausted(ChainCap(1000, 3), 998, 1)
        False
        >>> online_exhausted(ChainCap(1000, 3), 999, 1)
        True
    """
    return confirmed + held_elsewhere >= cap.max_uses


def offline_uses_left(cap: ChainCap, reached_on_feed: bool, own_offline_uses: int) -> int:
    """Uses an offline till may still grant: its allowance less its unacknowledged offline uses, none once
    the feed said the cap is reached.

    Example:
        >>> offline_uses_left(ChainCap(1000, 3), False, 2)
        1
        >>> offline_uses_left(ChainCap(1000, 3), True, 0)
        0
    """
    if reached_on_feed:
        return 0
    return max(cap.offline_uses - own_offline_uses, 0)


def exhausted_offline(catalogue: Catalogue, reached_on_feed: Iterable[str],
                      own_offline_uses: Mapping[str, int]) -> frozenset[str]:
    """The capped promotions of ``catalogue`` an offline till may no longer give."""
    reached = set(reached_on_feed)
    return frozenset(p.promotion_id for p in catalogue.capped
                     if offline_uses_left(p.chain_cap, p.promotion_id in reached,
                                          own_offline_uses.get(p.promotion_id, 0)) == 0)
