"""HQ: the reconciliation console (exceptions, the till behind each, resolved with a note) and sync health."""

from __future__ import annotations

import uuid
from dataclasses import replace

from flask import Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from admin_ui.access import staff_page
from admin_ui.blueprint import attempt, bp
from admin_ui.tables import Column, Filter, TableSpec, day_end, day_start
from server.api.context import acting, db_session, services
from server.auth.roles import Role
from server.membership.reconciliation import resolve_exception
from server.models import PostedTransaction, ReconciliationException, Store
from server.reports.sync_health import sync_health as sync_health_report

HQ = Role.HQ

RECONCILIATION_TABLE = TableSpec(
    name="reconciliation-exceptions", caption="Reconciliation exceptions, oldest first",
    columns=(Column("created_at", "Recorded", "when"), Column("store", "Store"), Column("terminal", "Till"),
             Column("kind", "Kind"), Column("till_value", "Till said", "number"),
             Column("server_value", "Server says", "number"), Column("detail", "What happened"),
             Column("transaction_id", "Transaction", "code"), Column("state", "State"),
             Column("resolve", "Resolution", "action")),
    filters=(Filter("store", "Store", "select"), Filter("terminal", "Till", hint="e.g. T1"), Filter("kind", "Kind"),
             Filter("state", "State", "select", (("open", "open"), ("resolved", "resolved"))),
             Filter("from", "From", "date"), Filter("to", "To", "date")))

SYNC_TABLE = TableSpec(
    name="sync-health", caption="Sync health per till",
    columns=(Column("store", "Store"), Column("terminal", "Till"), Column("last_seen_at", "Last contact", "when"),
             Column("feed_read_at", "Last read the feed", "when"), Column("feed_lag", "Changes behind", "number"),
             Column("feed_cursor", "Feed position", "number"), Column("feed_head", "Feed head", "number"),
             Column("journal_waiting", "Journal items waiting", "number")),
    filters=(Filter("store", "Store", "select"),))


def with_stores(spec: TableSpec) -> TableSpec:
    """The spec with today's store codes as the store filter's choices."""
    codes = tuple((code, code) for code in db_session().scalars(select(Store.code).order_by(Store.code)))
    return replace(spec, filters=tuple(replace(f, choices=codes) if f.name == "store" else f for f in spec.filters))


@bp.route("/reconciliation")
@staff_page(HQ)
def reconciliation():
    spec = with_stores(RECONCILIATION_TABLE)
    filters = spec.read_filters()
    values = filters.values
    stmt = (select(ReconciliationException, PostedTransaction.terminal_code)
            .join(PostedTransaction, PostedTransaction.id == ReconciliationException.transaction_id)
            .order_by(ReconciliationException.created_at, ReconciliationException.id))
    for name, column in (("store", ReconciliationException.store_code), ("kind", ReconciliationException.kind),
                         ("terminal", PostedTransaction.terminal_code)):
        if values[name]:
            stmt = stmt.where(column == values[name])
    if values["state"]:
        resolved = ReconciliationException.resolved_at.is_not(None)
        stmt = stmt.where(resolved if values["state"] == "resolved" else ~resolved)
    if values["from"]:
        stmt = stmt.where(ReconciliationException.created_at >= day_start(values["from"]))
    if values["to"]:
        stmt = stmt.where(ReconciliationException.created_at < day_end(values["to"]))
    table = spec.show(stmt, _exception_row, filters)
    if isinstance(table, Response):
        return table
    kinds = db_session().scalars(select(ReconciliationException.kind).distinct().order_by(
        ReconciliationException.kind)).all()
    return render_template("admin/reconciliation.html", table=table, kinds=kinds)


@bp.route("/reconciliation/<uuid:exception_id>")
@staff_page(HQ)
def reconciliation_exception(exception_id: uuid.UUID):
    found, sale = _exception(exception_id)
    return render_template("admin/reconciliation_exception.html", exception=found, sale=sale)


@bp.route("/reconciliation/<uuid:exception_id>/resolve", methods=["POST"])
@staff_page(HQ)
def resolve_reconciliation(exception_id: uuid.UUID):
    found, sale = _exception(exception_id)
    note = request.form.get("note", "").strip()
    if not note:
        flash("Note: say what you found or did about it; it is kept with the exception and in the audit log.",
              "error")
    elif attempt(lambda: resolve_exception(db_session(), exception_id, note, services().clock(), acting()))[0]:
        flash(f"Resolved: the {found.kind.replace('_', ' ')} exception of till {found.store_code}/"
              f"{sale.terminal_code}.", "success")
        return redirect(url_for("admin.reconciliation", state="open"))
    return render_template("admin/reconciliation_exception.html", exception=found, sale=sale, note=note), 422


def _exception(exception_id: uuid.UUID) -> tuple[ReconciliationException, PostedTransaction]:
    row = db_session().execute(select(ReconciliationException, PostedTransaction)
                               .join(PostedTransaction, PostedTransaction.id == ReconciliationException.transaction_id)
                               .where(ReconciliationException.id == exception_id)).first()
    if row is None:
        abort(404, description="There is no such reconciliation exception.")
    return row[0], row[1]


def _exception_row(row) -> dict:
    found, terminal = row
    href = url_for("admin.reconciliation_exception", exception_id=found.id)
    return {"created_at": found.created_at, "store": found.store_code, "terminal": terminal, "kind": found.kind,
            "till_value": found.till_value, "server_value": found.server_value, "detail": found.detail,
            "transaction_id": found.transaction_id,
            "state": f"resolved by {found.resolved_by}" if found.resolved_at else "open",
            "resolve": "Details" if found.resolved_at else "Resolve…", "resolve_href": href}


@bp.route("/sync-health")
@staff_page(HQ)
def sync_health():
    spec = with_stores(SYNC_TABLE)
    filters = spec.read_filters()
    values = filters.values
    table = spec.show(sync_health_report(db_session(), values["store"]), filters=filters)
    if isinstance(table, Response):
        return table
    return render_template("admin/sync_health.html", table=table, now=services().clock())
