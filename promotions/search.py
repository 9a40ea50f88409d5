"""Exact best-for-customer search for one component of competing offers, within a budget."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from promotions.problem import Offer, saving_of

MAX_STEPS = 5_000  # per basket: bounds the exact search to a few milliseconds


class Budget(Exception):
    """The basket's search budget ran out; the caller falls back to greedy."""


class Meter:
    """Counts search steps across one ``allocate`` call; past ``MAX_STEPS`` exact search stops."""

    __slots__ = ("steps",)

    def __init__(self) -> None:
        self.steps = 0

    def tick(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise Budget

    @property
    def spent(self) -> bool:
        return self.steps > MAX_STEPS


def exact_search(problem, pools, offer_ids, meter: Meter):
    """Return (saving, instances) of the best allocation; raises ``Budget`` when too costly."""
    memo: dict[tuple, tuple[int, tuple]] = {}
    alone = problem.alone
    offers = [(i, problem.offers[i]) for i in offer_ids]
    # Only offers that can take the first remaining unit are tried for it.
    reaching = {
        pool: [(slot, i, offer) for slot, (i, offer) in enumerate(offers) if pool in offer.pools] for pool in pools
    }

    def solve(counts: tuple[int, ...], used: tuple[int, ...]) -> tuple[int, tuple]:
        key = (counts, used)
        if key in memo:
            return memo[key]
        meter.tick()
        first = next((p for p in pools if counts[p]), None)
        if first is None:
            return 0, ()
        rest = list(counts)
        rest[first] -= 1
        best = solve(tuple(rest), used)
        # An instance saves at most what its units cost alone (no discount takes a unit below
        # zero), so once ``best`` saves everything the units left cost, no later candidate can
        # save strictly more: stopping changes neither the saving nor which allocation wins,
        # and it spares baskets of free or fully discounted units the whole (fruitless) search.
        ceiling = sum(count * alone[pool] for pool, count in enumerate(counts))
        for slot, i, offer in reaching[first]:
            if best[0] >= ceiling:
                break
            if offer.limit is not None and used[slot] >= offer.limit:
                continue
            for picked in instances(offer, counts, first, meter):
                left = list(counts)
                for pool in picked:
                    left[pool] -= 1
                # Uses of uncapped offers stay 0 so they do not multiply the memo's states.
                bump = 0 if offer.limit is None else 1
                more = (*used[:slot], used[slot] + bump, *used[slot + 1 :])
                sub_saving, sub = solve(tuple(left), more)
                saving = saving_of(problem, offer, picked) + sub_saving
                if saving > best[0]:
                    best = (saving, ((i, picked), *sub))
                    if saving >= ceiling:
                        break
        memo[key] = best
        return best

    saving, chosen = solve(tuple(problem.counts), (0,) * len(offers))
    return saving, list(chosen)


def instances(offer: Offer, counts: Sequence[int], must: int, meter: Meter) -> Iterator[tuple[int, ...]]:
    """Yield each way to fill the offer's slots from ``counts`` that uses a unit of ``must``.

    Slots of one group are filled as a non-decreasing pool sequence (a multiset), so the same
    instance is never produced twice within a group.
    """
    left = list(counts)
    groups = offer.groups
    # Whether some group from g on can still take the required pool: prune early if not.
    can_take = [False] * (len(groups) + 1)
    for g in range(len(groups) - 1, -1, -1):
        can_take[g] = can_take[g + 1] or must in groups[g][0]

    def fill(group: int, picked: list[int]) -> Iterator[tuple[int, ...]]:
        if must not in picked and not can_take[group]:
            return
        if group == len(groups):
            yield tuple(picked)
            return
        eligible, size = groups[group]
        yield from choose(group, eligible, 0, size, picked)

    def choose(group, eligible, start, need, picked):
        if not need:
            yield from fill(group + 1, picked)
            return
        for k in range(start, len(eligible)):
            pool = eligible[k]
            if left[pool] > 0:
                meter.tick()
                left[pool] -= 1
                picked.append(pool)
                yield from choose(group, eligible, k, need - 1, picked)
                picked.pop()
                left[pool] += 1

    yield from fill(0, [])
