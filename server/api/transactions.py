"""POST /transactions and /holds: what tills send while online (signed terminal requests)."""

from __future__ import annotations

from flask import request

from loyalty.cards import require_usable_card
from server.api.blueprint import Blueprint, plainly_checked
from server.api.context import (
    BEARER,
    TERMINAL_SIGNED,
    db_session,
    ensure_terminal_scope,
    services,
    staff_or_terminal,
    terminal_required,
)
from server.api.guard import json_body
from server.auth.roles import Role
from server.exceptions import NotFound
from server.membership.cards import get_card
from server.membership.holds import place_hold, release_hold
from server.membership.posting import PostTransaction, post_transaction, sale_with_returns
from server.pricing.cap_holds import release_caps, reserve_caps
from server.pricing.coupon_holds import release_coupons, reserve_coupons
from server.pricing.offer_holds import release_offers, reserve_offers
from server.schemas.transaction_checks import plainly_valid
from server.schemas.transactions import (
    CouponHoldCreateSchema,
    CouponHoldSchema,
    HoldCreateSchema,
    HoldSchema,
    PostedTransactionSchema,
    TransactionOutcomeSchema,
    TransactionSchema,
)
from server.terminals import ensure_not_suspended

blp = Blueprint("transactions", __name__, url_prefix="/api/v1", description="Sales and holds from tills")


@blp.route("/transactions", methods=["POST"])
@blp.doc(security=TERMINAL_SIGNED)
@terminal_required
@blp.arguments(plainly_checked(TransactionSchema(), plainly_valid))
@blp.response(201, TransactionOutcomeSchema)
@blp.alt_response(200, schema=TransactionOutcomeSchema, description="a retry: the first answer again")
@blp.problems(404, 409, 422)
def post(body):
    ensure_terminal_scope(body["store"], body["terminal"])
    session, svc = db_session(), services()
    command = PostTransaction.from_body(json_body(request.get_json))
    outcome, replayed = post_transaction(session, command, svc.program, svc.clock())
    session.commit()
    if replayed:
        return {**outcome, "status": "duplicate"}, 200
    return outcome


@blp.route("/transactions/<sale_id>")
@blp.doc(security=TERMINAL_SIGNED + BEARER)
@staff_or_terminal(Role.MEMBER_SERVICE, Role.CASHIER)
@blp.response(200, PostedTransactionSchema)
def read_sale(sale_id: str):
    """A sale from any store of the chain, for a return against its receipt."""
    return sale_with_returns(db_session(), sale_id)


@blp.route("/holds", methods=["POST"])
@blp.doc(security=TERMINAL_SIGNED)
@terminal_required
@blp.arguments(HoldCreateSchema)
@blp.response(201, HoldSchema)
@blp.problems(403, 404, 409, 422)
def create_hold(body):
    """Hold a member's points for a sale at this till (403 ``terminal-suspended`` while it is suspended)."""
    ensure_terminal_scope(body["store"], body["terminal"])
    session, svc = db_session(), services()
    ensure_not_suspended(session, body["store"], body["terminal"])
    card = get_card(session, svc.program, body["card_number"])
    require_usable_card(card.number, card.state)
    hold = place_hold(session, body["id"], card.member_id, body["points"], body["store"],
                      body["terminal"], svc.program, svc.clock())
    session.commit()
    return hold


@blp.route("/holds/<uuid:hold_id>/release", methods=["POST"])
@blp.doc(security=TERMINAL_SIGNED)
@terminal_required
@blp.response(200, HoldSchema)
@blp.problems(409)
def release(hold_id):
    session = db_session()
    hold = release_hold(session, hold_id, services().program, services().clock())
    ensure_terminal_scope(hold.store_code)
    session.commit()
    return hold



@blp.route("/coupon-holds", methods=["POST"])
@blp.doc(security=TERMINAL_SIGNED)
@terminal_required
@blp.arguments(CouponHoldCreateSchema)
@blp.response(201, CouponHoldSchema)
@blp.problems(404, 409, 422)
def create_coupon_hold(body):
    """Reserve the coupon codes, limited promotions and uses of chain-capped promotions of an online sale
    before it completes (see server.pricing.coupon_holds, server.pricing.offer_holds and server.pricing.cap_holds)."""
    ensure_terminal_scope(body["store"], body["terminal"])
    session, svc = db_session(), services()
    member_id = None
    if body["card_number"]:
        card = get_card(session, svc.program, body["card_number"])
        require_usable_card(card.number, card.state)
        member_id = card.member_id
    now = svc.clock()
    # The member's row first, then the capped promotions', then the codes': the order posting locks them in.
    offers = reserve_offers(session, body["id"], body["promotions"], member_id, body["store"], body["terminal"],
                            svc.program, now) if body["promotions"] else []
    caps = reserve_caps(session, body["id"], body["capped_promotions"], member_id, body["store"], body["terminal"],
                        svc.program, now) if body["capped_promotions"] else []
    rows = reserve_coupons(session, body["id"], body["codes"], member_id, body["store"], body["terminal"],
                           svc.program, now) if body["codes"] else []
    session.commit()
    if not (rows or offers or caps):  # nothing named is limited or capped (any more): nothing to hold
        return {"id": body["id"], "codes": [], "promotions": [], "capped_promotions": [], "status": "empty",
                "expires_at": None}
    return _coupon_hold(rows, offers, caps)


@blp.route("/coupon-holds/<uuid:hold_id>/release", methods=["POST"])
@blp.doc(security=TERMINAL_SIGNED)
@terminal_required
@blp.response(200, CouponHoldSchema)
@blp.problems(404)
def release_coupon_hold(hold_id):
    session = db_session()
    rows, offers, caps = release_coupons(session, hold_id), release_offers(session, hold_id), release_caps(session,
                                                                                                         hold_id)
    if not rows and not offers and not caps:
        raise NotFound(f"no coupon hold {hold_id}")
    ensure_terminal_scope((rows or offers or caps)[0].store_code)
    session.commit()
    return _coupon_hold(rows, offers, caps)


def _coupon_hold(rows, offers, caps) -> dict:
    statuses = {row.status for row in [*rows, *offers, *caps]}
    first = (rows or offers or caps)[0]
    return {"id": first.id, "codes": [row.code for row in rows], "promotions": [row.promotion_id for row in offers],
            "capped_promotions": [row.promotion_id for row in caps],
            "status": statuses.pop() if len(statuses) == 1 else "mixed", "expires_at": first.expires_at}
