"""Returns and voids: undo exactly what a sale did to points, part by part.

Every figure is computed cumulatively: what is owed after this return minus what was owed after
the earlier ones, each floored from the exact share of the whole sale. The parts of a sale
returned in several goes therefore add up to exactly the sale's figures, whatever the split:
rounding moves a point or a cent between parts, never out of the sale.

* Earned points come back per line: a line of `qty` units that earned `p` points owes
  floor(p x returned / qty) after a return of `returned` units.
* The value refunded comes back per line the same way: floor(paid_minor x returned / qty).
* Bonus points, redeemed points and the money paid with points come back in proportion to the
  value refunded so far over the sale's total.
* Points spent on rewards (``promotions.rewards``) come back per reward in proportion to the part
  of the reward's discount that sat on the units returned: a reward that took ``d_l`` off line
  ``l`` of ``qty_l`` units owes floor(points x sum(d_l x returned_l / qty_l) / sum(d_l)). Returning
  the free croissant gives its 250 points back; returning the coffee beside it gives none.
* Redeemed points given back form a new lot expiring by the policy from the return time.

Worked example: a sale of 2 coffees (6.00) with "1.00 off coffee" taken twice for 300 points,
returned one coffee at a time: the first return gives floor(300 x 100 / 200) = 150 points back,
the second the other 150.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction

from loyalty.earning import SaleLine
from loyalty.entries import Entry, EntryKind
from loyalty.exceptions import InvalidValue, ReturnExceedsSale
from loyalty.expiry import ExpiryPolicy
from loyalty.guards import require_non_negative
from loyalty.ids import entry_id


@dataclass(frozen=True)
class RewardRecord:
    """A reward a sale took with points: what it cost and what it took off each line.

    Attributes:
        reward_id: The reward (its promotion id).
        points: The points it cost.
        line_discounts: line_id -> minor units the reward took off that line.
    """

    reward_id: str
    points: int
    line_discounts: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        require_non_negative(self.points, "points")
        for line_id, amount in self.line_discounts.items():
            require_non_negative(amount, f"line_discounts[{line_id}]")

    def owed(self, sale_lines: tuple[SaleLine, ...], returned: Mapping[str, int]) -> int:
        """Points owed back once ``returned`` units of the sale's lines have come back (cumulative)."""
        given = sum(self.line_discounts.values())
        quantities = {line.line_id: line.qty for line in sale_lines}
        if not given:  # a reward that took nothing: only a complete return gives it back
            whole = all(returned.get(line.line_id, 0) == line.qty for line in sale_lines)
            return self.points if whole else 0
        back = sum(Fraction(amount * returned.get(line_id, 0), quantities[line_id])
                   for line_id, amount in self.line_discounts.items() if quantities.get(line_id))
        return math.floor(self.points * back / given)


@dataclass(frozen=True)
class SaleRecord:
    """What a sale did to points, as the ledger recorded it.

    Attributes:
        transaction_id: the till's id of the sale.
        account_id: the member's account.
        lines: the sale's lines (qty and paid_minor after discounts).
        line_points: line_id -> points the line earned (`Earning.line_points`).
        bonus_points: all promotion bonus points of the sale.
        redeemed_points: points the sale took as a tender.
        points_tender_minor: what those points paid, in minor units.
        money_tenders: tender kind (cash, card...) -> what it paid, in minor units; with the points
            tender they pay the sale. Empty when unknown: the money then goes back as cash.
        rewards: the rewards the sale took with points.
    """

    transaction_id: str
    account_id: str
    lines: tuple[SaleLine, ...]
    line_points: Mapping[str, int] = field(default_factory=dict)
    bonus_points: int = 0
    redeemed_points: int = 0
    points_tender_minor: int = 0
    money_tenders: Mapping[str, int] = field(default_factory=dict)
    rewards: tuple[RewardRecord, ...] = ()

    def __post_init__(self) -> None:
        for what in ("bonus_points", "redeemed_points", "points_tender_minor"):
            require_non_negative(getattr(self, what), what)
        if self.points_tender_minor > self.total_minor:
            raise InvalidValue("points_tender_minor", self.points_tender_minor, "exceeds the sale")
        for kind, amount in self.money_tenders.items():
            require_non_negative(amount, f"money_tenders[{kind}]")
        if self.money_tenders and sum(self.money_tenders.values()) != self.total_minor - self.points_tender_minor:
            raise InvalidValue("money_tenders", sum(self.money_tenders.values()), "do not pay the sale")

    @property
    def total_minor(self) -> int:
        """What the sale cost after discounts."""
        return sum(line.paid_minor for line in self.lines)


