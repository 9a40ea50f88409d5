"""/partners (staff: partners, their keys, settlement) and /partner (a partner's own key: earn, burn)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import g, request

from loyalty.partners import PartnerTerms
from server.api.blueprint import Blueprint
from server.api.context import BEARER, acting, db_session, services, staff_required
from server.audit import write_audit
from server.auth.roles import Role
from server.partners.exceptions import ConsentRefused
from server.partners.keys import Scope, authenticate, create_partner, get_partner, issue_key
from server.partners.points import burn, earn
from server.partners.settlement import settlement
from server.schemas.partners import (
    BurnSchema,
    EarnSchema,
    IssuedKeySchema,
    KeyCreateSchema,
    PartnerCreateSchema,
    PartnerResultSchema,
    PartnerSchema,
    SettlementQuerySchema,
    SettlementSchema,
)

blp = Blueprint("partners", __name__, url_prefix="/api/v1/partners", description="Partner merchants (staff)")
own = Blueprint("partner", __name__, url_prefix="/api/v1/partner", description="A partner's own calls")
PARTNER_KEY = [{"partnerKey": []}]
KEY_HEADER = "X-OneCard-Partner-Key"


@blp.route("", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required()
@blp.arguments(PartnerCreateSchema)
@blp.response(201, PartnerSchema)
@blp.problems(409, 422)
def add_partner(body):
    session, svc = db_session(), services()
    terms = PartnerTerms(body["points_per_unit"], body["unit_minor"], body["issue_price_per_100"],
                         body["redeem_value_per_100"])
    partner = create_partner(session, body["code"], body["name"], terms, svc.clock())
    write_audit(session, at=svc.clock(), actor=acting(), action="partner.created", target=partner.code)
    session.commit()
    return partner


@blp.route("/<code>/keys", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required()
@blp.arguments(KeyCreateSchema)
@blp.response(201, IssuedKeySchema)
@blp.problems(404, 422)
def add_key(body, code):
    session, svc = db_session(), services()
    issued = issue_key(session, get_partner(session, code), body["scopes"], svc.clock())
    write_audit(session, at=svc.clock(), actor=acting(), action="partner.key_issued", target=code,
                details={"key_id": issued.key_id, "scopes": list(issued.scopes)})
    session.commit()
    return issued


@blp.route("/<code>/settlement")
@blp.doc(security=BEARER)
@staff_required(Role.HQ)
@blp.arguments(SettlementQuerySchema, location="query")
@blp.response(200, SettlementSchema)
@blp.problems(404, 422)
def read_settlement(query, code):
    session = db_session()
    partner = get_partner(session, code)
    sums = settlement(session, partner, query["start"], query["end"])
    return {"partner": partner.code, "start": query["start"], "end": query["end"],
            "currency": services().settings.currency, "points_issued": sums.points_issued,
            "points_redeemed": sums.points_redeemed, "partner_owes_minor": sums.partner_owes,
            "chain_owes_minor": sums.chain_owes, "net_to_chain_minor": sums.net_to_chain}


def partner_key(scope: Scope) -> Callable:
    """Require a live partner key holding ``scope``; the partner is in ``g.partner``."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            g.partner = authenticate(db_session(), request.headers.get(KEY_HEADER, ""), scope)
            return view(*args, **kwargs)
        return wrapper
    return decorator


@own.route("/earn", methods=["POST"])
@own.doc(security=PARTNER_KEY)
@partner_key(Scope.EARN)
@own.arguments(EarnSchema)
@own.response(201, PartnerResultSchema)
@own.problems(404, 409, 422)
def partner_earn(body):
    session, svc = db_session(), services()
    result = earn(session, g.partner, body["reference"], body["card_number"], body["amount_minor"], svc.program,
                  svc.clock())
    session.commit()
    return result


@own.route("/burn", methods=["POST"])
@own.doc(security=PARTNER_KEY)
@partner_key(Scope.BURN)
@own.arguments(BurnSchema)
@own.response(201, PartnerResultSchema)
@own.problems(404, 409, 422)
def partner_burn(body):
    session, svc = db_session(), services()
    try:
        result = burn(session, g.partner, body["reference"], body["card_number"], body["points"],
                      body["consent_code"], svc.program, svc.settings.secret_key, svc.clock())
    except ConsentRefused:
        session.commit()  # the miss counts against the member's open codes
        raise
    session.commit()
    return result
