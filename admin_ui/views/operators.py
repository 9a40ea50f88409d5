"""Operators: stores and their tills (register a till, credential shown once), staff users, audit log."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from admin_ui.access import may_open, staff_page
from admin_ui.blueprint import attempt, bp
from admin_ui.tables import Column, Filter, TableSpec, day_end, day_start
from server.api.context import acting, current_staff, db_session, services
from server.auth.passwords import MIN_PASSWORD_LENGTH
from server.auth.roles import Role
from server.models import AuditRecord, StaffUser, Store, Terminal
from server.staff import create_staff_user, disable_staff_user
from server.staff_pins import TILL_ROLES
from server.terminals import (
    get_store,
    get_terminal,
    register_terminal,
    resume_terminal,
    revoke_terminal,
    suspend_terminal,
)

ROLE_CHOICES = tuple((r.value, r.value) for r in Role)

STORES_TABLE = TableSpec(
    name="stores", caption="Stores",
    columns=(Column("code", "Code"), Column("name", "Name"), Column("timezone", "Time zone"),
             Column("terminals", "Tills", "number"), Column("created_at", "Since", "day")),
    filters=(Filter("q", "Code or name"),))

TERMINALS_TABLE = TableSpec(
    name="terminals", caption="Tills",
    columns=(Column("code", "Till"), Column("key_id", "Key id", "code"), Column("state", "State"),
             Column("last_seen_at", "Last contact", "when"), Column("agent_version", "Agent version"),
             Column("created_at", "Registered", "when"), Column("suspension", "Points", "action"),
             Column("revoke", "Credential", "action")))

STAFF_TABLE = TableSpec(
    name="staff-users", caption="Staff users",
    columns=(Column("username", "Username"), Column("role", "Role"), Column("state", "State"),
             Column("pin", "Till PIN"), Column("created_at", "Since", "day"),
             Column("pin_action", "PIN", "action"), Column("disable", "Access", "action")),
    filters=(Filter("q", "Username"), Filter("role", "Role", "select", ROLE_CHOICES),
             Filter("state", "State", "select", (("active", "active"), ("disabled", "disabled")))))

AUDIT_TABLE = TableSpec(
    name="audit-log", caption="Audit log, newest first",
    columns=(Column("at", "When", "when"), Column("actor", "Who"), Column("action", "Action"),
             Column("target", "Target", "code"), Column("reason", "Reason"), Column("details", "Details", "code"),
             Column("remote_addr", "From")),
    filters=(Filter("action", "Action", hint="e.g. points.adjusted"), Filter("actor", "Who"),
             Filter("target", "Target"), Filter("from", "From", "date"),
             Filter("to", "To", "date")))


@bp.route("/stores")
@staff_page(Role.HQ)
def stores():
    filters = STORES_TABLE.read_filters()
    values = filters.values
    counts = (select(Terminal.store_id, func.count().label("n")).group_by(Terminal.store_id).subquery())
    stmt = (select(Store, func.coalesce(counts.c.n, 0)).outerjoin(counts, counts.c.store_id == Store.id)
            .order_by(Store.code))
    if values["q"]:
        fragment = f"%{values['q'].replace('%', '').replace('_', '')}%"
        stmt = stmt.where(Store.code.ilike(fragment) | Store.name.ilike(fragment))
    table = STORES_TABLE.show(stmt, lambda row: {
        "code": row[0].code, "code_href": url_for("admin.store", code=row[0].code), "name": row[0].name,
        "timezone": row[0].timezone, "terminals": row[1], "created_at": row[0].created_at}, filters)
    if isinstance(table, Response):
        return table
    return render_template("admin/stores.html", table=table)


@bp.route("/stores/<code>")
@staff_page(Role.HQ)
def store(code: str):
    found = get_store(db_session(), code)
    may_revoke, may_suspend = may_open("admin.revoke_till"), may_open("admin.till_suspension")
    table = TERMINALS_TABLE.show(
        select(Terminal).where(Terminal.store_id == found.id).order_by(Terminal.code),
        lambda t: {"code": t.code, "key_id": t.key_id, "state": _till_state(t),
                   "last_seen_at": t.last_seen_at, "agent_version": t.agent_version, "created_at": t.created_at,
                   **_action("suspension", "Resume…" if t.suspended_at else "Suspend…", may_suspend and t.active,
                             lambda: url_for("admin.till_suspension", code=code, terminal=t.code)),
                   **_action("revoke", "Revoke…", may_revoke and t.active,
                             lambda: url_for("admin.revoke_till", code=code, terminal=t.code))})
    if isinstance(table, Response):
        return table
    return render_template("admin/store.html", store=found, table=table)


@bp.route("/stores/<code>/terminals", methods=["POST"])
@staff_page()
def register_till(code: str):
    session = db_session()
    found = get_store(session, code)
    till = request.form.get("code", "").strip()
    done, registered = attempt(lambda: register_terminal(session, found, till, services().clock(), acting()))
    if not done:
        return redirect(url_for("admin.store", code=code))
    terminal, credential = registered
    # Only the public key is kept: this page is the one and only time the secret is shown.
    return render_template("admin/till_registered.html", store=found, terminal=terminal,
                           credential=str(credential)), 201


@bp.route("/staff")
@staff_page()
def staff_users():
    filters = STAFF_TABLE.read_filters()
    values = filters.values
    stmt = select(StaffUser).order_by(StaffUser.username)
    if values["q"]:
        stmt = stmt.where(StaffUser.username.contains(values["q"].lower(), autoescape=True))
    if values["role"]:
        stmt = stmt.where(StaffUser.role == values["role"])
    if values["state"]:
        stmt = stmt.where(StaffUser.active.is_(values["state"] == "active"))
    me = current_staff().username
    table = STAFF_TABLE.show(stmt, lambda u: {
        "username": u.username, "role": u.role, "state": "active" if u.active else "disabled",
        "created_at": u.created_at, "pin": _pin_state(u),
        **_action("pin_action", "Till PIN…", u.active and u.role in TILL_ROLES,
                  lambda: url_for("admin.staff_pin", username=u.username)),
        **_action("disable", "Disable…", u.active and u.username != me,
                  lambda: url_for("admin.disable_staff", username=u.username))}, filters)
    if isinstance(table, Response):
        return table
    return render_template("admin/staff.html", table=table, roles=[r.value for r in Role],
                           min_password=MIN_PASSWORD_LENGTH)


@bp.route("/staff", methods=["POST"])
@staff_page()
def create_staff():
    username, role = request.form.get("username", "").strip(), request.form.get("role", "")
    password = request.form.get("password", "")
    done, _user = attempt(lambda: create_staff_user(db_session(), username, password, role,
                                                    services().clock(), acting()))
    if done:
        flash(f"Staff user {username.lower()} ({role}) created.", "success")
    return redirect(url_for("admin.staff_users"))


@bp.route("/stores/<code>/terminals/<terminal>/revoke", methods=["GET", "POST"])
@staff_page()
def revoke_till(code: str, terminal: str):
    session = db_session()
    found = get_store(session, code)
    till = get_terminal(session, found, terminal)
    if request.method == "GET":
        return render_template("admin/revoke_till.html", store=found, terminal=till)
    reason = request.form.get("reason", "").strip()
    if request.form.get("confirm") != "revoke":
        flash("Tick the box to confirm that this till is to be shut out.", "error")
    elif attempt(lambda: revoke_terminal(session, found, terminal, services().clock(), acting(), reason or None))[0]:
        flash(f"Till {code}/{terminal} is revoked: its next request is refused.", "success")
        return redirect(url_for("admin.store", code=code))
    return render_template("admin/revoke_till.html", store=found, terminal=till, reason=reason), 422


@bp.route("/stores/<code>/terminals/<terminal>/suspension", methods=["GET", "POST"])
@staff_page()
def till_suspension(code: str, terminal: str):
    """Suspend a till's points (or resume them): it keeps selling; see server.terminals."""
    session = db_session()
    found = get_store(session, code)
    till = get_terminal(session, found, terminal)
    if request.method == "GET":
        return render_template("admin/till_suspension.html", store=found, terminal=till)
    reason = request.form.get("reason", "").strip()
    action = "suspend" if till.suspended_at is None else "resume"
    change = suspend_terminal if action == "suspend" else resume_terminal
    done = "suspended: it redeems no points until resumed" if action == "suspend" else "resumed"
    if request.form.get("confirm") != action:
        flash(f"Tick the box to confirm that this till is to be {action}d.", "error")
    elif attempt(lambda: change(session, found, terminal, services().clock(), acting(), reason or None))[0]:
        flash(f"Till {code}/{terminal} is {done}.", "success")
        return redirect(url_for("admin.store", code=code))
    return render_template("admin/till_suspension.html", store=found, terminal=till, reason=reason), 422