@dataclass(frozen=True)
class ReturnOutcome:
    """What one return gives and takes back.

    Attributes:
        entries: the ledger entries (reverse kind), ids derived from the return's id.
        points_taken_back: earned and bonus points removed from the member.
        points_given_back: redeemed points (the points tender's and the rewards') restored to the member.
        refund_minor: value of the returned goods (after discounts).
        points_tender_refund_minor: the part of `refund_minor` that was paid with points (and is
            refunded as points, not as money).
        line_refunds: line_id -> the part of `refund_minor` each returned line refunds; they add
            up to `refund_minor` exactly.
        money_refunds: tender kind -> the part of `money_refund_minor` going back to it (non-cash
            tenders first, cash last; all the returns of a sale give each tender back exactly what
            it paid); empty when the sale's money tenders are not known.
    """

    entries: tuple[Entry, ...]
    points_taken_back: int
    points_given_back: int
    refund_minor: int
    points_tender_refund_minor: int
    line_refunds: Mapping[str, int] = field(default_factory=dict)
    money_refunds: Mapping[str, int] = field(default_factory=dict)

    @property
    def money_refund_minor(self) -> int:
        """What goes back to the money tenders."""
        return self.refund_minor - self.points_tender_refund_minor


def _owed(sale: SaleRecord, returned: Mapping[str, int]) -> tuple[int, int, int, int, int, int]:
    """Return (earned, bonus, redeemed, value, tender, reward points) owed back once `returned` is returned."""
    earned = 0
    for line in sale.lines:
        share = Fraction(returned.get(line.line_id, 0), line.qty)
        earned += math.floor(sale.line_points.get(line.line_id, 0) * share)
    value = sum(_line_values(sale, returned).values())
    # Proportions follow the integer cumulative refund, so the cents paid with points refunded by
    # one part never exceed that part's refund (floor(a) - floor(b) <= ceil(a - b)).
    if sale.total_minor:
        part = Fraction(value, sale.total_minor)
    else:  # nothing was paid: only a complete return gives anything back
        part = Fraction(all(returned.get(ln.line_id, 0) == ln.qty for ln in sale.lines))
    return (
        earned,
        math.floor(sale.bonus_points * part),
        math.floor(sale.redeemed_points * part),
        value,
        math.floor(sale.points_tender_minor * part),
        sum(reward.owed(sale.lines, returned) for reward in sale.rewards),
    )


def _line_values(sale: SaleRecord, returned: Mapping[str, int]) -> dict[str, int]:
    """line_id -> value owed back per line once `returned` is returned."""
    return {line.line_id: math.floor(line.paid_minor * Fraction(returned.get(line.line_id, 0), line.qty))
            for line in sale.lines}


def refunded_by_line(sale: SaleRecord, returned: Mapping[str, int]) -> dict[str, int]:
    """line_id -> value refunded so far per line once ``returned`` units have come back (cumulative)."""
    return _line_values(sale, returned)


