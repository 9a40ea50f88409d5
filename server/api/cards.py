"""/cards/{number}: look-up (tills and staff), block, report lost, replace."""

from __future__ import annotations

from datetime import datetime

from flask import jsonify

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
from server.membership.card_lookup import CardLookup, look_up_card
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
    return jsonify(lookup_document(look_up_card(read_only_session(), svc.program, number, svc.clock())))


def lookup_document(found: CardLookup) -> dict:
    """What ``CardLookupSchema().dump`` makes of ``found``, field for field and in its order, built
    directly: the till's most frequent request skips marshmallow's walk over three nested schemas
    (tests/unit/server/test_card_lookup_document.py holds the two equal)."""
    card, member, account = found.card, found.member, found.account
    return {
        "card": {"number": card.number, "kind": card.kind, "state": card.state,
                 "replaced_by": card.replaced_by, "issued_at": _iso(card.issued_at)},
        "member": {"id": str(member.id), "name": member.name, "tier": member.tier,
                   "home_store": member.home_store},
        "account": {"member_id": account.member_id, "tier": account.tier, "balance": account.balance,
                    "available": account.available, "held": account.held, "debt": account.debt,
                    "offline_cap_points": account.offline_cap_points,
                    "offline_window_hours": account.offline_window_hours, "as_of": _iso(account.as_of)},
    }


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


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
