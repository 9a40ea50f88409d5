"""/members: enrolment, profile, search, ledger, adjustments, merge, export, erase."""

from __future__ import annotations

import uuid

from flask import jsonify
from sqlalchemy import and_, or_, select

from server.api.blueprint import Blueprint
from server.api.context import BEARER, acting, current_staff, db_session, services, staff_required
from server.api.pagination import decode_cursor, encode_cursor
from server.auth.roles import Role, role_allows
from server.exceptions import OneCardError
from server.membership.accounts import account_summary
from server.membership.adjustment_approvals import (
    approve_adjustment,
    get_request,
    pending_requests,
    reject_adjustment,
    request_adjustment,
)
from server.membership.cards import issue_card
from server.membership.members import Enrolment, enrol, get_member, update_member
from server.membership.search import active_cards, display_name, search_members
from server.membership.service_desk import erase_member, export_member, merge_members
from server.models import LedgerEntry
from server.schemas.adjustments import (
    AdjustmentAnswerSchema,
    AdjustmentRequestPageSchema,
    AdjustmentRequestQuerySchema,
    AdjustmentRequestSchema,
    DecisionSchema,
)
from server.schemas.common import PageQuerySchema, attributes
from server.schemas.members import (
    AccountSchema,
    AdjustmentSchema,
    CardIssueSchema,
    CardSchema,
    EnrolledSchema,
    EraseSchema,
    ExportSchema,
    LedgerPageSchema,
    MemberCreateSchema,
    MemberPageSchema,
    MemberSchema,
    MemberSearchQuerySchema,
    MemberSummaryPageSchema,
    MemberSummarySchema,
    MemberUpdateSchema,
    MergedSchema,
    MergeSchema,
)

blp = Blueprint("members", __name__, url_prefix="/api/v1/members", description="Members and their points")
SERVICE, CASHIER = Role.MEMBER_SERVICE, Role.CASHIER


class InvalidSearchCursor(OneCardError):
    status = 400
    slug = "invalid-cursor"
    title = "Invalid cursor"


