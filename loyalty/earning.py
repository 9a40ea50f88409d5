"""How many points a sale earns.

Rule, in order, per line:

1. Start from what the line cost after every discount (`paid_minor`).
2. Unless the programme earns on the amount after discounts only (`Basis.AFTER_DISCOUNTS`),
   take off the line's share of the part of the sale paid with points; that share is the
   points tender spread over all lines in proportion to `paid_minor`, by largest remainder
   (`loyalty.shares`, the same split the pricing engine uses for discounts).
3. Lines that earn no points (`earns_no_points`: a product flagged excluded or listed in the
   rules' excluded products, or one in an excluded category such as tobacco or gift cards) earn
   nothing; nor do lines whose base earning a stand-alone earning rule replaced
   (`SaleLine.base_replaced`, decided by the promotions engine, which gives those lines the rule's
   points instead).
4. Exact points = eligible minor units x points_per_unit / unit_minor x category multiplier x
   tier multiplier, kept as a Fraction (no float ever touches it). A product with points per
   unit (`unit_points`) earns qty x its points x the multipliers instead, whatever it cost.

Rounding (explicit, `Rounding`): by default the exact points of the whole sale are added up and
floored once (PER_TRANSACTION); PER_LINE floors each line first. Either way the integer points of
each line are recorded (for PER_TRANSACTION the floored total is spread over the lines by largest
remainder), so a later return takes back exactly what its lines earned.

Worked example (1 point per 1.00, wine x2, tier "gold" x1.5, PER_TRANSACTION):
bread 2.49 -> 2.49 x 1.5 = 3.735; wine 12.99 -> 12.99 x 2 x 1.5 = 38.97; cigarettes 8.50
excluded -> 0; total 42.705 -> 42 points, recorded as bread 3, wine 39, cigarettes 0.

Worked example (1 point per 10.00, floored): a 57.30 sale earns 5 points; 9.99 earns none.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from fractions import Fraction

from loyalty.entries import Entry, EntryKind
from loyalty.exceptions import InvalidValue
from loyalty.expiry import ExpiryPolicy
from loyalty.guards import require_non_negative, require_positive
from loyalty.ids import entry_id
from loyalty.money import require_ratio
from loyalty.shares import largest_remainder


class Basis(StrEnum):
    """What points are computed on."""

    AFTER_POINTS = "after_points"  # what the lines cost after discounts, less the points tender
    AFTER_DISCOUNTS = "after_discounts"  # what the lines cost after discounts, points tender included


class Rounding(StrEnum):
    """Where fractional points are dropped."""

    PER_TRANSACTION = "per_transaction"
    PER_LINE = "per_line"


@dataclass(frozen=True)
class SaleLine:
    """A line of a sale as far as points are concerned.

    Attributes:
        line_id: the line's id within its sale.
        paid_minor: what the line cost after all discounts, before tenders (minor units).
        qty: units sold (or milli-units for weighed goods); returns are counted in the same unit.
        category: the product's category, for category multipliers.
        excluded: the product is flagged as never earning points; whether the line earns is
            `earns_no_points`, which also looks at the category and the excluded products.
        sku: the product, for excluded products and points per unit.
        base_replaced: a stand-alone earning rule gives this line its points instead of this
            base earning (`promotions.PricedLine.base_replaced_by`).
    """

    line_id: str
    paid_minor: int
    qty: int = 1
    category: str = ""
    excluded: bool = False
    sku: str = ""
    base_replaced: bool = False

    def __post_init__(self) -> None:
        require_non_negative(self.paid_minor, "paid_minor")
        require_positive(self.qty, "qty")


@dataclass(frozen=True)
class EarningRules:
    """The chain's earning rules.

    Attributes:
        points_per_unit: points per currency unit paid, e.g. 1.
        unit_minor: minor units in a currency unit, e.g. 100.
        category_multipliers: category -> int or Fraction, e.g. {"wine": 2}; default 1.
        tier_multipliers: tier name -> int or Fraction, e.g. {"gold": Fraction(3, 2)}.
        rounding: see `Rounding`.
        excluded_categories: categories whose goods never earn points, e.g. {"tobacco"}.
        excluded_products: skus that never earn points.
        unit_points: sku -> points per unit sold, earned instead of points per amount.
        basis: see `Basis`.
    """

    points_per_unit: int = 1
    unit_minor: int = 100
    category_multipliers: Mapping[str, int | Fraction] = field(default_factory=dict)
    tier_multipliers: Mapping[str, int | Fraction] = field(default_factory=dict)
    rounding: Rounding = Rounding.PER_TRANSACTION
    excluded_categories: Collection[str] = frozenset()
    excluded_products: Collection[str] = frozenset()
    unit_points: Mapping[str, int] = field(default_factory=dict)
    basis: Basis = Basis.AFTER_POINTS

    def __post_init__(self) -> None:
        require_non_negative(self.points_per_unit, "points_per_unit")
        require_positive(self.unit_minor, "unit_minor")
        for name, value in {**self.category_multipliers, **self.tier_multipliers}.items():
            require_ratio(value, f"multiplier {name}")
        for sku, points in self.unit_points.items():
            require_non_negative(points, f"unit points of {sku}")
        object.__setattr__(self, "rounding", Rounding(self.rounding))
        object.__setattr__(self, "basis", Basis(self.basis))
        object.__setattr__(self, "excluded_categories", frozenset(self.excluded_categories))
        object.__setattr__(self, "excluded_products", frozenset(self.excluded_products))

    def multiplier(self, category: str, tier: str | None) -> Fraction:
        """Return the category multiplier times the tier multiplier."""
        by_category = Fraction(self.category_multipliers.get(category, 1))
        by_tier = Fraction(self.tier_multipliers.get(tier, 1)) if tier else Fraction(1)
        return by_category * by_tier


def earns_no_points(category: str | None, excluded: bool, rules: EarningRules, sku: str = "") -> bool:
    """Return True if a line earns no points: its product is flagged or excluded by the rules, or
    its category is excluded.

    The one home of the rule (`no_points_reason` says why in words): `compute_earning` applies it,
    and the server and the till ask it for the flag they hand the pricing engine (bonus points),
    so all three agree.

    Example:
        >>> rules = EarningRules(excluded_categories={"tobacco"})
        >>> earns_no_points("tobacco", False, rules), earns_no_points("wine", True, rules)
        (True, True)
        >>> earns_no_points("wine", False, rules)
        False
    """
    return no_points_reason(category, excluded, rules, sku) is not None


def no_points_reason(category: str | None, excluded: bool, rules: EarningRules, sku: str = "") -> str | None:
    """Return why a line earns no points, in words for a cashier or a member; None if it earns.

    An excluded category is named before the product's own flag (or the programme's list of excluded
    products), as it is the rule a member can recognise on the shelf.

    Example:
        >>> rules = EarningRules(excluded_categories={"tobacco"})
        >>> no_points_reason("tobacco", True, rules), no_points_reason("wine", True, rules)
        ('tobacco earns no points', 'this product earns no points')
        >>> no_points_reason("wine", False, rules) is None
        True
    """
    if category is not None and category in rules.excluded_categories:
        return f"{category} earns no points"
    excluded = excluded or (bool(sku) and sku in rules.excluded_products)
    return "this product earns no points" if excluded else None


@dataclass(frozen=True)
class Earning:
    """Points a sale earns, total and per line.

    Attributes:
        points: the sale's points (base, before promotion bonuses).
        line_points: line_id -> the integer points of that line; they sum to `points`.
        eligible_minor: the minor units that earned points.
    """

    points: int
    line_points: Mapping[str, int]
    eligible_minor: int


def compute_earning(
    lines: Sequence[SaleLine],
    rules: EarningRules,
    *,
    tier: str | None = None,
    points_tender_minor: int = 0,
) -> Earning:
    """Compute the points `lines` earn for a member of `tier` (see the module docstring).

    Raises:
        InvalidValue: the points tender exceeds what the sale cost, or line ids repeat.
    """
    require_non_negative(points_tender_minor, "points_tender_minor")
    total_paid = sum(line.paid_minor for line in lines)
    if points_tender_minor > total_paid:
        raise InvalidValue("points_tender_minor", points_tender_minor, "exceeds the sale total")
    if len({line.line_id for line in lines}) != len(lines):
        raise InvalidValue("lines", [line.line_id for line in lines], "line ids must be unique")
    tender = points_tender_minor if rules.basis is Basis.AFTER_POINTS else 0
    shares = largest_remainder(tender, [line.paid_minor for line in lines])
    eligible = [
        0 if ln.base_replaced or earns_no_points(ln.category, ln.excluded, rules, ln.sku) else ln.paid_minor - share
        for ln, share in zip(lines, shares, strict=True)
    ]
    exact = [_exact(line, amount, rules, tier) for line, amount in zip(lines, eligible, strict=True)]
    if rules.rounding is Rounding.PER_LINE:
        points = [math.floor(value) for value in exact]
    else:
        points = _floor_total(exact)
    return Earning(
        points=sum(points),
        line_points={line.line_id: p for line, p in zip(lines, points, strict=True)},
        eligible_minor=sum(eligible),
    )


def _exact(line: SaleLine, eligible_minor: int, rules: EarningRules, tier: str | None) -> Fraction:
    multiplier = rules.multiplier(line.category, tier)
    if line.sku in rules.unit_points:
        if line.base_replaced or earns_no_points(line.category, line.excluded, rules, line.sku):
            return Fraction(0)
        return line.qty * rules.unit_points[line.sku] * multiplier
    return eligible_minor * Fraction(rules.points_per_unit, rules.unit_minor) * multiplier


def _floor_total(exact: Sequence[Fraction]) -> list[int]:
    # Each line gets the floor or the ceiling of its own exact points: the points dropped by
    # flooring each line are handed back, largest fraction first, up to the floored total.
    points = [math.floor(value) for value in exact]
    left = math.floor(sum(exact, Fraction(0))) - sum(points)
    order = sorted(range(len(exact)), key=lambda i: (points[i] - exact[i], i))
    for i in order[:left]:
        points[i] += 1
    return points


@dataclass(frozen=True)
class Bonus:
    """Bonus points a promotion gave this sale (decided by `promotions`, passed in as data)."""

    promotion_id: str
    points: int

    def __post_init__(self) -> None:
        require_positive(self.points, "points")


def earn_entries(
    transaction_id: str,
    account_id: str,
    at: datetime,
    earning: Earning,
    bonuses: Sequence[Bonus],
    policy: ExpiryPolicy,
) -> list[Entry]:
    """Return the ledger entries of a sale's earning: one earn entry, one bonus per promotion.

    Ids derive from the transaction (and the promotion), so posting the sale twice is a no-op.
    Zero-point entries are left out.
    """
    expires_at = policy.expires_at(at)
    entries = []
    if earning.points:
        entries.append(
            Entry(
                entry_id(transaction_id, "earn"),
                account_id,
                EntryKind.EARN,
                earning.points,
                at,
                expires_at,
                source_id=transaction_id,
            )
        )
    by_promotion: dict[str, int] = {}
    for bonus in bonuses:
        by_promotion[bonus.promotion_id] = by_promotion.get(bonus.promotion_id, 0) + bonus.points
    for promotion_id, points in sorted(by_promotion.items()):
        entries.append(
            Entry(
                entry_id(transaction_id, "bonus", promotion_id),
                account_id,
                EntryKind.BONUS,
                points,
                at,
                expires_at,
                source_id=transaction_id,
                reason=promotion_id,
            )
        )
    return entries
