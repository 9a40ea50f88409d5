"""Lookup tables from sku, category, coupon code and reward id to promotions.

Pricing touches only the promotions reachable from the basket's skus and categories, the
(few) basket-wide ones and those unlocked by presented coupons, so its cost grows with the
basket, not with the catalogue. Lists are in promotion-id order, which is what makes the
result independent of the order promotions were given in.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from promotions.exceptions import DuplicatePromotion
from promotions.rewards import Reward
from promotions.rules import Bundle, BuyGet, MemberPrice, Scope

if TYPE_CHECKING:
    from promotions.catalogue import Promotion


def scopes_of(promotion: Promotion) -> list[Scope]:
    """Return the scopes that can trigger a promotion (a whole-basket scope for basket-wide ones)."""
    rule = promotion.rule
    if isinstance(rule, MemberPrice):
        return [Scope(skus=frozenset(sku for sku, _ in rule.prices))]
    if isinstance(rule, Bundle):
        return [component.scope for component in rule.components]
    if isinstance(rule, BuyGet):
        return [rule.buy_scope, rule.get_scope]
    return [rule.scope]


class CatalogueIndex:
    """Promotions keyed by what can trigger them. Built once per catalogue."""

    __slots__ = ("basket_wide", "by_category", "by_code", "by_sku", "rewards")

    def __init__(self, promotions: Iterable[Promotion]) -> None:
        self.by_sku: dict[str, tuple[Promotion, ...]] = {}
        self.by_category: dict[str, tuple[Promotion, ...]] = {}
        self.by_code: dict[str, Promotion] = {}
        # Rewards are reached through a member's claim only, like coupon offers through a code.
        self.rewards: dict[str, Promotion] = {}
        by_sku: dict[str, list[Promotion]] = {}
        by_category: dict[str, list[Promotion]] = {}
        wide: list[Promotion] = []
        for promotion in promotions:
            if isinstance(promotion.rule, Reward):
                self.rewards[promotion.promotion_id] = promotion
                continue
            if promotion.coupon is not None:
                # Coupon offers are reached through their code only: without it they
                # can never apply, so they cost nothing on ordinary baskets.
                self._add_codes(promotion)
                continue
            self._add(promotion, by_sku, by_category, wide)
        self.by_sku = {key: tuple(value) for key, value in by_sku.items()}
        self.by_category = {key: tuple(value) for key, value in by_category.items()}
        self.basket_wide: tuple[Promotion, ...] = tuple(wide)

    def _add_codes(self, promotion: Promotion) -> None:
        for code in sorted(promotion.coupon.codes):
            if code in self.by_code:
                raise DuplicatePromotion(code)
            self.by_code[code] = promotion

    @staticmethod
    def _add(promotion, by_sku, by_category, wide) -> None:
        skus: set[str] = set()
        categories: set[str] = set()
        is_wide = False
        for scope in scopes_of(promotion):
            is_wide = is_wide or scope.whole_basket
            skus |= scope.skus
            categories |= scope.categories
        if is_wide:
            wide.append(promotion)
            return
        for sku in skus:
            by_sku.setdefault(sku, []).append(promotion)
        for category in categories:
            by_category.setdefault(category, []).append(promotion)

    def for_line(self, sku: str, category: str) -> tuple[Promotion, ...]:
        """Return the non-coupon promotions a line with this sku and category can trigger."""
        return self.by_sku.get(sku, ()) + self.by_category.get(category, ())
