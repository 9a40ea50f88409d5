"""A basket at the till: what was scanned, who the member is, points and tenders. Plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from promotions import PromotionUse


class BasketState(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


@dataclass
class Item:
    line_id: str
    sku: str
    name: str
    unit_price: int
    category: str = ""
    excluded: bool = False
    qty: int = 1
    qty_milli: int | None = None
    price_override: int | None = None  # a price-embedded barcode sets the line's price
    tax_rate_bp: int = 0  # the product's tax class rate when it was scanned (2000 = 20 %)


@dataclass
class MemberAtTill:
    """The member attached to a basket and where the till's knowledge of them came from.

    ``source`` is ``server`` (live look-up), ``cache`` (feed snapshot) or ``unknown`` (a valid
    card the till has never seen: the sale goes on, points are credited on sync).
    """

    card_number: str
    source: str
    member_id: str | None = None
    name: str = ""
    tier: str | None = None
    available: int = 0
    balance: int = 0
    as_of: datetime | None = None
    segments: tuple[str, ...] = ()
    promotion_uses: tuple[PromotionUse, ...] = ()  # limited offers used: the snapshot's log and this till's sales
    clipped: tuple[str, ...] = ()  # personal offers clipped on the member page, as the snapshot lists them


@dataclass
class PointsRedemption:
    points: int
    value_minor: int
    offline: bool
    hold_id: str | None = None
    held_at: datetime | None = None  # when the till placed the hold, by its own clock


@dataclass
class Tender:
    kind: str
    amount_minor: int
    points: int = 0
    given_minor: int = 0  # cash handed over; the change is given minus amount


@dataclass
class Basket:
    id: str
    opened_at: datetime
    offline: bool = False
    offline_reason: str = ""
    items: list[Item] = field(default_factory=list)
    member: MemberAtTill | None = None
    coupons: list[str] = field(default_factory=list)
    redemption: PointsRedemption | None = None
    tenders: list[Tender] = field(default_factory=list)
    state: BasketState = BasketState.OPEN
    next_line: int = 1
    sale_id: str | None = None
    suspended_at: datetime | None = None  # parked at this till, to be resumed (still open)
    rewards: dict[str, int] = field(default_factory=dict)  # reward id -> takes (promotions.rewards)

    def new_line_id(self) -> str:
        line_id = str(self.next_line)
        self.next_line += 1
        return line_id
