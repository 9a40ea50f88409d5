"""Best-for-customer allocation of units to competing multi-buy and bundle offers.

The problem: units sit in *pools* (one per basket line; units of a pool are identical). An
offer instance takes units for each of its slot groups; a unit joins at most one instance.
A unit left alone costs ``alone[pool]``; an instance costs its units' offer values minus its
discount. We maximise the total saving over "everything alone".

How:
- Pools and offers split into independent components (offers sharing no pool never compete).
- A component with one offer whose slots all draw from one set and whose units cost the same
  alone as in the offer ("3 for 2 on snacks" with nothing else on them) is solved by taking the
  dearest units first; for cheapest-unit and fixed-price rules that is optimal. A buy X get Y
  offer (``Offer.by_slot``) never takes this path: its saving depends on which part a unit fills.
- Other components are solved exactly (``promotions.search``) as long as the state space is
  small (``MAX_STATES``) and the basket's search budget (``search.MAX_STEPS``) lasts.
- When that search gives up, it is tried once more with *twin* pools merged: pools whose units
  no offer tells apart (same price alone, same value and slots in every offer, such as one
  product scanned as several lines) become one pool, within a second budget of the same size
  per basket; the merged pools' units go back to their lines in basket order. Merging only
  after the plain search gave up keeps every allocation it finds exactly as it was.
- Beyond both the dearest-first greedy is used; it is deterministic but may miss the optimum —
  the one documented place where "best for the customer" is best effort.

Determinism: offers are visited in key (promotion id) order and pools in basket order, and a
candidate replaces the incumbent only when it saves strictly more, so equal savings resolve to
fewer offers, then the lower promotion id, whatever order the catalogue was built in.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import product
from math import prod

from promotions.problem import Offer, Problem, saving_of
from promotions.search import Budget, Meter, exact_search

__all__ = ["Allocation", "Offer", "Problem", "allocate", "exhaustive_saving", "saving_of"]

MAX_STATES = 1_024


@dataclass(frozen=True)
class Allocation:
    """Chosen instances as ``(offer index, pools in slot order)`` and their total saving."""

    instances: tuple[tuple[int, tuple[int, ...]], ...]
    saving: int
    exact: bool


def allocate(problem: Problem) -> Allocation:
    """Return the best-for-customer allocation (exact where tractable, see module doc)."""
    instances: list[tuple[int, tuple[int, ...]]] = []
    saving, exact = 0, True
    meters = (Meter(), Meter())  # the first search's budget, then the one on twin lines merged
    for pools, offer_ids in _components(problem):
        sub_saving, sub_instances, sub_exact = _solve_component(problem, pools, offer_ids, meters)
        saving += sub_saving
        instances.extend(sub_instances)
        exact = exact and sub_exact
    return Allocation(tuple(instances), saving, exact)


def _components(problem: Problem) -> list[tuple[list[int], list[int]]]:
    parent = list(range(len(problem.counts)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for offer in problem.offers:
        pools = sorted(offer.pools)
        for pool in pools[1:]:
            parent[find(pool)] = find(pools[0])
    groups: dict[int, tuple[list[int], list[int]]] = {}
    for index, offer in enumerate(problem.offers):
        root = find(min(offer.pools))
        groups.setdefault(root, ([], []))[1].append(index)
    for pool in range(len(problem.counts)):
        if find(pool) in groups:
            groups[find(pool)][0].append(pool)
    return [groups[root] for root in sorted(groups)]


def _solve_component(problem, pools, offer_ids, meters: tuple[Meter, Meter]):
    local, back = _localise(problem, pools, offer_ids)
    everything = list(range(len(pools)))
    offers = list(range(len(local.offers)))
    if _is_simple(local, local.offers):
        saving, chosen = _greedy(local, everything, offers)
        exact = True
    else:
        found = _exact(local, meters[0])
        # Only when the plain search gave up are twin lines merged, so every allocation the
        # plain search finds stays exactly as it was (which line of twins gets the discount).
        found = found or _exact_on_twins(local, meters[1])
        exact = found is not None
        saving, chosen = found or _greedy(local, everything, offers)
    return saving, [(offer_ids[i], tuple(back[p] for p in picked)) for i, picked in chosen], exact


def _exact(problem: Problem, meter: Meter):
    if meter.spent or prod(count + 1 for count in problem.counts) > MAX_STATES:
        return None
    try:
        return exact_search(problem, list(range(len(problem.counts))), list(range(len(problem.offers))), meter)
    except Budget:
        return None


def _exact_on_twins(problem: Problem, meter: Meter):
    """Search again with twin pools (no offer tells their units apart) merged into one.

    Several lines of one product at one price ("4 x 1 snack, scanned one by one") multiply the
    plain search's states without changing any saving. The merged pools' units go back to their
    lines in basket order, so the outcome is as deterministic as the plain search's.
    """
    twins = _twins(problem)
    if len(twins) == len(problem.counts):
        return None
    found = _exact(_merge(problem, twins), meter)
    if found is None:
        return None
    units = [iter([pool for pool in twin for _ in range(problem.counts[pool])]) for twin in twins]
    saving, chosen = found
    return saving, [(i, tuple(next(units[twin]) for twin in picked)) for i, picked in chosen]


def _twins(problem: Problem) -> list[list[int]]:
    """Group pools of equal alone price, offer values and slot eligibility, in pool order."""
    kinds: dict[tuple, list[int]] = {}
    for pool, alone in enumerate(problem.alone):
        seen = tuple(
            (offer.value[pool], tuple(pool in eligible for eligible, _ in offer.groups)) for offer in problem.offers
        )
        kinds.setdefault((alone, seen), []).append(pool)
    return list(kinds.values())


def _merge(problem: Problem, twins: list[list[int]]) -> Problem:
    where = {pool: n for n, twin in enumerate(twins) for pool in twin}
    offers = tuple(
        Offer(
            offer.key,
            tuple((tuple(sorted({where[p] for p in eligible})), size) for eligible, size in offer.groups),
            tuple(offer.value[twin[0]] for twin in twins),
            offer.discount,
            offer.limit,
            offer.by_slot,
        )
        for offer in problem.offers
    )
    counts = tuple(sum(problem.counts[p] for p in twin) for twin in twins)
    return Problem(counts, tuple(problem.alone[twin[0]] for twin in twins), offers)


def _localise(problem: Problem, pools: list[int], offer_ids: list[int]):
    """Re-index one component so the search copies only its own pools, not the basket's."""
    where = {pool: n for n, pool in enumerate(pools)}
    offers = tuple(
        Offer(
            offer.key,
            tuple((tuple(where[p] for p in eligible), size) for eligible, size in offer.groups),
            tuple(offer.value[p] for p in pools),
            offer.discount,
            offer.limit,
            offer.by_slot,
        )
        for offer in (problem.offers[i] for i in offer_ids)
    )
    local = Problem(tuple(problem.counts[p] for p in pools), tuple(problem.alone[p] for p in pools), offers)
    return local, pools


