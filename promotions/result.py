"""What the engine returns: every line's prices and discounts, totals, points and coupons.

A sale keeps a copy of these (promotion id, version, label, amount per line), so receipts,
returns and reports never change when marketing later edits a promotion.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from promotions.exceptions import CouponNotApplicable
from promotions.rewards import RefusedReward, TakenReward
from promotions.tax import RateTax


class CouponRejection(StrEnum):
    """Why a presented coupon (or a promotion) did not apply."""

    UNKNOWN_CODE = "unknown_code"
    ALREADY_USED = "already_used"  # single-use code redeemed before
    MEMBER_LIMIT_REACHED = "member_limit_reached"
    MEMBER_REQUIRED = "member_required"
    NOT_ELIGIBLE = "not_eligible"  # targeting: tier, segment, list or hold-out
    NOT_ACTIVE = "not_active"  # outside its window or not in this store
    DUPLICATE = "duplicate"  # another code for the same promotion already applied
    NOT_APPLIED = "not_applied"  # valid, but nothing in the basket qualified or a better offer won
    CAP_REACHED = "cap_reached"  # its chain-wide usage cap is used up (promotions.chain_caps)


@dataclass(frozen=True)
class RejectedCoupon:
    """A presented coupon that gave nothing, and why."""

    code: str
    reason: CouponRejection
    promotion_id: str | None = None


@dataclass(frozen=True)
class Discount:
    """One promotion's discount on one line, as printed on the receipt and kept with the sale.

    Attributes:
        promotion_id: The promotion that gave it.
        promotion_version: Its version at pricing time.
        label: Receipt text ("Member price", "3 for 2 — Snacks").
        amount: Minor units taken off the line (positive).
        coupon_code: The code that unlocked it, if any.
    """

    promotion_id: str
    promotion_version: int
    label: str
    amount: int
    coupon_code: str | None = None


@dataclass(frozen=True)
class PricedLine:
    """One priced line: ``total == base_amount - sum(d.amount for d in discounts) >= 0`` where
    prices include tax, plus ``tax`` where tax is added on top; ``net + tax == total`` always.

    Attributes:
        line_id: The request line's id.
        sku: Product id.
        qty: Units (1 for weighed lines).
        qty_milli: Weight in thousandths, or None.
        base_unit_price: Shelf unit price.
        member_unit_price: Member unit price when one applied, else None.
        base_amount: Shelf price of the line.
        discounts: Member price first, then item offers, then basket offers.
        total: What the customer pays for the line, tax included.
        tax_rate_bp: The line's tax rate in basis points.
        tax: The line's share of its rate's tax (``promotions.tax``).
        base_replaced_by: The stand-alone earning rule (promotion id) whose points replace the
            line's base earning, or None.
    """

    line_id: str
    sku: str
    qty: int
    qty_milli: int | None
    base_unit_price: int
    member_unit_price: int | None
    base_amount: int
    discounts: tuple[Discount, ...]
    total: int
    tax_rate_bp: int = 0
    tax: int = 0
    base_replaced_by: str | None = None

    @property
    def net(self) -> int:
        """The line's amount before tax."""
        return self.total - self.tax


@dataclass(frozen=True)
class BonusAward:
    """Bonus points one promotion (an earning rule or a spend threshold) gives on this sale.

    Attributes:
        promotion_id: The promotion.
        promotion_version: Its version at pricing time.
        label: Its receipt text ("2x points on produce").
        points: What it gave (positive).
        replaces_base: True for a stand-alone rule: its lines earn no base points.
    """

    promotion_id: str
    promotion_version: int
    label: str
    points: int
    replaces_base: bool = False

    @property
    def explanation(self) -> str:
        """What the rule gave, as quotes and receipts say it: ``"2x points on produce: +40"``."""
        return f"{self.label}: +{self.points}"


@dataclass(frozen=True)
class AppliedPromotion:
    """A promotion that gave something; callers count these for usage limits and coupons."""

    promotion_id: str
    promotion_version: int
    label: str
    discount: int
    points: int
    coupon_code: str | None = None


@dataclass(frozen=True)
class PricedBasket:
    """The priced basket.

    Attributes:
        lines: Priced lines in request order.
        subtotal: Sum of shelf prices.
        discount_total: Sum of every discount (member prices included).
        total: What the customer pays, == sum of line totals == ``subtotal - discount_total``
            where prices include tax, plus ``tax`` where tax is added on top.
        applied: Promotions that gave a discount or points, by promotion id.
        base_points: Points from the base earning rule (none on lines a stand-alone rule took).
        bonus: Bonus points per promotion.
        points_to_earn: ``base_points`` + all bonus points (0 without a member).
        accepted_coupons: Codes that gave something.
        rejected_coupons: Codes that did not, with the reason.
        allocation_exact: False when a large offer mix was allocated by the greedy fallback.
        taxes: The tax breakdown, one entry per rate in the basket, ascending by rate.
        tax: The basket's tax, == the sum of ``taxes`` and of the line taxes.
        prices_include_tax: Whether the store's prices contained the tax.
        rewards: The rewards taken with points (their discounts are on the lines, after basket offers).
        refused_rewards: Claimed rewards that gave nothing, and why.
    """

    lines: tuple[PricedLine, ...]
    subtotal: int
    discount_total: int
    total: int
    applied: tuple[AppliedPromotion, ...]
    base_points: int
    bonus: tuple[BonusAward, ...]
    points_to_earn: int
    accepted_coupons: tuple[str, ...]
    rejected_coupons: tuple[RejectedCoupon, ...]
    allocation_exact: bool = True
    taxes: tuple[RateTax, ...] = ()
    tax: int = 0
    prices_include_tax: bool = True
    rewards: tuple[TakenReward, ...] = ()
    refused_rewards: tuple[RefusedReward, ...] = ()

    @property
    def reward_points(self) -> int:
        """What the rewards taken cost in points."""
        return sum(reward.points for reward in self.rewards)

    @property
    def net(self) -> int:
        """What the basket comes to before tax."""
        return self.total - self.tax

    def raise_for_rejected_coupons(self) -> None:
        """Raise ``CouponNotApplicable`` for the first rejected coupon, for strict callers."""
        if self.rejected_coupons:
            first = self.rejected_coupons[0]
            raise CouponNotApplicable(first.code, first.reason.value)
