"""/reports: cross-store reports for HQ, as JSON or CSV (?format=csv)."""

from __future__ import annotations

import csv
import io

from flask import Response

from server.api.blueprint import Blueprint
from server.api.context import BEARER, acting, db_session, services, staff_required
from server.auth.roles import Role
from server.membership.reconciliation import resolve_exception
from server.reports.sync_health import reconciliation, sync_health
from server.schemas.reconciliation import ResolvedExceptionSchema, ResolveSchema
from server.schemas.reports import ReconciliationReportSchema, ReportQuerySchema, SyncHealthReportSchema

blp = Blueprint("reports", __name__, url_prefix="/api/v1/reports", description="Cross-store reports")
# The same report as CSV with ?format=csv: one row per line of the JSON report's list.
CSV_RESPONSE = blp.alt_response(
    200, schema={"type": "string"}, content_type="text/csv", success=True,
    description="the report as JSON; with ?format=csv, its rows as CSV, as an attachment",
    headers={"Content-Disposition": {"description": "attachment; filename=\"<report>.csv\"",
                                     "schema": {"type": "string"}}})


def as_csv(rows: list[dict], name: str) -> Response:
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
                         for row in rows)
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


@blp.route("/reconciliation")
@blp.doc(security=BEARER)
@staff_required(Role.HQ)
@blp.arguments(ReportQuerySchema, location="query")
@blp.response(200, ReconciliationReportSchema)
@CSV_RESPONSE
def reconciliation_report(query):
    """Where tills and the server disagreed, and journal items not applied (yet)."""
    report = reconciliation(db_session(), query["store"], query["since"], query["until"])
    if query["format"] == "csv":
        return as_csv(report["exceptions"], "reconciliation-exceptions")
    return report


@blp.route("/sync-health")
@blp.doc(security=BEARER)
@staff_required(Role.HQ)
@blp.arguments(ReportQuerySchema, location="query")
@blp.response(200, SyncHealthReportSchema)
@CSV_RESPONSE
def sync_health_report(query):
    """Per terminal: last seen, feed cursor and lag behind the head, journal items waiting."""
    rows = sync_health(db_session(), query["store"])
    if query["format"] == "csv":
        return as_csv(rows, "sync-health")
    return {"terminals": rows}


@blp.route("/reconciliation/<uuid:exception_id>/resolve", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required(Role.HQ)
@blp.arguments(ResolveSchema)
@blp.response(200, ResolvedExceptionSchema)
@blp.problems(404, 409, 422)
def resolve(body, exception_id):
    """Close a reconciliation exception with a note; resolving it a second time is a 409."""
    session = db_session()
    resolved = resolve_exception(session, exception_id, body["note"], services().clock(), acting())
    session.commit()
    return resolved