def _after(sale: SaleRecord, before: Mapping[str, int], now: Mapping[str, int]) -> dict[str, int]:
    quantities = {line.line_id: line.qty for line in sale.lines}
    after = dict(before)
    for line_id, qty in now.items():
        require_non_negative(qty, f"returned {line_id}")
        after[line_id] = after.get(line_id, 0) + qty
    for line_id, qty in after.items():
        if qty > quantities.get(line_id, 0):
            raise ReturnExceedsSale(line_id, quantities.get(line_id, 0), qty)
    return after


def reverse_return(
    sale: SaleRecord,
    return_id: str,
    at: datetime,
    returning: Mapping[str, int],
    returned_before: Mapping[str, int],
    policy: ExpiryPolicy,
) -> ReturnOutcome:
    """Undo the points of the returned part of `sale`.

    Args:
        sale: what the sale did.
        return_id: the till's id of this return (a new id per return).
        at: when the return happened.
        returning: line_id -> units returned now.
        returned_before: line_id -> units returned by earlier returns of the sale.
        policy: expiry of the points given back.

    Raises:
        ReturnExceedsSale: more units of a line than were sold would have come back.
    """
    after = _after(sale, returned_before, returning)
    owed_before = _owed(sale, returned_before)
    owed_after = _owed(sale, after)
    earned, bonus, redeemed, value, tender, rewards = (a - b for a, b in zip(owed_after, owed_before, strict=True))
    entries = []
    if earned + bonus:
        entries.append(_entry(sale, return_id, "return-earned", -(earned + bonus), at, None))
    if redeemed:
        expires_at = policy.expires_at(at)
        entries.append(_entry(sale, return_id, "return-redeemed", redeemed, at, expires_at))
    if rewards:
        entries.append(_entry(sale, return_id, "return-rewards", rewards, at, policy.expires_at(at)))
    values_before, values_after = _line_values(sale, returned_before), _line_values(sale, after)
    lines = {line_id: values_after[line_id] - values_before[line_id] for line_id, qty in returning.items() if qty}
    money = _money_refunds(sale.money_tenders, owed_before[3] - owed_before[4], owed_after[3] - owed_after[4])
    return ReturnOutcome(tuple(entries), earned + bonus, redeemed + rewards, value, tender, lines, money)


def _money_refunds(paid: Mapping[str, int], before: int, after: int) -> dict[str, int]:
    """Split the money refunded between ``before`` and ``after`` (cumulative) over the tenders that
    paid: card and other non-cash tenders first, each up to what it paid, cash last. A sale paid
    by card never turns into cash at the till, and all the returns of a sale together give each
    tender back exactly what it paid."""
    if not paid:
        return {}
    refunds, start = {}, 0
    for kind in sorted(paid, key=lambda kind: (kind == "cash", kind)):
        refunds[kind] = _share(after, start, paid[kind]) - _share(before, start, paid[kind])
        start += paid[kind]
    return refunds


def _share(refunded: int, start: int, paid: int) -> int:
    """What a tender has given back once ``refunded`` in all went back, tenders before it first."""
    return min(max(refunded - start, 0), paid)


def void_sale(
    sale: SaleRecord,
    void_id: str,
    at: datetime,
    policy: ExpiryPolicy,
    returned_before: Mapping[str, int] | None = None,
) -> ReturnOutcome:
    """Undo everything `sale` did (that earlier returns have not already undone)."""
    before = dict(returned_before or {})
    rest = {line.line_id: line.qty - before.get(line.line_id, 0) for line in sale.lines}
    return reverse_return(sale, void_id, at, rest, before, policy)


def _entry(
    sale: SaleRecord,
    return_id: str,
    purpose: str,
    points: int,
    at: datetime,
    expires_at: datetime | None,
) -> Entry:
    return Entry(
        id=entry_id(return_id, purpose),
        account_id=sale.account_id,
        kind=EntryKind.REVERSE,
        points=points,
        at=at,
        expires_at=expires_at,
        source_id=return_id,
        reason=f"reverses {sale.transaction_id}",
    )
