"""What a front end sees of the checkout's results: plain JSON-ready dicts, every discount with its label."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from loyalty.earning import EarningRules, no_points_reason
from pos_agent.checkout.basket import Basket, MemberAtTill
from promotions import NearMiss, PricedBasket, PricedLine

if TYPE_CHECKING:
    from pos_agent.checkout.lane import Quote
    from pos_agent.checkout.paying import Completed
    from pos_agent.checkout.redeeming import Redeemable
    from pos_agent.checkout.selling import Enrolled


def quote_view(quote: Quote) -> dict[str, Any]:
    """The register's basket: lines, totals, member, points, tenders and what is due."""
    return basket_view(quote.basket, quote.priced, quote.points_to_earn, quote.at, quote.program.earning,
                       quote.near_misses, quote.rewards)


def completed_view(quote: Quote, done: Completed) -> dict[str, Any]:
    return {**quote_view(quote), "receipt_id": done.receipt_id, "receipt_text": done.receipt_text,
            "new_balance": done.new_balance}


def price_check_view(quote: Quote, code: str) -> dict[str, Any]:
    """The one line of a price check, with the code asked about and whether a member's prices apply."""
    line = quote_view(quote)["lines"][0]
    return {**line, "code": code, "for_member": quote.basket.member is not None}


def suspended_view(quote: Quote) -> dict[str, Any]:
    """A suspended basket in the list the cashier resumes from."""
    basket = quote.basket
    return {"id": basket.id, "suspended_at": basket.suspended_at.isoformat(), "lines": len(basket.items),
            "items": sum(i.qty for i in basket.items), "total": quote.priced.total,
            "card_number": basket.member.card_number if basket.member else None,
            "names": [i.name for i in basket.items[:3]]}


def redeemable_view(found: Redeemable) -> dict[str, Any]:
    return asdict(found)


def enrolled_view(done: Enrolled) -> dict[str, Any]:
    return {**asdict(done), "synced": False}


def basket_view(basket: Basket, priced: PricedBasket, points_to_earn: int, now: datetime,
                rules: EarningRules, near_misses: tuple[NearMiss, ...] = (),
                rewards: dict[str, Any] | None = None) -> dict[str, Any]:
    """``rewards``: the rewards taken and offered (``rewarding.rewards``); without it, those taken."""
    redeemed = basket.redemption
    paid = sum(t.amount_minor for t in basket.tenders) + (redeemed.value_minor if redeemed else 0)
    return {
        "id": basket.id, "state": basket.state.value, "sale_id": basket.sale_id,
        "suspended_at": basket.suspended_at.isoformat() if basket.suspended_at else None,
        "mode": "offline" if basket.offline else "online", "offline_reason": basket.offline_reason,
        "lines": [_line(line, basket, rules) for line in priced.lines],
        "subtotal": priced.subtotal, "discount_total": priced.discount_total, "total": priced.total,
        "tax": {"prices_include_tax": priced.prices_include_tax, "net": priced.net, "tax": priced.tax,
                "rates": [{"rate_bp": r.rate_bp, "net": r.net, "tax": r.tax, "gross": r.gross} for r in priced.taxes]},
        "member": member_view(basket.member, now),
        "coupons": {"presented": list(basket.coupons), "accepted": list(priced.accepted_coupons),
                    "rejected": [{"code": c.code, "reason": c.reason.value} for c in priced.rejected_coupons]},
        "points": {"to_earn": points_to_earn, "pending": basket.offline,
                   "redeemed": redeemed.points if redeemed else 0,
                   "redeemed_value": redeemed.value_minor if redeemed else 0,
                   "hold_id": redeemed.hold_id if redeemed else None},
        "tenders": [{"kind": t.kind, "amount_minor": t.amount_minor, "given_minor": t.given_minor}
                    for t in basket.tenders],
        "paid": paid, "due": max(0, priced.total - paid),
        "change": sum(max(0, t.given_minor - t.amount_minor) for t in basket.tenders),
        "near_misses": [{"promotion_id": h.promotion_id, "label": h.label, "missing_qty": h.missing_qty,
                         "missing_amount": h.missing_amount} for h in near_misses],
        "rewards": rewards or {"taken": [{"reward_id": r.promotion_id, "label": r.label, "times": r.times,
                                          "points": r.points, "discount": r.discount} for r in priced.rewards],
                               "refused": [], "points": priced.reward_points, "offered": [], "reason": None},
    }


def member_view(member: MemberAtTill | None, now: datetime) -> dict[str, Any] | None:
    if member is None:
        return None
    age = None if member.as_of is None else max(0, int((now - member.as_of).total_seconds()))
    return {"card_number": member.card_number, "member_id": member.member_id, "name": member.name,
            "tier": member.tier, "available": member.available, "balance": member.balance,
            "source": member.source, "data_as_of": member.as_of.isoformat() if member.as_of else None,
            "data_age_seconds": age}


def _line(line: PricedLine, basket: Basket, rules: EarningRules) -> dict[str, Any]:
    item = next(i for i in basket.items if i.line_id == line.line_id)
    why = no_points_reason(item.category, item.excluded, rules)  # the words the server's quote uses
    return {"line_id": line.line_id, "sku": line.sku, "name": item.name, "qty": line.qty,
            "qty_milli": line.qty_milli, "unit_price": line.base_unit_price,
            "member_unit_price": line.member_unit_price, "base_amount": line.base_amount,
            "discounts": [{"label": d.label, "amount": d.amount, "promotion_id": d.promotion_id,
                           "promotion_version": d.promotion_version, "coupon_code": d.coupon_code}
                          for d in line.discounts],
            "total": line.total, "excluded": why is not None, "excluded_reason": why,
            "tax_rate_bp": line.tax_rate_bp, "tax": line.tax}
