"""/partners (staff: partners, their keys, settlement) and /partner (a partner's own key: earn, burn)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import g, request

from loyalty.partners import PartnerTerms
from server.api.blueprint import Blueprint
from server.api.context import BEARER, acting, db_session, services, staff_required
from server.auth.roles import Role
from server.partners.exceptions import ConsentRefused
from server.partners.keys import (
    Scope,
    authenticate,
    create_partner,
    get_partner,
    issue_key,
    list_partners,
    partner_keys,
    revoke_key,
)
from server.partners.points import burn, earn
from server.partners.settlement import settlement
from server.schemas.partners import (
    BurnSchema,
    EarnSchema,
    IssuedKeySchema,
    KeyCreateSchema,
    KeyRevokeSchema,
    PartnerCreateSchema,
    PartnerKeySchema,
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
    partner = create_partner(session, body["code"], body["name"], terms, svc.clock(), acting())
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
    issued = issue_key(session, get_partner(session, code), body["scopes"], svc.clock(), acting())
    session.commit()
    return issued


@blp.route("")
@blp.doc(security=BEARER)
@staff_required()
@blp.response(200, PartnerSchema(many=True))
def read_partners():
    return list_partners(db_session())


@blp.route("/<code>/keys")
@blp.doc(security=BEARER)
@staff_required()
@blp.response(200, PartnerKeySchema(many=True))
@blp.problems(404)
def read_keys(code):
    """The partner's keys (never their secrets), live ones first."""
    session = db_session()
    return partner_keys(session, get_partner(session, code))


@blp.route("/<code>/keys/<key_id>/revoke", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required()
@blp.arguments(KeyRevokeSchema)
@blp.response(200, PartnerKeySchema)
@blp.problems(404, 409)
def revoke(body, code, key_id):
    """Refuse the key from the next request on, on every worker (401); audited."""
    session = db_session()
    key = revoke_key(session, get_partner(session, code), key_id, services().clock(), acting(), body["reason"])
    session.commit()
    return key


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