@bp.route("/staff/<username>/disable", methods=["GET", "POST"])
@staff_page()
def disable_staff(username: str):
    user = db_session().scalar(select(StaffUser).where(StaffUser.username == username))
    if user is None:
        abort(404, description=f"There is no staff user named {username}.")
    if request.method == "GET":
        return render_template("admin/disable_staff.html", user=user)
    reason = request.form.get("reason", "").strip()
    if request.form.get("confirm") != "disable":
        flash("Tick the box to confirm that this user is to lose access.", "error")
    elif attempt(lambda: disable_staff_user(db_session(), username, services().clock(), acting(),
                                            reason or None))[0]:
        flash(f"Staff user {username} is disabled: signed out at their next click, and cannot sign in.",
              "success")
        return redirect(url_for("admin.staff_users"))
    return render_template("admin/disable_staff.html", user=user, reason=reason), 422


@bp.route("/audit")
@staff_page()
def audit_log():
    filters = AUDIT_TABLE.read_filters()
    values = filters.values
    stmt = select(AuditRecord).order_by(AuditRecord.at.desc(), AuditRecord.id.desc())
    for name, column in (("action", AuditRecord.action), ("actor", AuditRecord.actor),
                         ("target", AuditRecord.target)):
        if values[name]:
            stmt = stmt.where(column == values[name])
    if values["from"]:
        stmt = stmt.where(AuditRecord.at >= day_start(values["from"]))
    if values["to"]:
        stmt = stmt.where(AuditRecord.at < day_end(values["to"]))
    table = AUDIT_TABLE.show(stmt, lambda a: {
        "at": a.at, "actor": f"{a.actor} ({a.actor_type})", "action": a.action, "target": a.target,
        "reason": a.reason, "details": ", ".join(f"{k}: {v}" for k, v in (a.details or {}).items()),
        "remote_addr": a.remote_addr}, filters)
    if isinstance(table, Response):
        return table
    return render_template("admin/audit.html", table=table)


def _pin_state(user: StaffUser) -> str | None:
    """Whether a user who may sign in at tills has a PIN (never the PIN itself)."""
    if user.role not in TILL_ROLES:
        return None
    return "set" if user.pin_hash else "none"


def _till_state(till: Terminal) -> str:
    if till.active and till.suspended_at:
        return f"suspended {till.suspended_at:%Y-%m-%d %H:%M} UTC"
    if till.active:
        return "active"
    return f"revoked {till.revoked_at:%Y-%m-%d %H:%M} UTC" if till.revoked_at else "revoked"


def _action(key: str, label: str, offered: bool, href: Callable[[], str]) -> dict:
    """A row's action cell: a link to the action's confirmation page, when it is offered."""
    return {key: label, f"{key}_href": href()} if offered else {key: None}
