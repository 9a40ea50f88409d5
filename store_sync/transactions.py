"""The transaction a till posts: a sale, return or void, as one typed message for both sides.

The agent builds a `TillTransaction` when a sale completes and writes ``to_dict()`` to its journal
(the body of ``POST /api/v1/transactions`` and of a journal item); the server validates the body
with its API schema and loads it with `TillTransaction.from_dict`. Neither side builds or reads the
body as a hand-made dict.

What the message says is the till's account of the lane: what was scanned, what was paid, when.
The figures it carries (``paid_minor``, ``category``, ``excluded``, the points tender's value,
``points_earned``) are the till's; the server computes its own and records any difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from loyalty.transactions import TransactionKind  # one home: what a till posts, for the domain and the wire


class TenderKind(StrEnum):
    CASH = "cash"
    CARD = "card"
    POINTS = "points"
    VOUCHER = "voucher"


@dataclass(frozen=True)
class AppliedDiscount:
    """A discount the till applied to a line, naming the promotion version it came from."""

    promotion_id: str
    version: int
    label: str
    amount_minor: int
    coupon_code: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"promotion_id": self.promotion_id, "version": self.version, "label": self.label,
                "amount_minor": self.amount_minor, "coupon_code": self.coupon_code}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AppliedDiscount:
        return cls(data["promotion_id"], data["version"], data["label"], data["amount_minor"],
                   data.get("coupon_code"))


@dataclass(frozen=True)
class TransactionLine:
    """One line as the till sold it.

    Attributes:
        line_id: the line's id within its transaction.
        sku: the product; empty when the till sold something it could not name.
        qty: units (1 for a weighed line).
        paid_minor: what the till charged for the line after discounts.
        qty_milli: grams (or millilitres) of a weighed item, from its scale barcode.
        unit_price_minor: the price a price-embedded barcode carried.
        category: the till's idea of the product's category (the server uses its own).
        excluded: the till's idea of whether the product earns no points (the server uses its own).
        discounts: each discount the till applied.
        tax_minor: the till's tax for the line (its share of its rate's tax, ``promotions.tax``),
            checked by the server against its own; None from tills that do not send it.
    """

    line_id: str
    sku: str = ""
    qty: int = 1
    paid_minor: int = 0
    qty_milli: int | None = None
    unit_price_minor: int | None = None
    category: str = ""
    excluded: bool = False
    discounts: tuple[AppliedDiscount, ...] = ()
    tax_minor: int | None = None

    def to_dict(self) -> dict[str, Any]:
        found = {"line_id": self.line_id, "sku": self.sku, "qty": self.qty, "paid_minor": self.paid_minor,
                 "category": self.category, "excluded": self.excluded,
                 "discounts": [d.to_dict() for d in self.discounts]}
        if self.qty_milli is not None:
            found["qty_milli"] = self.qty_milli
        if self.unit_price_minor is not None:
            found["unit_price_minor"] = self.unit_price_minor
        if self.tax_minor is not None:
            found["tax_minor"] = self.tax_minor
        return found

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TransactionLine:
        return cls(line_id=data["line_id"], sku=data.get("sku") or "", qty=data.get("qty", 1),
                   paid_minor=data.get("paid_minor", 0), qty_milli=data.get("qty_milli"),
                   unit_price_minor=data.get("unit_price_minor"), category=data.get("category") or "",
                   excluded=bool(data.get("excluded", False)),
                   discounts=tuple(AppliedDiscount.from_dict(d) for d in data.get("discounts") or ()),
                   tax_minor=data.get("tax_minor"))


@dataclass(frozen=True)
class TenderLine:
    """What one tender paid; a points tender also says how many points it took."""

    kind: TenderKind
    amount_minor: int
    points: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "amount_minor": self.amount_minor, "points": self.points}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TenderLine:
        return cls(TenderKind(data["kind"]), data["amount_minor"], data.get("points", 0))


@dataclass(frozen=True)
class TakenRewardLine:
    """A reward the till let the member take with points (``promotions.rewards``): the server prices
    the same claim itself and checks the points."""

    reward_id: str
    times: int = 1
    points: int = 0  # the till's figure of what the takes cost

    def to_dict(self) -> dict[str, Any]:
        return {"reward_id": self.reward_id, "times": self.times, "points": self.points}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TakenRewardLine:
        return cls(data["reward_id"], data.get("times", 1), data.get("points", 0))


@dataclass(frozen=True)
class TillTransaction:
    """A sale, return or void as the till posts it (see the module docstring).

    Attributes:
        id: the till's id (UUIDv7), the idempotency key everywhere.
        kind: sale, return or void.
        store, terminal: who made it.
        at: when it happened at the till (UTC).
        offline: the till made it without the server.
        card_number: the member card presented, if any.
        lines, tenders: what was sold and how it was paid.
        hold_id: the server's points hold an online sale redeems against.
        coupon_hold_id: the server's reservation of the sale's limited coupons (online).
        original_id: the sale a return or void undoes.
        points_earned, points_redeemed: the till's own figures, checked by the server.
        coupons: the coupon codes the sale redeemed.
        feed_cursor: the till's change-feed cursor when it priced the sale.
        cashier_id: the staff user signed in at the till (None at a till where nobody signs in).
        approved_by: the manager whose PIN approved a void or a refund above the till's limit.
        programme_version: the loyalty programme version the till applied (the one in force at
            ``at`` among those it had); the server re-checks an offline sale with it.
        rewards: the rewards the member took with points (their discounts are on the lines).
    """

    id: str
    kind: TransactionKind
    store: str
    terminal: str
    at: datetime
    lines: tuple[TransactionLine, ...] = ()
    tenders: tuple[TenderLine, ...] = ()
    offline: bool = False
    card_number: str | None = None
    hold_id: str | None = None
    coupon_hold_id: str | None = None
    original_id: str | None = None
    points_earned: int | None = None
    points_redeemed: int | None = None
    coupons: tuple[str, ...] = ()
    feed_cursor: int | None = None
    cashier_id: str | None = None
    approved_by: str | None = None
    programme_version: int | None = None
    rewards: tuple[TakenRewardLine, ...] = ()

    @property
    def reward_points(self) -> int:
        """Points the till says the rewards cost."""
        return sum(r.points for r in self.rewards)

    @property
    def points_tendered(self) -> int:
        """Points the till says the customer paid with."""
        return sum(t.points for t in self.tenders if t.kind is TenderKind.POINTS)

    @property
    def points_tender_minor(self) -> int:
        """What the till counted those points as worth."""
        return sum(t.amount_minor for t in self.tenders if t.kind is TenderKind.POINTS)

    def to_dict(self) -> dict[str, Any]:
        """The wire body (JSON-ready)."""
        found: dict[str, Any] = {
            "id": self.id, "kind": self.kind.value, "store": self.store, "terminal": self.terminal,
            "at": self.at.isoformat(), "offline": self.offline, "card_number": self.card_number,
            "lines": [line.to_dict() for line in self.lines], "tenders": [t.to_dict() for t in self.tenders],
            "coupons": list(self.coupons), "hold_id": self.hold_id,
            "points_earned": self.points_earned, "points_redeemed": self.points_redeemed,
            "feed_cursor": self.feed_cursor,
        }
        if self.programme_version is not None:
            found["programme_version"] = self.programme_version
        if self.original_id is not None:
            found["original_id"] = self.original_id
        if self.coupon_hold_id is not None:
            found["coupon_hold_id"] = self.coupon_hold_id
        if self.cashier_id is not None:
            found["cashier_id"] = self.cashier_id
        if self.approved_by is not None:
            found["approved_by"] = self.approved_by
        if self.rewards:
            found["rewards"] = [r.to_dict() for r in self.rewards]
        return found

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TillTransaction:
        """Read a wire body that has passed the API's schema (fields missing there take their defaults)."""
        return cls(
            id=data["id"], kind=TransactionKind(data["kind"]), store=data["store"], terminal=data["terminal"],
            at=datetime.fromisoformat(data["at"]).astimezone(UTC), offline=bool(data.get("offline", False)),
            card_number=data.get("card_number"),
            lines=tuple(TransactionLine.from_dict(line) for line in data.get("lines") or ()),
            tenders=tuple(TenderLine.from_dict(t) for t in data.get("tenders") or ()),
            hold_id=data.get("hold_id"), coupon_hold_id=data.get("coupon_hold_id"),
            original_id=data.get("original_id"), points_earned=data.get("points_earned"),
            points_redeemed=data.get("points_redeemed"), coupons=tuple(data.get("coupons") or ()),
            feed_cursor=data.get("feed_cursor"), cashier_id=_text(data.get("cashier_id")),
            approved_by=_text(data.get("approved_by")), programme_version=data.get("programme_version"),
            rewards=tuple(TakenRewardLine.from_dict(r) for r in data.get("rewards") or ()))


def _text(value: Any) -> str | None:
    """An id the API schema may have loaded as a UUID, as the till wrote it."""
    return None if value is None else str(value)
