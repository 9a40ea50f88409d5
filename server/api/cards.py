"""/cards/{number}: look-up (tills and staff), block, report lost, replace."""

from __future__ import annotations

from server.api.blueprint import Blueprint
from server.api.context import (
    BEARER,
    TERMINAL_SIGNED,
    acting,
    db_session,
    read_only_session,
    services,
    staff_or_terminal,
    staff_required,
)
from server.auth.roles import Role
from server.membership.card_lookup import look_up_card
from server.membership.cards import change_state, get_card, replace
from server.schemas.members import CardLookupSchema, CardReplaceSchema, CardSchema, CardStateSchema

blp = Blueprint("cards", __name__, url_prefix="/api/v1/cards", description="Membership cards")


@blp.route("/<number>")
@blp.doc(security=BEARER + TERMINAL_SIGNED)
@staff_or_terminal(Role.MEMBER_SERVICE, Role.CASHIER)
@blp.response(200, CardLookupSchema)
@blp.problems(422)
def look_up(number: str):
    """The card, its member and what the member can spend now (a blocked card says so)."""
    svc = services()
    card, member, account = look_up_card(read_only_session(), svc.program, number, svc.clock())
    return {"card": card, "member": member, "account": account}


@blp.route("/<number>/state", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required(Role.MEMBER_SERVICE)
@blp.arguments(CardStateSchema)
@blp.response(200, CardSchema)
@blp.problems(409, 422)
def set_state(body, number: str):
    session, svc = db_session(), services()
    card = change_state(session, get_card(session, svc.program, number), body["state"], body["reason"],
                        svc.clock(), acting())
    session.commit()
    return card


@blp.route("/<number>/replace", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required(Role.MEMBER_SERVICE)
@blp.arguments(CardReplaceSchema)
@blp.response(201, CardSchema)
@blp.problems(409, 422)
def replace_card(body, number: str):
    session, svc = db_session(), services()
    new = replace(session, get_card(session, svc.program, number), svc.program, body["reason"],
                  svc.clock(), acting(), new_number=body["new_number"])
    session.commit()
    return new
