"""HQ: reconciliation exceptions and the sync health of every till (from server.reports)."""

from __future__ import annotations

from dataclasses import replace

from flask import Response, render_template
from sqlalchemy import select

from admin_ui.access import staff_page
from admin_ui.blueprint import bp
from admin_ui.tables import Column, Filter, TableSpec, day_end, day_start
from server.api.context import db_session, services
from server.auth.roles import Role
from server.models import ReconciliationException, Store
from server.reports.sync_health import reconciliation as reconciliation_report
from server.reports.sync_health import sync_health as sync_health_report

HQ = Role.HQ

RECONCILIATION_TABLE = TableSpec(
    name="reconciliation-exceptions", caption="Reconciliation exceptions, oldest first",
    columns=(Column("created_at", "Recorded", "when"), Column("store", "Store"), Column("kind", "Kind"),
             Column("till_value", "Till said", "number"), Column("server_value", "Server says", "number"),
             Column("detail", "What happened"), Column("transaction_id", "Transaction", "code")),
    filters=(Filter("store", "Store", "select"), Filter("kind", "Kind"),
             Filter("from", "From", "date"), Filter("to", "To", "date")))

SYNC_TABLE = TableSpec(
    name="sync-health", caption="Sync health per till",
    columns=(Column("store", "Store"), Column("terminal", "Till"), Column("last_seen_at", "Last contact", "when"),
             Column("feed_read_at", "Last read the feed", "when"), Column("feed_lag", "Changes behind", "number"),
             Column("feed_cursor", "Feed position", "number"), Column("feed_head", "Feed head", "number"),
             Column("journal_waiting", "Journal items waiting", "number")),
    filters=(Filter("store", "Store", "select"),))


def _with_stores(spec: TableSpec) -> TableSpec:
    """The spec with today's store codes as the store filter's choices."""
    codes = tuple((code, code) for code in db_session().scalars(select(Store.code).order_by(Store.code)))
    return replace(spec, filters=tuple(replace(f, choices=codes) if f.name == "store" else f for f in spec.filters))


@bp.route("/reconciliation")
@staff_page(HQ)
def reconciliation():
    spec = _with_stores(RECONCILIATION_TABLE)
    filters = spec.read_filters()
    values = filters.values
    rows = reconciliation_report(db_session(), values["store"], day_start(values["from"]),
                                 day_end(values["to"]))["exceptions"]
    if values["kind"]:
        rows = [row for row in rows if row["kind"] == values["kind"]]
    table = spec.show(rows, filters=filters)
    if isinstance(table, Response):
        return table
    kinds = db_session().scalars(select(ReconciliationException.kind).distinct().order_by(
        ReconciliationException.kind)).all()
    return render_template("admin/reconciliation.html", table=table, kinds=kinds)


@bp.route("/sync-health")
@staff_page(HQ)
def sync_health():
    spec = _with_stores(SYNC_TABLE)
    filters = spec.read_filters()
    values = filters.values
    table = spec.show(sync_health_report(db_session(), values["store"]), filters=filters)
    if isinstance(table, Response):
        return table
    return render_template("admin/sync_health.html", table=table, now=services().clock())
