"""Member service: find a member, see the account, and act on cards, points and personal data."""

from __future__ import annotations

import calendar
import json
import uuid
from collections import defaultdict
from datetime import datetime

from flask import Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from admin_ui.access import staff_page
from admin_ui.blueprint import attempt, bp
from admin_ui.tables import Column, Filter, TableSpec, day_end, day_start
from admin_ui.views.approvals import pending_for
from loyalty.expiry import expiring_by_month
from loyalty.tiers import Basis, qualifying_total
from server.api.context import acting, current_staff, db_session, services
from server.auth.roles import Role
from server.membership.accounts import account_summary
from server.membership.adjustment_approvals import AdjustmentOutcome, request_adjustment
from server.membership.cards import change_state, get_card, replace
from server.membership.jobs import qualifying_history
from server.membership.ledger import load_kept
from server.membership.members import get_member
from server.membership.search import MAX_RESULTS, QueryTooBroad, search_members
from server.membership.service_desk import erase_member, export_member
from server.models import Card, Hold, LedgerEntry, Member

SERVICE = Role.MEMBER_SERVICE
SEARCH_LIMIT = MAX_RESULTS
LEDGER_KINDS = ("earn", "redeem", "reverse", "adjust", "expire", "transfer", "bonus")
CARD_MOVES = {"blocked": "Block", "lost": "Report lost", "active": "Unblock"}

SEARCH_TABLE = TableSpec(
    name="members", caption="Members found",
    columns=(Column("name", "Name"), Column("phone", "Phone"), Column("email", "E-mail"),
             Column("cards", "Cards"), Column("home_store", "Home store"), Column("tier", "Tier")),
    per_page=25)

LEDGER_TABLE = TableSpec(
    name="ledger", caption="Points ledger, newest first",
    columns=(Column("at", "When", "when"), Column("kind", "Kind"), Column("points", "Points", "points"),
             Column("expires_at", "Expires", "when"), Column("source_id", "Source", "code"), Column("reason", "Reason"),
             Column("actor", "By")),
    filters=(Filter("kind", "Kind", "select", tuple((k, k) for k in LEDGER_KINDS)),
             Filter("from", "From", "date"), Filter("to", "To", "date")),
    per_page=20)


@bp.route("/members")
@staff_page(SERVICE)
def member_search():
    query = request.args.get("q", "").strip()
    found: list[Member] = []
    more = False
    if query:
        try:
            found, more = search_members(db_session(), query, SEARCH_LIMIT, None)
        except QueryTooBroad as exc:
            flash(exc.detail, "error")
    cards = _card_numbers([m.id for m in found])
    table = SEARCH_TABLE.show(found, lambda m: {
        "name": m.name, "name_href": url_for("admin.member", member_id=m.id), "phone": m.phone,
        "email": m.email, "cards": ", ".join(cards.get(m.id, [])), "home_store": m.home_store, "tier": m.tier})
    if isinstance(table, Response):
        return table
    return render_template("admin/member_search.html", q=query, table=table,
                           more=more, limit=SEARCH_LIMIT)


@bp.route("/members/<uuid:member_id>")
@staff_page(SERVICE)
def member(member_id: uuid.UUID):
    session, svc = db_session(), services()
    person, now = get_member(session, member_id), svc.clock()
    filters = LEDGER_TABLE.read_filters()
    values = filters.values
    stmt = (select(LedgerEntry).where(LedgerEntry.member_id == member_id)
            .order_by(LedgerEntry.at.desc(), LedgerEntry.id.desc()))
    if values["kind"]:
        stmt = stmt.where(LedgerEntry.kind == values["kind"])
    if values["from"]:
        stmt = stmt.where(LedgerEntry.at >= day_start(values["from"]))
    if values["to"]:
        stmt = stmt.where(LedgerEntry.at < day_end(values["to"]))
    ledger = LEDGER_TABLE.show(stmt, lambda e: {
        "at": e.at, "kind": e.kind, "points": e.points, "expires_at": e.expires_at, "source_id": e.source_id,
        "reason": e.reason, "actor": e.actor}, filters)
    if isinstance(ledger, Response):
        return ledger
    # The kept state (balance, debt, open lots: server.membership.balances), not a replay of the
    # member's whole ledger: the page costs the same for a member of ten years as for a new one.
    state = load_kept(session, member_id).state
    account = account_summary(session, person, svc.program, now, state)
    value = svc.program.redemption.value
    return render_template(
        "admin/member.html", member=person, ledger=ledger, card_moves=CARD_MOVES, account=account,
        # What the spendable points pay at a till: whole steps only, never rounded up into money.
        spendable_minor=value.value_minor(value.floor_points(account.available)), step=value,
        expiring=_expiring_by_month(state, now, svc.program.expiry.zone), tier=_tier_progress(person, now),
        cards=session.scalars(select(Card).where(Card.member_id == member_id).order_by(Card.issued_at)).all(),
        holds=session.scalars(select(Hold).where(Hold.member_id == member_id, Hold.status == "held",
                                                 Hold.expires_at > now).order_by(Hold.created_at)).all(),
        adjustment_id=uuid.uuid4().hex, waiting=pending_for(member_id),
        gone=bool(person.merged_into or person.erased_at))


@bp.route("/members/<uuid:member_id>/cards/<number>/state", methods=["POST"])
@staff_page(SERVICE)
def card_state(member_id: uuid.UUID, number: str):
    to_state = request.form.get("state", "")
    if to_state not in CARD_MOVES:
        abort(400, description="Choose block, report lost or unblock.")
    card = _members_card(member_id, number)
    reason = request.form.get("reason", "").strip()
    if not reason:
        flash("Reason: say why the card changes state; it is kept in the audit log.", "error")
    elif attempt(lambda: change_state(db_session(), card, to_state, reason, services().clock(), acting()))[0]:
        flash(f"Card {number} is now {to_state}.", "success")
    return redirect(url_for("admin.member", member_id=member_id, _anchor="cards"))


