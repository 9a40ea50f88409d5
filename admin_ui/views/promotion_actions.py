"""Marketing acts on a promotion: publish, pause, resume, end (said in words first); coupon batches."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime

from flask import Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from admin_ui.access import staff_page
from admin_ui.blueprint import attempt, bp
from admin_ui.tables import Column, Filter, TableSpec
from server.api.context import acting, db_session, services
from server.auth.roles import Role
from server.models import CouponBatch, CouponCode
from server.pricing.coupons import generate_batch
from server.pricing.segments import audience_size
from server.pricing.states import MOVES, State, change_state
from server.pricing.versions import current_definition, get_promotion
from server.schemas.promotions import MAX_COUPON_BATCH

MARKETING = Role.MARKETING

# What each move is called on its button, by (from, to); a move not named here is called by its target.
VERBS = {(State.DRAFT, State.ACTIVE): "Publish now", (State.DRAFT, State.SCHEDULED): "Publish on its start date",
         (State.PAUSED, State.ACTIVE): "Resume", (State.PAUSED, State.SCHEDULED): "Resume on its start date",
         (State.SCHEDULED, State.ACTIVE): "Start now", (State.SCHEDULED, State.DRAFT): "Take back to draft"}
TARGET_VERBS = {State.PAUSED: "Pause", State.ENDED: "End"}

COUPONS_TABLE = TableSpec(
    name="coupon-codes", caption="Coupon codes",
    columns=(Column("code", "Code", "code"), Column("uses", "Uses", "number"), Column("batch", "Batch"),
             Column("created_at", "Created", "when")),
    filters=(Filter("batch", "Batch", "select"),
             Filter("used", "Used", "select", (("yes", "used at least once"), ("no", "never used")))),
    per_page=100)


def moves(state: str, definition: dict, now: datetime) -> list[tuple[str, str]]:
    """(target state, button label) of each move the state machine allows from ``state`` now."""
    current = State(state)
    starts_later = bool(definition["window"]["start"]) and datetime.fromisoformat(definition["window"]["start"]) > now
    found = []
    for target in sorted(MOVES[current], key=list(State).index):
        if target is State.SCHEDULED and not starts_later:
            continue  # change_state refuses it: the window has opened already
        found.append((target.value, VERBS.get((current, target)) or TARGET_VERBS.get(target, target.value)))
    return found


def consequence(target: str, definition: dict, audience: int) -> list[str]:
    """What moving to ``target`` will do, in sentences, for the confirmation page."""
    start, end = definition["window"]["start"], definition["window"]["end"]
    members = f"{audience:,} member{'' if audience == 1 else 's'}"
    reach = (f"It can reach {members}." if _targeted(definition)
             else f"It applies to every customer, member or not ({members} in good standing).")
    if target == State.ACTIVE:
        days = ", within its days and hours" if _timed(definition) else ""
        return [f"Tills start applying it as soon as they next read the server's changes{days}.", reach,
                f"It stops by itself at {_utc(end)}." if end else "It has no end date: end it here when it is over."]
    if target == State.SCHEDULED:
        return [f"It goes to the tills now and starts applying at {_utc(start)}.", reach]
    if target == State.PAUSED:
        return ["Tills stop applying it at their next update; sales already made keep their discounts.",
                "You can resume it later; nothing about it changes."]
    if target == State.ENDED:
        return ["Tills stop applying it at their next update, for good.",
                "An ended promotion cannot be published or edited again; sales already made keep their discounts."]
    return ["It is taken back from the tills before it starts, and can be edited and published again."]


@bp.route("/promotions/<uuid:promotion_id>/state", methods=["GET", "POST"])
@staff_page(MARKETING)
def promotion_state(promotion_id: uuid.UUID):
    session, svc = db_session(), services()
    record = get_promotion(session, promotion_id, lock=request.method == "POST")
    definition = current_definition(session, record)
    target = request.values.get("to", "")
    offered = dict(moves(record.state, definition, svc.clock()))
    if target not in offered:
        abort(400, description=f"This promotion is {record.state}: it cannot be moved that way. Choose one of "
                               "the buttons on its page.")
    if request.method == "POST":
        reason = request.form.get("reason", "").strip()
        if attempt(lambda: change_state(session, record, target, definition, reason, svc.clock(), acting()))[0]:
            flash(f"{definition['label']} is now {target}.", "success")
            return redirect(url_for("admin.promotion", promotion_id=promotion_id))
        return redirect(url_for("admin.promotion", promotion_id=promotion_id))
    audience = audience_size(session, definition["targeting"])
    return render_template("admin/promotion_state.html", record=record, definition=definition, target=target,
                           verb=offered[target], what=consequence(target, definition, audience))


@bp.route("/promotions/<uuid:promotion_id>/coupons", methods=["POST"])
@staff_page(MARKETING)
def generate_coupons(promotion_id: uuid.UUID):
    session, svc = db_session(), services()
    prefix = request.form.get("prefix", "").strip().upper()
    try:
        count = int(request.form.get("count", "").strip().replace(",", ""))
    except ValueError:
        count = 0
    if not 1 <= count <= MAX_COUPON_BATCH:
        flash(f"How many: enter a whole number of codes from 1 to {MAX_COUPON_BATCH:,}.", "error")
    elif len(prefix) > 16 or not all(c.isascii() and (c.isalnum() or c == "-") for c in prefix):
        flash("Prefix: up to 16 letters, digits or '-', e.g. SPRING26.", "error")
    else:
        record = get_promotion(session, promotion_id, lock=True)
        done, made = attempt(lambda: generate_batch(session, record, current_definition(session, record), prefix,
                                                    count, svc.clock(), acting()))
        if done:
            batch, _codes = made
            flash(f"{count:,} codes generated; tills accept them from their next update.", "success")
            return redirect(url_for("admin.coupons", promotion_id=promotion_id, batch=str(batch.id)))
    return redirect(url_for("admin.promotion", promotion_id=promotion_id, _anchor="coupons"))


@bp.route("/promotions/<uuid:promotion_id>/coupons")
@staff_page(MARKETING)
def coupons(promotion_id: uuid.UUID):
    session = db_session()
    record = get_promotion(session, promotion_id)
    batches = session.scalars(select(CouponBatch).where(CouponBatch.promotion_id == promotion_id)
                              .order_by(CouponBatch.created_at)).all()
    names = {str(b.id): f"{b.prefix or 'no prefix'}, {b.count:,} codes, {b.created_at:%Y-%m-%d}" for b in batches}
    spec = replace(COUPONS_TABLE, filters=(replace(COUPONS_TABLE.filters[0], choices=tuple(names.items())),
                                           *COUPONS_TABLE.filters[1:]))
    filters = spec.read_filters()
    stmt = select(CouponCode).where(CouponCode.promotion_id == promotion_id).order_by(CouponCode.code)
    if filters.values["batch"]:
        stmt = stmt.where(CouponCode.batch_id == uuid.UUID(filters.values["batch"]))
    if filters.values["used"]:
        stmt = stmt.where(CouponCode.uses > 0 if filters.values["used"] == "yes" else CouponCode.uses == 0)
    table = spec.show(stmt, lambda c: {"code": c.code, "uses": c.uses, "created_at": c.created_at,
                                       "batch": names.get(str(c.batch_id), "shared code")}, filters)
    if isinstance(table, Response):
        return table
    return render_template("admin/coupons.html", record=record, definition=current_definition(session, record),
                           table=table)


def _targeted(definition: dict) -> bool:
    t = definition["targeting"]
    return bool(t["members_only"] or t["tiers"] or t["segments"] or t["member_ids"] or t.get("clip"))


def _timed(definition: dict) -> bool:
    return bool(definition["window"]["weekdays"] or definition["window"]["hours"])


def _utc(text: str) -> str:
    return f"{datetime.fromisoformat(text):%Y-%m-%d %H:%M} UTC"
