"""POST /quotes: price a basket for a till or a member of staff."""

from __future__ import annotations

from flask import g

from loyalty.earning import EarningRules, no_points_reason
from promotions import RewardClaim
from server.api.blueprint import Blueprint
from server.api.context import (
    BEARER,
    TERMINAL_SIGNED,
    ensure_terminal_scope,
    read_only_session,
    services,
    staff_or_terminal,
)
from server.auth.roles import Role
from server.pricing.catalogues import CATALOGUES
from server.pricing.quotes import Quote, QuoteRequest, price_quote
from server.schemas.quotes import QuoteRequestSchema, QuoteSchema
from server.terminals import ensure_not_suspended

blp = Blueprint("quotes", __name__, url_prefix="/api/v1/quotes", description="Price a basket")


def quote_request(body: dict) -> QuoteRequest:
    return QuoteRequest(store=body["store"], at=body["at"] or services().clock(), lines=tuple(body["lines"]),
                        card_number=body["card_number"], coupons=tuple(body["coupons"]),
                        points_to_redeem=body["points_to_redeem"],
                        rewards=tuple(RewardClaim(r["reward_id"], r["times"]) for r in body.get("rewards", ())))


def quote_document(quote: Quote) -> dict:
    priced, request = quote.priced, quote.request
    return {
        "store": request.store, "at": request.at, "currency": services().settings.currency,
        "member": {"id": quote.member.id, "tier": quote.member.tier} if quote.member else None,
        "lines": [_line(line, quote.products[line.line_id], services().program.earning) for line in priced.lines],
        "subtotal": priced.subtotal, "discount_total": priced.discount_total, "total": priced.total,
        "points": {"base": quote.base_points,
                   "bonus": [{"promotion_id": b.promotion_id, "version": b.promotion_version, "label": b.label,
                              "points": b.points, "replaces_base": b.replaces_base,
                              "explanation": b.explanation} for b in priced.bonus],
                   "to_earn": quote.base_points + sum(b.points for b in priced.bonus),
                   "redeemable": quote.redeemable[0], "redeemable_value_minor": quote.redeemable[1]},
        "accepted_coupons": list(priced.accepted_coupons),
        "rejected_coupons": [{"code": r.code, "reason": r.reason.value, "promotion_id": r.promotion_id}
                             for r in priced.rejected_coupons],
        "allocation_exact": priced.allocation_exact,
        "tax": tax_document(priced),
        "near_misses": [{"promotion_id": h.promotion_id, "version": h.promotion_version, "label": h.label,
                         "missing_qty": h.missing_qty, "missing_amount_minor": h.missing_amount}
                        for h in quote.near_misses],
        "rewards": [{"reward_id": r.promotion_id, "version": r.promotion_version, "label": r.label, "times": r.times,
                     "points": r.points, "discount_minor": r.discount} for r in priced.rewards],
        "refused_rewards": [{"reward_id": r.promotion_id, "reason": r.reason} for r in priced.refused_rewards],
        "reward_points": priced.reward_points,
    }


def tax_document(priced) -> dict:
    """The quote's tax: per rate, after every discount (``promotions.tax``)."""
    return {"prices_include_tax": priced.prices_include_tax, "net": priced.net, "tax": priced.tax,
            "gross": priced.total,
            "rates": [{"rate_bp": r.rate_bp, "net": r.net, "tax": r.tax, "gross": r.gross} for r in priced.taxes]}


def _line(line, product, rules: EarningRules) -> dict:
    why = no_points_reason(product.category, product.excluded_from_points, rules)
    return {"line_id": line.line_id, "sku": line.sku, "name": product.name, "category": product.category,
            "qty": line.qty, "qty_milli": line.qty_milli, "base_unit_price": line.base_unit_price,
            "member_unit_price": line.member_unit_price, "base_amount": line.base_amount,
            "discounts": [{"promotion_id": d.promotion_id, "version": d.promotion_version, "label": d.label,
                           "amount_minor": d.amount, "coupon_code": d.coupon_code} for d in line.discounts],
            "total": line.total, "excluded": why is not None, "excluded_reason": why,
            "base_replaced_by": line.base_replaced_by,
            "tax_rate_bp": line.tax_rate_bp, "tax": line.tax}


@blp.route("", methods=["POST"])
@blp.doc(security=BEARER + TERMINAL_SIGNED)
@staff_or_terminal(Role.CASHIER, Role.MARKETING)
@blp.arguments(QuoteRequestSchema)
@blp.response(200, QuoteSchema)
@blp.problems(403, 404, 422)
def quote(body):
    """Price a basket; a suspended till asking what points could pay is refused (403). A quote
    writes nothing: it reads in autocommit on PostgreSQL (``read_only_session``)."""
    session, svc = read_only_session(), services()
    if "terminal" in g:
        ensure_terminal_scope(body["store"])
        if body["points_to_redeem"]:
            ensure_not_suspended(session, g.terminal.store_code, g.terminal.code)
    live = CATALOGUES.live(session)
    request = quote_request(body)
    return quote_document(price_quote(session, request, svc.programmes.at(request.at), live))
