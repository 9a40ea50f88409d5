"""Four eyes: adjustments above their requester's limits, waiting for a second staff user."""

from __future__ import annotations

import uuid

from flask import Response, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from admin_ui.access import staff_page
from admin_ui.blueprint import attempt, bp
from admin_ui.tables import CSV_LIMIT, Column, Filter, TableSpec
from server.api.context import acting, current_staff, db_session, services
from server.auth.roles import Role
from server.membership.adjustment_approvals import (
    RequestState,
    approve_adjustment,
    get_request,
    pending_requests,
    reject_adjustment,
)
from server.membership.members import get_member
from server.models import AdjustmentRequest, Member

SERVICE = Role.MEMBER_SERVICE
EXCEEDED_WORDS = {"per_adjustment": "more than the requester may adjust in one go",
                  "per_day": "more than the requester may still adjust alone in these 24 hours"}

APPROVALS_TABLE = TableSpec(
    name="adjustments-waiting", caption="Adjustments waiting for a second staff user, oldest first",
    columns=(Column("requested_at", "Asked", "when"), Column("member", "Member"),
             Column("points", "Points", "points"), Column("reason", "Reason"),
             Column("requested_by", "Asked by"), Column("exceeded", "Above the limit on"),
             Column("decide", "Decision", "action")),
    filters=(Filter("requested_by", "Asked by", hint="username"),))


@bp.route("/approvals")
@staff_page(SERVICE)
def approvals():
    filters = APPROVALS_TABLE.read_filters()
    waiting = pending_requests(db_session(), None, CSV_LIMIT)
    if filters.values["requested_by"]:
        waiting = [r for r in waiting if r.requested_by == filters.values["requested_by"].strip().lower()]
    names = _names([r.member_id for r in waiting])
    table = APPROVALS_TABLE.show(waiting, lambda r: {
        "requested_at": r.requested_at, "member": names.get(r.member_id) or "Erased member",
        "member_href": url_for("admin.member", member_id=r.member_id), "points": r.points, "reason": r.reason,
        "requested_by": r.requested_by, "exceeded": EXCEEDED_WORDS.get(r.exceeded, r.exceeded),
        "decide": "Approve or reject…",
        "decide_href": url_for("admin.adjustment_request", member_id=r.member_id, request_id=r.id)}, filters)
    if isinstance(table, Response):
        return table
    return render_template("admin/approvals.html", table=table)


@bp.route("/members/<uuid:member_id>/adjustments/<uuid:request_id>")
@staff_page(SERVICE)
def adjustment_request(member_id: uuid.UUID, request_id: uuid.UUID):
    session = db_session()
    asked = get_request(session, member_id, request_id)
    return render_template("admin/adjustment_request.html", asked=asked, member=get_member(session, member_id),
                           exceeded=EXCEEDED_WORDS.get(asked.exceeded, asked.exceeded),
                           own=asked.requested_by == current_staff().username,
                           pending=asked.state == RequestState.PENDING)


@bp.route("/members/<uuid:member_id>/adjustments/<uuid:request_id>/approve", methods=["POST"])
@staff_page(SERVICE)
def approve_request(member_id: uuid.UUID, request_id: uuid.UUID):
    reason, svc = request.form.get("reason", "").strip(), services()
    if not reason:
        return _ask_again(member_id, request_id, "Reason: say why you approve; it is kept in the audit log.")
    done, result = attempt(lambda: approve_adjustment(db_session(), member_id, request_id, reason, svc.program,
                                                      svc.clock(), acting()))
    if not done:
        return _back_to(member_id, request_id)
    asked, balance = result
    flash(f"Approved: {asked.points:+,} points for {_name(member_id)}. The balance is now {balance:,} points.",
          "success")
    return redirect(url_for("admin.approvals"))


@bp.route("/members/<uuid:member_id>/adjustments/<uuid:request_id>/reject", methods=["POST"])
@staff_page(SERVICE)
def reject_request(member_id: uuid.UUID, request_id: uuid.UUID):
    reason = request.form.get("reason", "").strip()
    if not reason:
        return _ask_again(member_id, request_id, "Reason: say why you reject it; the requester will read it "
                                                 "in the audit log.")
    done, asked = attempt(lambda: reject_adjustment(db_session(), member_id, request_id, reason,
                                                    services().clock(), acting()))
    if not done:
        return _back_to(member_id, request_id)
    flash(f"Rejected: {asked.points:+,} points for {_name(member_id)}. Nothing changed on the account.", "success")
    return redirect(url_for("admin.approvals"))


def pending_for(member_id: uuid.UUID) -> list[AdjustmentRequest]:
    """The member's requests still waiting, oldest first (for the member page)."""
    return list(db_session().scalars(select(AdjustmentRequest).where(
        AdjustmentRequest.member_id == member_id, AdjustmentRequest.state == RequestState.PENDING.value)
        .order_by(AdjustmentRequest.requested_at)))


def _ask_again(member_id: uuid.UUID, request_id: uuid.UUID, message: str):
    flash(message, "error")
    return _back_to(member_id, request_id)


def _back_to(member_id: uuid.UUID, request_id: uuid.UUID):
    return redirect(url_for("admin.adjustment_request", member_id=member_id, request_id=request_id))


def _names(member_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not member_ids:
        return {}
    return dict(db_session().execute(select(Member.id, Member.name).where(Member.id.in_(set(member_ids)))).all())


def _name(member_id: uuid.UUID) -> str:
    return _names([member_id]).get(member_id) or "the erased member"