@blp.route("", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required(SERVICE, CASHIER)
@blp.arguments(MemberCreateSchema)
@blp.response(201, EnrolledSchema)
@blp.problems(404, 409, 422)
def create_member(body):
    session, svc = db_session(), services()
    member, card = enrol(session, Enrolment(
        name=body["name"], phone=body["phone"], email=body["email"], home_store=body["home_store"],
        created_at_store=body["created_at_store"], consents=body["consents"], member_id=body["id"],
        card_number=body["card_number"]), svc.program, svc.clock(), acting())
    session.commit()
    return {**attributes(member, MemberSchema), "card": card}


@blp.route("")
@blp.doc(security=BEARER, description="member_service and admin get full records (MemberPage); cashiers get "
         "what a till needs (MemberSummaryPage): id, display name, active cards, tier.")
@staff_required(SERVICE, CASHIER)
@blp.arguments(MemberSearchQuerySchema, location="query")
@blp.response(200, MemberPageSchema)
@blp.problems(422)
def find_members(query):
    session = db_session()
    items, more = search_members(session, query["q"], query["limit"], _search_cursor(query["cursor"]))
    next_cursor = str(items[-1].id) if more else None
    if _sees_personal_data():
        return {"items": items, "next_cursor": next_cursor}
    return jsonify(MemberSummaryPageSchema().dump({"items": _summaries(session, items), "next_cursor": next_cursor}))


def _sees_personal_data() -> bool:
    """Member service and admins see phone, e-mail and notes; a cashier sees only what a till needs."""
    return role_allows(current_staff().role, {SERVICE})


def _summaries(session, members) -> list[dict]:
    cards = active_cards(session, [m.id for m in members])
    return [{"id": m.id, "display_name": display_name(m.name), "cards": cards[m.id], "tier": m.tier}
            for m in members]


def _search_cursor(cursor: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(cursor) if cursor else None
    except ValueError:
        raise InvalidSearchCursor("the cursor is not one this server issued") from None


@blp.route("/<uuid:member_id>")
@blp.doc(security=BEARER, description="member_service and admin get the full record (Member); cashiers get "
         "a MemberSummary.")
@staff_required(SERVICE, CASHIER)
@blp.response(200, MemberSchema)
def read_member(member_id):
    session = db_session()
    member = get_member(session, member_id)
    if _sees_personal_data():
        return member
    return jsonify(MemberSummarySchema().dump(_summaries(session, [member])[0]))


@blp.route("/<uuid:member_id>", methods=["PATCH"])
@blp.doc(security=BEARER)
@staff_required(SERVICE)
@blp.arguments(MemberUpdateSchema)
@blp.response(200, MemberSchema)
@blp.problems(409, 422)
def change_member(body, member_id):
    session = db_session()
    member = update_member(session, get_member(session, member_id), body, services().program, services().clock(),
                           acting())
    session.commit()
    return member


@blp.route("/<uuid:member_id>/account")
@blp.doc(security=BEARER)
@staff_required(SERVICE, CASHIER)
@blp.response(200, AccountSchema)
def read_account(member_id):
    svc = services()
    return account_summary(db_session(), get_member(db_session(), member_id), svc.program, svc.clock())


@blp.route("/<uuid:member_id>/cards", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required(SERVICE)
@blp.arguments(CardIssueSchema)
@blp.response(201, CardSchema)
@blp.problems(409, 422)
def add_card(body, member_id):
    session, svc = db_session(), services()
    card = issue_card(session, get_member(session, member_id), svc.program, svc.clock(), acting(),
                      number=body["number"], kind=body["kind"], chip_uid=body["chip_uid"])
    session.commit()
    return card


@blp.route("/<uuid:member_id>/ledger")
@blp.doc(security=BEARER)
@staff_required(SERVICE)
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, LedgerPageSchema)
def read_ledger(query, member_id):
    get_member(db_session(), member_id)
    stmt = (select(LedgerEntry).where(LedgerEntry.member_id == member_id)
            .order_by(LedgerEntry.at.desc(), LedgerEntry.id.desc()))
    if query["cursor"]:
        at, entry_id = decode_cursor(query["cursor"])
        stmt = stmt.where(or_(LedgerEntry.at < at, and_(LedgerEntry.at == at, LedgerEntry.id < entry_id)))
    rows = db_session().scalars(stmt.limit(query["limit"] + 1)).all()
    items, more = rows[: query["limit"]], len(rows) > query["limit"]
    return {"items": items, "next_cursor": encode_cursor(items[-1].at, items[-1].id) if more else None}


@blp.route("/<uuid:member_id>/adjustments", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required(SERVICE)
@blp.arguments(AdjustmentSchema)
@blp.response(201, AdjustmentAnswerSchema)
@blp.alt_response(202, schema=AdjustmentRequestSchema,
                  description="above the staff user's limits: kept, pending, for a second staff user to approve")
@blp.problems(409, 422)
def add_adjustment(body, member_id):
    session, svc = db_session(), services()
    outcome = request_adjustment(session, member_id, body["id"], body["points"], body["reason"],
                                 svc.settings.adjust_limit(current_staff().role), svc.program, svc.clock(),
                                 acting())
    session.commit()
    if outcome.request is not None:
        return attributes(outcome.request, AdjustmentRequestSchema), 202
    return {"balance": outcome.balance}


@blp.route("/<uuid:member_id>/adjustments/<uuid:request_id>")
@blp.doc(security=BEARER)
@staff_required(SERVICE)
@blp.response(200, AdjustmentRequestSchema)
def read_adjustment_request(member_id, request_id):
    return get_request(db_session(), member_id, request_id)


@blp.route("/<uuid:member_id>/adjustments/<uuid:request_id>/approve", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required(SERVICE)
@blp.arguments(DecisionSchema)
@blp.response(200, AdjustmentAnswerSchema)
def approve(body, member_id, request_id):
    """A second staff user applies an adjustment that was above its requester's limits."""
    session, svc = db_session(), services()
    request, balance = approve_adjustment(session, member_id, request_id, body["reason"], svc.program,
                                          svc.clock(), acting())
    session.commit()
    return {**attributes(request, AdjustmentRequestSchema), "balance": balance}


@blp.route("/<uuid:member_id>/adjustments/<uuid:request_id>/reject", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required(SERVICE)
@blp.arguments(DecisionSchema)
@blp.response(200, AdjustmentRequestSchema)
def reject(body, member_id, request_id):
    session = db_session()
    request = reject_adjustment(session, member_id, request_id, body["reason"], services().clock(), acting())
    session.commit()
    return request


@blp.route("/adjustment-requests")
@blp.doc(security=BEARER)
@staff_required(SERVICE)
@blp.arguments(AdjustmentRequestQuerySchema, location="query")
@blp.response(200, AdjustmentRequestPageSchema)
def find_pending_adjustments(query):
    """Adjustments waiting for a second staff user, across the chain, oldest first."""
    rows = pending_requests(db_session(), _search_cursor(query["cursor"]), query["limit"] + 1)
    items, more = rows[: query["limit"]], len(rows) > query["limit"]
    return {"items": items, "next_cursor": str(items[-1].id) if more else None}


@blp.route("/<uuid:member_id>/merge", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required(SERVICE)
@blp.arguments(MergeSchema)
@blp.response(200, MergedSchema)
@blp.problems(409, 422)
def merge(body, member_id):
    session = db_session()
    moved = merge_members(session, member_id, body["merge_member_id"], body["reason"],
                          services().program, services().clock(), acting())
    session.commit()
    return {"survivor_id": member_id, "merged_id": body["merge_member_id"], "points_moved": moved}


@blp.route("/<uuid:member_id>/export")
@blp.doc(security=BEARER)
@staff_required(SERVICE)
@blp.response(200, ExportSchema)
def export(member_id):
    session = db_session()
    data = export_member(session, get_member(session, member_id), services().clock(), acting())
    session.commit()  # the export itself is audited
    return data


@blp.route("/<uuid:member_id>/erase", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required(SERVICE)
@blp.arguments(EraseSchema)
@blp.response(200, MemberSchema)
@blp.problems(409, 422)
def erase(body, member_id):
    session = db_session()
    member = get_member(session, member_id)
    erase_member(session, member, body["reason"], services().clock(), acting())
    session.commit()
    return member
