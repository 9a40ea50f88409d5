"""Multi-buys, buy X get Y and bundles: build the allocation problem from the basket and book the result."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from promotions.allocation import Offer, Problem, allocate
from promotions.bundles import bundle_discounts, bundle_saving
from promotions.buy_get import buy_get_discounts, buy_get_saving
from promotions.catalogue import Promotion
from promotions.multibuy import multibuy_discounts, multibuy_saving
from promotions.rules import Bundle, BuyGet, MultiBuy
from promotions.work import LineWork


def _split(promotion: Promotion, values: Sequence[int]) -> list[int]:
    rule = promotion.rule
    if isinstance(rule, MultiBuy):
        return multibuy_discounts(rule, values)
    if isinstance(rule, BuyGet):
        return buy_get_discounts(rule, values)
    return bundle_discounts(rule, values)


def _total(rule: MultiBuy | BuyGet | Bundle):
    # The search only needs an instance's total; the per-unit split is done once at the end.
    if isinstance(rule, MultiBuy):
        return partial(multibuy_saving, rule)
    if isinstance(rule, BuyGet):
        return partial(buy_get_saving, rule)
    return partial(bundle_saving, rule)


def _groups(promotion: Promotion, pools: list[LineWork], candidates: list[int]):
    rule = promotion.rule
    if isinstance(rule, MultiBuy):
        shape = [(rule.scope, rule.buy + rule.get)]
    elif isinstance(rule, BuyGet):
        shape = [(rule.buy_scope, rule.buy_qty), (rule.get_scope, rule.get_qty)]
    else:
        shape = [(component.scope, component.qty) for component in rule.components]
    groups = []
    for scope, size in shape:
        eligible = tuple(i for i in candidates if scope.matches(pools[i].line.sku, pools[i].line.category))
        if sum(pools[i].units for i in eligible) < size:
            return None
        groups.append((eligible, size))
    return tuple(groups)


def _offer(promotion: Promotion, pools, candidates, values) -> Offer | None:
    groups = _groups(promotion, pools, candidates)
    if groups is None:
        return None
    rule: MultiBuy | BuyGet | Bundle = promotion.rule
    return Offer(
        key=promotion.promotion_id,
        groups=groups,
        value=values[promotion.exclusive],
        discount=_total(rule),
        limit=rule.max_applications,
        by_slot=isinstance(rule, BuyGet),
    )


def apply_offers(works: list[LineWork]) -> bool:
    """Allocate units to competing multi-buys, buy X get Y offers and bundles and book their discounts.

    Returns:
        False when the greedy fallback was used somewhere (see ``promotions.allocation``).
    """
    pools = [w for w in works if w.grouped and w.units]
    if not pools:
        return True
    reach: dict[str, tuple[Promotion, list[int]]] = {}
    for i, work in enumerate(pools):
        for pid, promotion in work.grouped.items():
            reach.setdefault(pid, (promotion, []))[1].append(i)
    # An exclusive offer prices from the member price; a stackable one from the price after
    # the stackable product discounts, which its units keep.
    values = {True: tuple(w.unit for w in pools), False: tuple(w.stack[0] for w in pools)}
    built = [(p, _offer(p, pools, found, values)) for _, (p, found) in sorted(reach.items())]
    built = [(p, offer) for p, offer in built if offer is not None]
    if not built:
        return True
    problem = Problem(
        counts=tuple(w.units for w in pools),
        alone=tuple(w.best[0] for w in pools),
        offers=tuple(offer for _, offer in built),
    )
    allocation = allocate(problem)
    for index, picked in allocation.instances:
        promotion, offer = built[index]
        values = [offer.value[pool] for pool in picked]
        for pool, amount in zip(picked, _split(promotion, values), strict=True):
            pools[pool].consumed[0 if promotion.exclusive else 1] += 1
            pools[pool].add(promotion, amount)
    return allocation.exact
