"""What comes in to be priced: basket lines, the member, the store and the presented coupons.

All of it is plain data the caller copies out of its own storage (the server's database or a
till's cache). The engine never looks anything up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from zoneinfo import ZoneInfo

from promotions.exceptions import InvalidBasket
from promotions.money import weighed_amount
from promotions.rewards import RewardClaim
from promotions.tax import check_rate

_EMPTY: Mapping[str, int] = MappingProxyType({})


@dataclass(frozen=True)
class BasketLine:
    """One scanned line.

    Counted goods use ``qty`` (units); weighed goods set ``qty_milli`` (thousandths of the unit
    the price is per, e.g. grams of a kilo) and leave ``qty`` at 1. Weighed lines take member
    prices and percentage/amount discounts but never count towards multi-buys or bundles,
    because "buy 3" of 0.4 kg of cheese has no meaning.

    Attributes:
        line_id: Unique within the basket; results refer to it.
        sku: Product identifier.
        unit_price: Base (shelf) price of one unit, minor units.
        qty: Units for counted goods.
        qty_milli: Thousandths of a unit for weighed goods, else None.
        category: Category identifier used by category promotions.
        excluded_from_points: True for goods that earn no points (tobacco, gift cards).
        tax_rate_bp: The product's tax rate in basis points (2,000 = 20 % VAT); 0 when untaxed.
    """

    line_id: str
    sku: str
    unit_price: int
    qty: int = 1
    qty_milli: int | None = None
    category: str = ""
    excluded_from_points: bool = False
    tax_rate_bp: int = 0

    def __post_init__(self) -> None:
        check_rate(self.tax_rate_bp)
        if type(self.unit_price) is not int or self.unit_price < 0:
            raise InvalidBasket("unit_price", "must be a non-negative int of minor units")
        if type(self.qty) is not int or self.qty < 1:
            raise InvalidBasket("qty", "must be a positive int")
        if self.qty_milli is not None and (type(self.qty_milli) is not int or self.qty_milli < 1):
            raise InvalidBasket("qty_milli", "must be a positive int of thousandths")
        if self.qty_milli is not None and self.qty != 1:
            raise InvalidBasket("qty", "a weighed line has qty 1 and its weight in qty_milli")

    @property
    def weighed(self) -> bool:
        """True when the line is sold by weight."""
        return self.qty_milli is not None

    @property
    def base_amount(self) -> int:
        """Shelf price of the whole line in minor units."""
        if self.qty_milli is not None:
            return weighed_amount(self.unit_price, self.qty_milli)
        return self.unit_price * self.qty


@dataclass(frozen=True)
class Member:
    """The member at the till, as far as pricing needs to know.

    Attributes:
        member_id: Member identifier (used by member-list targeting).
        tier: Tier code (``"gold"``) or None.
        segments: Segment ids the member belongs to.
        promotion_uses: Uses of each promotion in that promotion's current usage period
            (see ``promotions.windows.usage_period_start``), keyed by promotion id.
        clipped: Ids of the personal offers the member clipped to their card.
    """

    member_id: str
    tier: str | None = None
    segments: frozenset[str] = frozenset()
    promotion_uses: Mapping[str, int] = field(default_factory=lambda: _EMPTY)
    clipped: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PresentedCoupon:
    """A coupon code scanned or typed at the till, with its usage counts looked up by the caller.

    Attributes:
        code: The code as presented.
        uses_total: Times the code has been redeemed by anyone (single-use codes allow 0).
        uses_by_member: Times this member has redeemed it.
    """

    code: str
    uses_total: int = 0
    uses_by_member: int = 0


@dataclass(frozen=True)
class Store:
    """Where the sale happens.

    Attributes:
        store_id: Store identifier matched against promotion store scopes.
        timezone: IANA zone name of the store (``"Europe/Berlin"``); windows are local time.
        prices_include_tax: True when the store's prices are entered tax-inclusive (the shelf
            price is what the customer pays); False when tax is added on top (``promotions.tax``).
    """

    store_id: str
    timezone: str = "UTC"
    prices_include_tax: bool = True

    @property
    def zone(self) -> ZoneInfo:
        """The store's time zone."""
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class EarnConfig:
    """The simple base-earning rule the engine applies (loyalty owns the detailed rules).

    Base points = floor(points_per_unit * eligible amount paid / minor_per_unit), once per
    transaction, where the eligible amount is what the customer pays after every discount on
    lines not excluded from points.

    Attributes:
        points_per_unit: Points per whole currency unit (1 point per 1.00).
        minor_per_unit: Minor units in a currency unit (100 for EUR, 1 for JPY).
    """

    points_per_unit: int = 1
    minor_per_unit: int = 100


@dataclass(frozen=True)
class PricingRequest:
    """Everything the engine needs to price one basket.

    Attributes:
        lines: The basket lines, in scan order.
        store: The store and its time zone.
        at: The moment of the sale, an aware datetime (UTC by convention).
        member: The identified member, or None for an anonymous sale.
        coupons: Coupons presented, with usage counts.
        earn: Base earning rule.
        rewards: Rewards the member takes with points (``promotions.rewards``).
        exhausted: Ids of chain-capped promotions this basket may no longer have: the caller
            decides by ``promotions.chain_caps`` (server counts online, the till's allowance offline).
    """

    lines: tuple[BasketLine, ...]
    store: Store
    at: datetime
    member: Member | None = None
    coupons: tuple[PresentedCoupon, ...] = ()
    earn: EarnConfig = EarnConfig()
    rewards: tuple[RewardClaim, ...] = ()
    exhausted: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise InvalidBasket("at", "must be an aware datetime (UTC)")
        ids = [line.line_id for line in self.lines]
        if len(set(ids)) != len(ids):
            raise InvalidBasket("lines", "line ids must be unique")
