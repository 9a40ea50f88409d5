"""The kinds of promotion, each a validated frozen dataclass of condition + benefit.

A promotion (``catalogue.Promotion``) wraps exactly one rule. Item rules act on units of
lines in their ``Scope``; basket rules act on the basket total; points rules add points.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

from promotions.exceptions import InvalidPromotion
from promotions.money import BASIS_POINTS
from promotions.tax import Spend


@dataclass(frozen=True)
class Scope:
    """Which lines a rule looks at: listed skus, listed categories, or the whole basket.

    Attributes:
        skus: Product ids in scope.
        categories: Category ids in scope.
        whole_basket: True for every line; then skus and categories must be empty.
    """

    skus: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    whole_basket: bool = False

    def __post_init__(self) -> None:
        if self.whole_basket and (self.skus or self.categories):
            raise InvalidPromotion("scope", "a whole-basket scope lists no skus or categories")
        if not self.whole_basket and not self.skus and not self.categories:
            raise InvalidPromotion("scope", "name at least one sku or category, or whole_basket")

    def matches(self, sku: str, category: str) -> bool:
        """Return True when a line with this sku and category is in scope."""
        return self.whole_basket or sku in self.skus or category in self.categories


def _positive(value: int, name: str) -> None:
    if type(value) is not int or value < 1:
        raise InvalidPromotion(name, "must be a positive int")


def _percent(value: int, name: str) -> None:
    if type(value) is not int or not 1 <= value <= BASIS_POINTS:
        raise InvalidPromotion(name, "a percentage is 1..10000 basis points (0.01 % .. 100 %)")


@dataclass(frozen=True)
class MemberPrice:
    """A member unit price per sku ("Member price"). Applies only to an identified member.

    Member prices are prices, not discounts: the lowest applicable member price replaces the
    shelf price before any discount, whatever the exclusive flag says.

    Attributes:
        prices: ``(sku, unit_price)`` pairs in minor units.
    """

    prices: tuple[tuple[str, int], ...]

    def __post_init__(self) -> None:
        if not self.prices:
            raise InvalidPromotion("rule.prices", "a member price list needs at least one sku")
        skus = [sku for sku, _ in self.prices]
        if len(set(skus)) != len(skus):
            raise InvalidPromotion("rule.prices", "each sku appears once")
        for _, price in self.prices:
            if type(price) is not int or price < 0:
                raise InvalidPromotion("rule.prices", "prices are non-negative minor units")

    @cached_property
    def _lookup(self) -> dict[str, int]:
        return dict(self.prices)

    def price_for(self, sku: str) -> int | None:
        """Return the member unit price of ``sku``, or None when it is not on this list."""
        return self._lookup.get(sku)


@dataclass(frozen=True)
class PercentOff:
    """N % off each unit in scope, or off the basket total for a whole-basket scope.

    Attributes:
        percent_bp: Basis points, 1..10,000.
        scope: Lines in scope.
        after_amounts: Apply after amount-off discounts in the same stack (default: before).
    """

    percent_bp: int
    scope: Scope
    after_amounts: bool = False

    def __post_init__(self) -> None:
        _percent(self.percent_bp, "rule.percent_bp")


@dataclass(frozen=True)
class AmountOff:
    """A fixed amount off each unit in scope (per weighed line), or off the basket total.

    Attributes:
        amount: Minor units.
        scope: Lines in scope.
    """

    amount: int
    scope: Scope

    def __post_init__(self) -> None:
        _positive(self.amount, "rule.amount")


@dataclass(frozen=True)
class MultiBuy:
    """Buy X get Y: in each group of X + Y units in scope the Y cheapest get ``percent_bp`` off.

    "3 for 2" is ``MultiBuy(buy=2, get=1)``; it repeats (6 units -> 2 free) unless capped.

    Attributes:
        buy: Units paid in full per group.
        get: Cheapest units discounted per group.
        scope: Units that may take part.
        percent_bp: Discount on the Y units; 10,000 (free) by default.
        max_applications: Groups per basket, or None for no cap.
    """

    buy: int
    get: int
    scope: Scope
    percent_bp: int = BASIS_POINTS
    max_applications: int | None = None

    def __post_init__(self) -> None:
        _positive(self.buy, "rule.buy")
        _positive(self.get, "rule.get")
        _percent(self.percent_bp, "rule.percent_bp")
        if self.max_applications is not None:
            _positive(self.max_applications, "rule.max_applications")


@dataclass(frozen=True)
class BuyGet:
    """Buy ``buy_qty`` units from ``buy_scope``, get ``get_qty`` units from ``get_scope`` at
    ``percent_bp`` off (10,000: free). "Buy a coffee, get a croissant free" is
    ``BuyGet(Scope(skus={"coffee"}), 1, Scope(categories={"pastry"}), 1)``.

    Which units are the "get" ones is chosen best for the customer, that is with the largest
    discount: with a 2.40 and a 1.90 pastry and one coffee, the 2.40 pastry is free. Scopes
    may overlap; then any unit in both may fill either part, so "buy 2 coffees, get a coffee
    free" frees the dearest of three coffees (a ``MultiBuy`` frees the cheapest).

    Attributes:
        buy_scope: Units that qualify.
        buy_qty: Qualifying units per application (paid in full).
        get_scope: Units that may be discounted.
        get_qty: Discounted units per application.
        percent_bp: Discount on each "get" unit, 1..10,000 (10,000 = free).
        max_applications: Applications per basket, or None for no cap.
    """

    buy_scope: Scope
    buy_qty: int
    get_scope: Scope
    get_qty: int = 1
    percent_bp: int = BASIS_POINTS
    max_applications: int | None = None

    def __post_init__(self) -> None:
        _positive(self.buy_qty, "rule.buy_qty")
        _positive(self.get_qty, "rule.get_qty")
        _percent(self.percent_bp, "rule.percent_bp")
        if self.max_applications is not None:
            _positive(self.max_applications, "rule.max_applications")


@dataclass(frozen=True)
class BundleComponent:
    """One slot family of a bundle: ``qty`` units from ``scope``."""

    scope: Scope
    qty: int = 1

    def __post_init__(self) -> None:
        _positive(self.qty, "rule.components.qty")


@dataclass(frozen=True)
class Bundle:
    """Units bought together for a fixed price.

    "Any 3 snacks for 5.00" is one component of qty 3; "pasta + sauce for 4.99" is two
    components of qty 1.

    Attributes:
        components: What one bundle is made of.
        price: Price of one complete bundle, minor units.
        max_applications: Bundles per basket, or None for no cap.
    """

    components: tuple[BundleComponent, ...]
    price: int
    max_applications: int | None = None

    def __post_init__(self) -> None:
        if sum(component.qty for component in self.components) < 2:
            raise InvalidPromotion("rule.components", "a bundle needs at least two items")
        if type(self.price) is not int or self.price < 0:
            raise InvalidPromotion("rule.price", "must be non-negative minor units")
        if self.max_applications is not None:
            _positive(self.max_applications, "rule.max_applications")


@dataclass(frozen=True)
class ThresholdTier:
    """Reach ``min_spend`` and get money off and/or bonus points."""

    min_spend: int
    amount_off: int = 0
    percent_bp: int = 0
    bonus_points: int = 0

    def __post_init__(self) -> None:
        _positive(self.min_spend, "rule.tiers.min_spend")
        if self.amount_off < 0 or self.bonus_points < 0:
            raise InvalidPromotion("rule.tiers", "benefits must not be negative")
        if self.percent_bp:
            _percent(self.percent_bp, "rule.tiers.percent_bp")
        if not (self.amount_off or self.percent_bp or self.bonus_points):
            raise InvalidPromotion("rule.tiers", "a tier must give something")


class SpendBasis(StrEnum):
    """What a spend threshold counts: the basket with its tax (gross) or without (net)."""

    GROSS = "gross"
    NET = "net"


WHOLE_BASKET = Scope(whole_basket=True)


@dataclass(frozen=True)
class SpendThreshold:
    """Spend thresholds on the total after item discounts; the highest tier reached applies.

    The spend counted is the basket after item discounts, with tax (``basis`` gross, the
    default) or without it (net), each by ``promotions.tax``'s per-rate rule. In a store with
    tax-inclusive prices and no tax on the basket both are the sum of the line prices. The
    discount a tier gives is taken from the line amounts as the store's prices are entered.

    A threshold with a narrower ``scope`` counts only the lines in scope and takes its discount
    from those lines only ("spend 40.00 on coffee, 10 % off coffee": coffee lines after item
    offers 42.00 plus 12.00 of milk -> 4.20 off, spread over the coffee lines; with 38.00 of
    coffee and 30.00 of milk, nothing). Such a threshold gives money only: bonus points on the
    spend of a category are an earning rule.

    Attributes:
        tiers: Tiers in strictly ascending ``min_spend`` order.
        basis: Whether ``min_spend`` counts gross or net spend.
        scope: The lines counted and discounted; the whole basket by default.
    """

    tiers: tuple[ThresholdTier, ...]
    basis: SpendBasis = SpendBasis.GROSS
    scope: Scope = WHOLE_BASKET

    def __post_init__(self) -> None:
        if not self.tiers:
            raise InvalidPromotion("rule.tiers", "a threshold needs at least one tier")
        spends = [tier.min_spend for tier in self.tiers]
        if spends != sorted(set(spends)):
            raise InvalidPromotion("rule.tiers", "tiers must ascend by min_spend")
        if not isinstance(self.basis, SpendBasis):
            raise InvalidPromotion("rule.basis", "a threshold counts 'gross' or 'net' spend")
        if not self.scope.whole_basket and any(tier.bonus_points for tier in self.tiers):
            raise InvalidPromotion("rule.tiers", "a threshold on some products gives money off, not points")

    def reached(self, spend: Spend) -> ThresholdTier | None:
        """Return the highest tier the basket's spend (on this threshold's basis) reaches, or None."""
        return self.tier_for(spend.net if self.basis is SpendBasis.NET else spend.gross)

    def tier_for(self, spend: int) -> ThresholdTier | None:
        """Return the highest tier ``spend`` reaches, or None."""
        reached = None
        for tier in self.tiers:
            if spend >= tier.min_spend:
                reached = tier
        return reached


@dataclass(frozen=True)
class BonusPoints:
    """An earning rule: points on the lines in scope, under conditions (``promotions.earning_rules``).

    The rule's own points are the exact sum of its parts -- ``points_per`` per ``per_minor`` paid,
    ``unit_points`` per unit bought, ``extra_bp`` of the base rate on what is paid -- times
    ``multiplier_bp``, floored once; ``fixed_points`` are then added once per order. "Double points
    on Snacks" on top of base earning is ``extra_bp=10_000`` (one extra times the base rate); the
    same as a stand-alone rule is ``extra_bp=20_000, standalone=True``.

    Attributes:
        scope: Lines whose paid amount and units earn; lines that earn no points never count.
        extra_bp: Extra multiple of the base rate in basis points (10,000 = +1x).
        fixed_points: Points given once per order when the rule applies.
        points_per: Points per ``per_minor`` minor units paid on the scope (both 0, or both > 0).
        per_minor: See ``points_per`` (1 point per 2.00 is ``points_per=1, per_minor=200``).
        unit_points: Points per unit bought in scope (a weighed line is one unit).
        multiplier_bp: Scales the rule's own points, not ``fixed_points`` (20,000 = 2x).
        min_order_minor: The order (what the customer pays for the whole basket) must reach this.
        min_qty: Units bought in scope must reach this.
        standalone: The rule replaces base earning on its lines instead of adding to it.
    """

    scope: Scope
    extra_bp: int = 0
    fixed_points: int = 0
    points_per: int = 0
    per_minor: int = 0
    unit_points: int = 0
    multiplier_bp: int = BASIS_POINTS
    min_order_minor: int = 0
    min_qty: int = 0
    standalone: bool = False

    def __post_init__(self) -> None:
        counts = (self.extra_bp, self.fixed_points, self.points_per, self.per_minor, self.unit_points,
                  self.min_order_minor, self.min_qty)
        if any(type(v) is not int or v < 0 for v in counts):
            raise InvalidPromotion("rule", "earning rule figures must be non-negative ints")
        if bool(self.points_per) != bool(self.per_minor):
            raise InvalidPromotion("per_minor", "points per amount need both points_per and per_minor")
        _positive(self.multiplier_bp, "multiplier_bp")
        if not (self.extra_bp or self.fixed_points or self.points_per or self.unit_points):
            raise InvalidPromotion(
                "rule", "an earning rule needs extra_bp, fixed_points, points_per or unit_points")


Rule = MemberPrice | PercentOff | AmountOff | MultiBuy | BuyGet | Bundle | SpendThreshold | BonusPoints
ITEM_SIMPLE = (PercentOff, AmountOff)
GROUPED = (MultiBuy, BuyGet, Bundle)