@bp.route("/members/<uuid:member_id>/cards/<number>/replace", methods=["POST"])
@staff_page(SERVICE)
def card_replace(member_id: uuid.UUID, number: str):
    card, svc = _members_card(member_id, number), services()
    reason = request.form.get("reason", "").strip()
    new_number = request.form.get("new_number", "").strip() or None
    if not reason:
        flash("Reason: say why the card is replaced; it is kept in the audit log.", "error")
    else:
        done, new = attempt(lambda: replace(db_session(), card, svc.program, reason, svc.clock(), acting(),
                                            new_number=new_number))
        if done:
            flash(f"New card {new.number} issued; card {number} no longer works anywhere.", "success")
    return redirect(url_for("admin.member", member_id=member_id, _anchor="cards"))


@bp.route("/members/<uuid:member_id>/adjustments", methods=["POST"])
@staff_page(SERVICE)
def adjust(member_id: uuid.UUID):
    svc = services()
    get_member(db_session(), member_id)
    text = request.form.get("points", "").strip().replace(",", "").replace(" ", "")
    reason = request.form.get("reason", "").strip()
    # The form's own id: a double-click or a resent form is one adjustment, not two.
    adjustment_id = request.form.get("adjustment_id", "").strip() or uuid.uuid4().hex
    try:
        points = int(text)
    except ValueError:
        points = 0
    if points == 0:
        flash("Points: enter a whole number of points other than 0, e.g. 250 to add or -100 to take away.",
              "error")
    elif not reason:
        flash("Reason: say why the points change; it is kept in the audit log.", "error")
    else:
        limit = svc.settings.adjust_limit(current_staff().role)
        done, outcome = attempt(lambda: request_adjustment(db_session(), member_id, adjustment_id, points, reason,
                                                           limit, svc.program, svc.clock(), acting()))
        if done:
            flash(_outcome_text(points, outcome), "success")
    return redirect(url_for("admin.member", member_id=member_id, _anchor="points"))


@bp.route("/members/<uuid:member_id>/export", methods=["GET", "POST"])
@staff_page(SERVICE)
def export(member_id: uuid.UUID):
    session = db_session()
    person = get_member(session, member_id)
    if request.method == "GET":
        return render_template("admin/member_export.html", member=person)
    data = export_member(session, person, services().clock(), acting())
    session.commit()  # the export itself is audited
    return Response(json.dumps(data, indent=2, ensure_ascii=False), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="member-{member_id}.json"'})


@bp.route("/members/<uuid:member_id>/erase", methods=["GET", "POST"])
@staff_page(SERVICE)
def erase(member_id: uuid.UUID):
    session = db_session()
    person = get_member(session, member_id)
    if request.method == "GET":
        return render_template("admin/member_erase.html", member=person)
    reason = request.form.get("reason", "").strip()
    if request.form.get("confirm") != "erase":
        flash("Tick the box to confirm that this member's personal data is to be erased.", "error")
    elif not reason:
        flash("Reason: say why the data is erased (e.g. the member's request and its date).", "error")
    elif attempt(lambda: erase_member(session, person, reason, services().clock(), acting()))[0]:
        flash("The member's personal data is erased; points and sales stay, anonymous.", "success")
        return redirect(url_for("admin.member", member_id=member_id))
    return render_template("admin/member_erase.html", member=person, reason=reason), 422


def _members_card(member_id: uuid.UUID, number: str) -> Card:
    card = get_card(db_session(), services().program, number)
    if card.member_id != member_id:
        abort(404, description=f"Card {number} does not belong to this member.")
    return card


def _card_numbers(member_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    found: dict[uuid.UUID, list[str]] = defaultdict(list)
    if member_ids:
        rows = db_session().execute(select(Card.member_id, Card.number, Card.state)
                                    .where(Card.member_id.in_(member_ids)).order_by(Card.issued_at))
        for member_id, number, state in rows:
            found[member_id].append(number if state == "active" else f"{number} ({state})")
    return found


def _expiring_by_month(state, now: datetime, zone: str) -> list[tuple[str, int]]:
    """Points in open lots by the last month they can be spent in, soonest first, as the member's
    own page counts them (loyalty.expiry.expiring_by_month: months of the expiry policy's zone),
    with the month written out ("March 2027")."""
    months = expiring_by_month(state, now, zone)
    return [(f"{calendar.month_name[int(key[5:])]} {key[:4]}", points) for key, points in months]


def _tier_progress(person: Member, now: datetime) -> dict:
    """The qualifying total in the window, and what is missing to reach the next tier."""
    rules = services().program.tiers
    total = qualifying_total(qualifying_history(db_session(), person.id, since=now - rules.window), now, rules)
    higher = [tier for tier in rules.tiers if tier.threshold > total]
    return {"basis": rules.basis, "money": rules.basis is Basis.SPEND, "total": total,
            "window_days": rules.window.days, "next": higher[0] if higher else None,
            "missing": higher[0].threshold - total if higher else 0}


def _outcome_text(points: int, outcome: AdjustmentOutcome) -> str:
    if outcome.request is not None:
        return (f"{points:+,} points are above your limit ({outcome.request.exceeded}): the adjustment waits, "
                "pending, until a second member-service user or an admin approves it.")
    return f"{points:+,} points recorded. The balance is now {outcome.balance:,} points."