def _is_simple(problem: Problem, offers: list[Offer]) -> bool:
    if len(offers) != 1:
        return False
    offer = offers[0]
    if offer.by_slot:
        return False
    eligible = {group[0] for group in offer.groups}
    return len(eligible) == 1 and all(problem.alone[p] == offer.value[p] for p in offer.pools)


def _greedy(problem, pools, offer_ids):
    counts = list(problem.counts)
    used = dict.fromkeys(offer_ids, 0)
    ranked = {
        i: [sorted(el, key=lambda p, o=problem.offers[i]: (-o.value[p], p)) for el, _ in problem.offers[i].groups]
        for i in offer_ids
    }
    chosen, total = [], 0
    while True:
        best = None
        for i in offer_ids:
            offer = problem.offers[i]
            if offer.limit is not None and used[i] >= offer.limit:
                continue
            picked = _dearest(offer, ranked[i], counts)
            if picked is None:
                continue
            saving = saving_of(problem, offer, picked)
            if saving > 0 and (best is None or saving > best[0]):
                best = (saving, i, picked)
        if best is None:
            return total, chosen
        saving, i, picked = best
        for pool in picked:
            counts[pool] -= 1
        used[i] += 1
        chosen.append((i, picked))
        total += saving


def _dearest(offer: Offer, ranked: list[list[int]], counts: list[int]) -> tuple[int, ...] | None:
    taken: dict[int, int] = {}
    picked: list[int] = []
    for order, (_, size) in zip(ranked, offer.groups, strict=True):
        need = size
        for pool in order:
            while need and counts[pool] - taken.get(pool, 0) > 0:
                taken[pool] = taken.get(pool, 0) + 1
                picked.append(pool)
                need -= 1
            if not need:
                break
        if need:
            return None
    return tuple(picked)


def exhaustive_saving(problem: Problem) -> int:
    """Reference: the best saving by trying every sequence of instances. Tiny baskets only.

    Deliberately naive and independent of ``allocate`` (ordered slot tuples from
    ``itertools.product``, no components, no memo, no canonical first unit); the property
    tests hold the two equal.
    """

    def fillings(offer: Offer, counts: tuple[int, ...]) -> Iterator[tuple[int, ...]]:
        slots = [eligible for eligible, size in offer.groups for _ in range(size)]
        for picked in product(*slots):
            if all(picked.count(pool) <= counts[pool] for pool in set(picked)):
                yield picked

    def best(counts: tuple[int, ...], used: tuple[int, ...]) -> int:
        top = 0
        for index, offer in enumerate(problem.offers):
            if offer.limit is not None and used[index] >= offer.limit:
                continue
            for picked in fillings(offer, counts):
                left = list(counts)
                for pool in picked:
                    left[pool] -= 1
                more = (*used[:index], used[index] + 1, *used[index + 1 :])
                top = max(top, saving_of(problem, offer, picked) + best(tuple(left), more))
        return top

    return best(problem.counts, (0,) * len(problem.offers))
